// SPDX-License-Identifier: MIT
/*
 * test_fork.c - fork's copy of an address space and copy-on-write, on one machine.
 *
 * The parent is the fake bench's mm; children come from mm_fork() on the same guest
 * physical memory, each with an engine of its own that counts its flushes. Every frame and
 * protection is read through refwalk (tests/unit/refwalk.c) from the raw tables of each mm,
 * and after each step mm_phys_validate() must find the machine consistent: each frame's
 * reference and map counts are the entries (in all mms) and page-cache references on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"

#define P SZ_4K
#define RW (MM_PROT_READ | MM_PROT_WRITE)
#define VA UINT64_C(0x400000)

/* A child: an mm of the same machine, with an engine that counts its full flushes. */
struct kid {
	struct mm_struct *mm;
	unsigned flushes;
};

static void kid_flush_all(void *ctx)
{
	((struct kid *)ctx)->flushes++;
}

static void expect_machine_valid(struct fake_env *env)
{
	char msg[256];
	int ret = mm_phys_validate(env->phys, msg, sizeof(msg));

	if (ret)
		g_test_message("mm_phys_validate: %s", msg);
	g_assert_cmpint(ret, ==, 0);
	/* Each mm alone is valid too, though others share its frames. */
	ret = mm_validate(env->mm, msg, sizeof(msg));
	if (ret)
		g_test_message("mm_validate(parent): %s", msg);
	g_assert_cmpint(ret, ==, 0);
}

static void kid_fork(struct fake_env *env, struct kid *kid)
{
	struct mm_engine engine = { .ctx = kid, .flush_tlb_all = kid_flush_all };

	memset(kid, 0, sizeof(*kid));
	g_assert_cmpint(mm_fork(env->mm, &engine, &kid->mm), ==, 0);
	g_assert_nonnull(kid->mm);
	g_assert_cmpuint(kid->mm->pgd, !=, env->mm->pgd);
	expect_machine_valid(env);
	g_assert_cmpint(mm_validate(kid->mm, NULL, 0), ==, 0);
}

static void kid_exit(struct fake_env *env, struct kid *kid)
{
	mm_destroy(kid->mm);
	kid->mm = NULL;
	expect_machine_valid(env);
}

/* refwalk of @va in @mm: the physical page, and the protection in *@prot. */
static uint64_t ref_page(struct fake_env *env, struct mm_struct *mm, uint64_t va, unsigned *prot)
{
	const struct arch_mem *mem = mm_phys_mem(env->phys);
	uint64_t paddr = 0;
	unsigned p = 0;

	g_assert_true(refwalk(env->ref, mem->base, mem->size, mm->pgd, va, &paddr, &p));
	if (prot)
		*prot = p;
	return paddr & ~(P - 1);
}

static bool ref_mapped(struct fake_env *env, struct mm_struct *mm, uint64_t va)
{
	const struct arch_mem *mem = mm_phys_mem(env->phys);
	uint64_t paddr;
	unsigned p;

	return refwalk(env->ref, mem->base, mem->size, mm->pgd, va, &paddr, &p);
}

/* A user-mode write or read of 8 bytes, through mm_fill_tlb() as a vCPU would fault. */
static void put64(struct mm_struct *mm, uint64_t va, uint64_t val)
{
	g_assert_cmpint(copy_to_user(mm, va, &val, sizeof(val)), ==, 0);
}

static uint64_t get64(struct mm_struct *mm, uint64_t va)
{
	uint64_t val = 0;

	g_assert_cmpint(copy_from_user(mm, &val, va, sizeof(val)), ==, 0);
	return val;
}

/* A write that faults as the hardware would: mm_fill_tlb() with MM_PROT_WRITE. */
static void fault_write(struct mm_struct *mm, uint64_t va)
{
	uint64_t paddr;
	unsigned prot;

	g_assert_cmpint(mm_fill_tlb(mm, va, MM_PROT_WRITE, &paddr, &prot, NULL), ==, 0);
	g_assert_true(prot & MM_PROT_WRITE);
}

/* [VA, VA + n pages) private anonymous, each page's first word set to its number + 0x100. */
static void map_filled(struct fake_env *env, unsigned n)
{
	fake_map(env, VA, n * P, RW);
	for (unsigned i = 0; i < n; i++)
		put64(env->mm, VA + i * P, 0x100 + i);
}

/*
 * After fork both sides map the same frames, write-protected in both, and read the
 * parent's data; the copy is counted and the machine's reference counts include the child.
 */
static void test_shares_frames(gconstpointer data)
{
	struct fake_env env;
	struct kid kid;
	uint64_t in_use;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map_filled(&env, 4);
	g_assert_true(fake_touch_prot(&env, VA, MM_PROT_WRITE) & MM_PROT_WRITE);
	in_use = fake_phys_in_use(&env);
	kid_fork(&env, &kid);
	for (unsigned i = 0; i < 4; i++) {
		unsigned pp, cp;
		uint64_t pa = ref_page(&env, env.mm, VA + i * P, &pp);

		g_assert_cmphex(ref_page(&env, kid.mm, VA + i * P, &cp), ==, pa);
		g_assert_cmpuint(pp, ==, MM_PROT_READ);
		g_assert_cmpuint(cp, ==, MM_PROT_READ);
		g_assert_cmphex(get64(kid.mm, VA + i * P), ==, 0x100 + i);
		g_assert_cmphex(get64(env.mm, VA + i * P), ==, 0x100 + i);
	}
	/* No data frame copied: only the child's tables (root, PDPT, PD, PT) are new. */
	g_assert_cmpuint(fake_phys_in_use(&env), ==, in_use + 4);
	g_assert_cmpuint(env.mm->stats.forks, ==, 1);
	g_assert_cmpuint(env.mm->stats.ptes_copied, ==, 4);
	g_assert_cmpuint(env.mm->stats.ptes_wrprotected, ==, 4);
	g_assert_cmpuint(mm_phys_stats(env.phys)->frames_shared, ==, 4);
	g_assert_cmpuint(mm_phys_stats(env.phys)->forks, ==, 1);
	g_assert_cmpuint(mm_phys_nr_mms(env.phys), ==, 2);
	g_assert_cmpuint(kid.mm->start_brk, ==, env.mm->start_brk);
	g_assert_cmpuint(kid.mm->mmap_base, ==, env.mm->mmap_base);
	g_assert_cmpint(kid.mm->map_count, ==, env.mm->map_count);
	kid_exit(&env, &kid);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, in_use);
	g_assert_cmpuint(mm_phys_stats(env.phys)->frames_shared, ==, 0);
	fake_env_finish(&env);
}

/*
 * A write copies: the child's write gets a frame of its own, the parent keeps its frame and
 * data. Then the parent's write to that page reuses (the child holds a copy already, so the
 * frame is the parent's alone), and its write to a page still shared copies.
 */
static void test_write_copies(gconstpointer data)
{
	struct fake_env env;
	struct kid kid;
	uint64_t pa0, pa1, in_use;
	unsigned prot;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map_filled(&env, 2);
	pa0 = ref_page(&env, env.mm, VA, NULL);
	pa1 = ref_page(&env, env.mm, VA + P, NULL);
	kid_fork(&env, &kid);
	in_use = fake_phys_in_use(&env);

	put64(kid.mm, VA, 0xc0c0);
	g_assert_cmpuint(kid.mm->stats.cow_copies, ==, 1);
	g_assert_cmpuint(kid.mm->stats.cow_reuses, ==, 0);
	g_assert_cmphex(ref_page(&env, kid.mm, VA, &prot), !=, pa0);
	g_assert_cmpuint(prot, ==, RW);
	g_assert_cmphex(ref_page(&env, env.mm, VA, &prot), ==, pa0);
	g_assert_cmpuint(prot, ==, MM_PROT_READ);
	g_assert_cmphex(get64(kid.mm, VA), ==, 0xc0c0);
	g_assert_cmphex(get64(env.mm, VA), ==, 0x100);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, in_use + 1);
	expect_machine_valid(&env);

	/* The parent is the only user of pa0 now: the write reuses it. */
	fault_write(env.mm, VA);
	g_assert_cmpuint(env.mm->stats.cow_reuses, ==, 1);
	g_assert_cmpuint(env.mm->stats.cow_copies, ==, 0);
	g_assert_cmphex(ref_page(&env, env.mm, VA, &prot), ==, pa0);
	g_assert_cmpuint(prot, ==, RW);
	put64(env.mm, VA, 0xd0d0);
	g_assert_cmphex(get64(kid.mm, VA), ==, 0xc0c0);

	/* pa1 is still shared: the parent's write copies, the child keeps pa1. */
	put64(env.mm, VA + P, 0xe0e0);
	g_assert_cmpuint(env.mm->stats.cow_copies, ==, 1);
	g_assert_cmphex(ref_page(&env, env.mm, VA + P, NULL), !=, pa1);
	g_assert_cmphex(ref_page(&env, kid.mm, VA + P, NULL), ==, pa1);
	g_assert_cmphex(get64(kid.mm, VA + P), ==, 0x101);
	g_assert_cmpuint(mm_phys_stats(env.phys)->cow_copies, ==, 2);
	g_assert_cmpuint(mm_phys_stats(env.phys)->cow_reuses, ==, 1);
	g_assert_cmpuint(mm_phys_stats(env.phys)->frames_shared, ==, 0);
	g_assert_cmpuint(mm_phys_stats(env.phys)->frames_shared_peak, ==, 2);
	expect_machine_valid(&env);
	kid_exit(&env, &kid);
	fake_env_finish(&env);
}

/* The last sharer reuses: once the child is gone, the parent's write copies nothing. */
static void test_last_sharer_reuses(gconstpointer data)
{
	struct fake_env env;
	struct kid kid, kid2;
	uint64_t pa, in_use;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map_filled(&env, 1);
	pa = ref_page(&env, env.mm, VA, NULL);
	kid_fork(&env, &kid);
	kid_fork(&env, &kid2);
	/* Three sharers: the second child's write copies. */
	put64(kid2.mm, VA, 0x2222);
	g_assert_cmpuint(kid2.mm->stats.cow_copies, ==, 1);
	kid_exit(&env, &kid);
	in_use = fake_phys_in_use(&env);
	put64(env.mm, VA, 0x1111);
	g_assert_cmpuint(env.mm->stats.cow_reuses, ==, 1);
	g_assert_cmpuint(env.mm->stats.cow_copies, ==, 0);
	g_assert_cmphex(ref_page(&env, env.mm, VA, NULL), ==, pa);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, in_use);
	g_assert_cmphex(get64(kid2.mm, VA), ==, 0x2222);
	kid_exit(&env, &kid2);
	fake_env_finish(&env);
}

/* MAP_SHARED anonymous memory stays shared: one frame, each side sees the other's writes. */
static void test_shared_anon(gconstpointer data)
{
	const uint64_t sh = UINT64_C(0x10000000);
	struct fake_env env;
	struct kid kid;
	uint64_t pa;
	unsigned prot;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	g_assert_cmphex(do_mmap(env.mm, sh, 2 * P, RW, MAP_SHARED_LINUX | MAP_ANONYMOUS_LINUX |
				MAP_FIXED_LINUX, 0), ==, sh);
	put64(env.mm, sh, 0xaaaa);
	pa = ref_page(&env, env.mm, sh, NULL);
	kid_fork(&env, &kid);
	/* Left to fault: the child has no entry for it until it touches it. */
	g_assert_false(ref_mapped(&env, kid.mm, sh));
	g_assert_cmpuint(env.mm->stats.ptes_copied, ==, 0);
	g_assert_cmphex(get64(kid.mm, sh), ==, 0xaaaa);
	put64(kid.mm, sh, 0xbbbb);
	g_assert_cmphex(ref_page(&env, kid.mm, sh, &prot), ==, pa);
	g_assert_cmpuint(prot, ==, RW);
	g_assert_cmphex(get64(env.mm, sh), ==, 0xbbbb);
	put64(env.mm, sh, 0xcccc);
	g_assert_cmphex(get64(kid.mm, sh), ==, 0xcccc);
	/* A page the child faults first is the same frame for the parent. */
	put64(kid.mm, sh + P, 0xdddd);
	g_assert_cmphex(get64(env.mm, sh + P), ==, 0xdddd);
	g_assert_cmphex(ref_page(&env, env.mm, sh + P, NULL), ==, ref_page(&env, kid.mm, sh + P, NULL));
	g_assert_cmpuint(kid.mm->stats.cow_copies + env.mm->stats.cow_copies, ==, 0);
	expect_machine_valid(&env);
	/* The child exits first: the frame it faulted lives on in the object. */
	kid_exit(&env, &kid);
	g_assert_cmphex(get64(env.mm, sh + P), ==, 0xdddd);
	g_assert_cmpint(do_munmap(env.mm, sh, 2 * P), ==, 0);
	expect_machine_valid(&env);
	fake_env_finish(&env);
}

/*
 * MAP_SHARED file pages are the machine's page cache: the child maps the parent's frame and
 * writes through it. A MAP_PRIVATE mapping of the file, never written, is not copied at
 * fork either; the child's read maps the same page-cache frame.
 */
static void test_shared_file(gconstpointer data)
{
	const uint64_t fva = UINT64_C(0x20000000), pva = UINT64_C(0x30000000);
	struct fake_env env;
	struct kid kid;
	struct mm_file *file;
	struct stat st;
	char *name = NULL;
	char buf[2 * 4096];
	GError *gerr = NULL;
	int fd;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	fd = g_file_open_tmp("mmuemu-fork-XXXXXX", &name, &gerr);
	g_assert_no_error(gerr);
	memset(buf, 0x5a, sizeof(buf));
	g_assert_cmpint(pwrite(fd, buf, sizeof(buf), 0), ==, (ssize_t)sizeof(buf));
	g_assert_cmpint(fstat(fd, &st), ==, 0);
	file = mm_file_open(env.mm, dup(fd), name, sizeof(buf), st.st_dev, st.st_ino, true);
	g_assert_cmphex(do_mmap_file(env.mm, fva, 2 * P, RW, MAP_SHARED_LINUX | MAP_FIXED_LINUX,
				     file, 0), ==, fva);
	g_assert_cmphex(do_mmap_file(env.mm, pva, 2 * P, MM_PROT_READ,
				     MAP_PRIVATE_LINUX | MAP_FIXED_LINUX, file, 0), ==, pva);
	mm_file_put(file);
	put64(env.mm, fva, 0x1234);
	g_assert_cmphex(get64(env.mm, pva), ==, 0x1234);
	kid_fork(&env, &kid);
	g_assert_false(ref_mapped(&env, kid.mm, fva));
	g_assert_false(ref_mapped(&env, kid.mm, pva));
	g_assert_cmpuint(env.mm->stats.ptes_copied, ==, 0);
	g_assert_cmphex(get64(kid.mm, fva), ==, 0x1234);
	g_assert_cmphex(get64(kid.mm, pva), ==, 0x1234);
	g_assert_cmphex(ref_page(&env, kid.mm, fva, NULL), ==, ref_page(&env, env.mm, fva, NULL));
	g_assert_cmphex(ref_page(&env, kid.mm, pva, NULL), ==, ref_page(&env, env.mm, fva, NULL));
	put64(kid.mm, fva + 8, 0x5678);
	g_assert_cmphex(get64(env.mm, fva + 8), ==, 0x5678);
	/* One machine, one page cache: the child's write(2) reaches the parent's mapping. */
	mm_file_written(kid.mm, st.st_dev, st.st_ino, 16, &(uint64_t){ 0x9abc }, 8);
	g_assert_cmphex(get64(env.mm, fva + 16), ==, 0x9abc);
	/* And the parent's msync-like sync writes back what the child dirtied. */
	mm_file_sync(env.mm, st.st_dev, st.st_ino);
	{
		uint64_t v = 0;

		g_assert_cmpint(pread(fd, &v, 8, 8), ==, 8);
		g_assert_cmphex(v, ==, 0x5678);
	}
	expect_machine_valid(&env);
	kid_exit(&env, &kid);
	g_assert_cmpint(do_munmap(env.mm, fva, 2 * P), ==, 0);
	g_assert_cmpint(do_munmap(env.mm, pva, 2 * P), ==, 0);
	expect_machine_valid(&env);
	fake_env_finish(&env);
	close(fd);
	unlink(name);
	g_free(name);
}

/*
 * Fork in the middle of a munmap-heavy workload: holes punched in many regions, fork, more
 * unmapping on both sides; every surviving page keeps its data on each side, and when both
 * are gone nothing is left.
 */
static void test_munmap_heavy(gconstpointer data)
{
	const uint64_t base = UINT64_C(0x1000000);
	const unsigned n = 64;
	struct fake_env env;
	struct kid kid;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	for (unsigned r = 0; r < 8; r++) {
		uint64_t at = base + r * UINT64_C(0x300000);

		fake_map(&env, at, n * P, RW);
		for (unsigned i = 0; i < n; i++)
			put64(env.mm, at + i * P, at + i * P);
		for (unsigned i = 1; i < n; i += 3)
			fake_munmap(&env, at + i * P, P);
	}
	kid_fork(&env, &kid);
	for (unsigned r = 0; r < 8; r++) {
		uint64_t at = base + r * UINT64_C(0x300000);

		/* The parent drops even pages, the child odd regions' first half. */
		for (unsigned i = 0; i < n; i += 6)
			g_assert_cmpint(do_munmap(env.mm, at + i * P, P), ==, 0);
		if (r & 1)
			g_assert_cmpint(do_munmap(kid.mm, at, n / 2 * P), ==, 0);
		expect_machine_valid(&env);
	}
	for (unsigned r = 0; r < 8; r++) {
		uint64_t at = base + r * UINT64_C(0x300000);

		for (unsigned i = 0; i < n; i++) {
			uint64_t va = at + i * P;
			bool punched = i % 3 == 1;

			g_assert_cmpint(fake_is_mapped(&env, va), ==, !punched && i % 6 != 0);
			if (!punched && i % 6 != 0)
				g_assert_cmphex(get64(env.mm, va), ==, va);
			if (!punched && !((r & 1) && i < n / 2))
				g_assert_cmphex(get64(kid.mm, va), ==, va);
		}
	}
	expect_machine_valid(&env);
	kid_exit(&env, &kid);
	fake_env_finish(&env);
}

/* Fork, then munmap in the child: the parent's entries, frames and data are untouched. */
static void test_child_munmap(gconstpointer data)
{
	struct fake_env env;
	struct kid kid;
	uint64_t pa[8];
	unsigned long before[ARCH_MAX_LEVELS], after[ARCH_MAX_LEVELS];

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map_filled(&env, 8);
	for (unsigned i = 0; i < 8; i++)
		pa[i] = ref_page(&env, env.mm, VA + i * P, NULL);
	fake_count_tables(&env, before);
	kid_fork(&env, &kid);
	g_assert_cmpint(do_munmap(kid.mm, VA, 8 * P), ==, 0);
	g_assert_false(ref_mapped(&env, kid.mm, VA));
	g_assert_cmpint(kid.mm->map_count, ==, 0);
	expect_machine_valid(&env);
	fake_count_tables(&env, after);
	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++)
		g_assert_cmpuint(after[l], ==, before[l]);
	for (unsigned i = 0; i < 8; i++) {
		g_assert_cmphex(ref_page(&env, env.mm, VA + i * P, NULL), ==, pa[i]);
		g_assert_cmphex(get64(env.mm, VA + i * P), ==, 0x100 + i);
	}
	/* The frames are the parent's alone again: its writes reuse them. */
	for (unsigned i = 0; i < 8; i++)
		put64(env.mm, VA + i * P, i);
	g_assert_cmpuint(env.mm->stats.cow_reuses, ==, 8);
	g_assert_cmpuint(env.mm->stats.cow_copies, ==, 0);
	kid_exit(&env, &kid);
	fake_env_finish(&env);
}

/*
 * dup_mmap() write-protects the parent's entries, so the parent's TLB must be flushed
 * after: a full flush reaches the parent's engine once the copy is done, and none the
 * child's (its TLB is empty).
 */
static void test_parent_flush(gconstpointer data)
{
	struct fake_env env;
	struct kid kid;
	guint nr;
	uint64_t all_before;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map_filled(&env, 3);
	nr = env.flushes->len;
	all_before = env.mm->stats.tlb_flush_all;
	kid_fork(&env, &kid);
	g_assert_cmpuint(fake_flushes_since(&env, nr), ==, 1);
	g_assert_true(fake_flush_at(&env, nr)->all);
	g_assert_cmpuint(env.mm->stats.tlb_flush_all, ==, all_before + 1);
	g_assert_cmpuint(kid.flushes, ==, 0);
	kid_exit(&env, &kid);
	fake_env_finish(&env);
}

/*
 * Tables copied per level for a known layout. Private pages at 0x400000 and 0x600000 (two
 * PTs in PD [0, 1G)), at 1G (PD [1G, 2G)) and at 0x7ffff0000000 (its own PDPT, PD and PT):
 * 2 PDPTs, 3 PDs, 4 PTs. A shared anonymous page at 0x10000000 (a fifth PT) is not copied.
 */
static void test_tables_per_level(gconstpointer data)
{
	const uint64_t va[] = { 0x400000, 0x600000, SZ_1G, UINT64_C(0x7ffff0000000) };
	struct fake_env env;
	struct kid kid;
	unsigned long counts[ARCH_MAX_LEVELS];
	const struct arch_mem *mem;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	for (unsigned i = 0; i < G_N_ELEMENTS(va); i++) {
		fake_map(&env, va[i], P, RW);
		put64(env.mm, va[i], i);
	}
	g_assert_cmphex(do_mmap(env.mm, 0x10000000, P, RW, MAP_SHARED_LINUX | MAP_ANONYMOUS_LINUX |
				MAP_FIXED_LINUX, 0), ==, 0x10000000);
	put64(env.mm, 0x10000000, 7);
	fake_expect_tables(&env, 1, 2, 3, 5);
	kid_fork(&env, &kid);
	g_assert_cmpuint(env.mm->stats.tables_copied[0], ==, 0);
	g_assert_cmpuint(env.mm->stats.tables_copied[1], ==, 2);
	g_assert_cmpuint(env.mm->stats.tables_copied[2], ==, 3);
	g_assert_cmpuint(env.mm->stats.tables_copied[3], ==, 4);
	g_assert_cmpuint(mm_phys_stats(env.phys)->tables_copied[3], ==, 4);
	g_assert_cmpuint(env.mm->stats.ptes_copied, ==, 4);
	mem = mm_phys_mem(env.phys);
	memset(counts, 0, sizeof(counts));
	g_assert_cmpint(refwalk_count_tables(env.ref, mem->base, mem->size, kid.mm->pgd, counts),
			==, 1 + 2 + 3 + 4);
	g_assert_cmpuint(counts[3], ==, 4);
	for (unsigned i = 0; i < G_N_ELEMENTS(va); i++)
		g_assert_cmphex(get64(kid.mm, va[i]), ==, i);
	kid_exit(&env, &kid);
	fake_env_finish(&env);
}

/*
 * An allocation failure at every step of fork: the Nth allocation from the fork on fails,
 * for N = 0, 1, ... until the fork succeeds. Each failure gives -ENOMEM, leaves no frame
 * behind and the parent valid, with its data, and still writable (reuse: nothing shares).
 */
static void test_inject(gconstpointer data)
{
	const uint64_t far = UINT64_C(0x7fff00000000);
	struct fake_env env;
	struct mm_struct *child = NULL;
	uint64_t in_use;
	int64_t n;
	int err;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map_filled(&env, 4);
	fake_map(&env, SZ_1G, P, RW);
	put64(env.mm, SZ_1G, 0x1111);
	fake_map(&env, far, P, RW);
	put64(env.mm, far, 0x2222);
	in_use = fake_phys_in_use(&env);
	for (n = 0;; n++) {
		mm_phys_fail_after(env.phys, n);
		err = mm_fork(env.mm, NULL, &child);
		mm_phys_fail_after(env.phys, -1);
		if (!err)
			break;
		g_assert_cmpint(err, ==, -ENOMEM);
		g_assert_cmpuint(fake_phys_in_use(&env), ==, in_use);
		g_assert_cmpuint(mm_phys_nr_mms(env.phys), ==, 1);
		expect_machine_valid(&env);
		for (unsigned i = 0; i < 4; i++)
			g_assert_cmphex(get64(env.mm, VA + i * P), ==, 0x100 + i);
		put64(env.mm, VA, 0x100);
		put64(env.mm, far, 0x2222);
		g_assert_cmpuint(env.mm->stats.cow_copies, ==, 0);
		g_assert_cmpuint(fake_phys_in_use(&env), ==, in_use);
	}
	/* Root, 2 PDPTs, 3 PDs, 3 PTs: 9 table pages, so 9 ways to fail. */
	g_assert_cmpint(n, ==, 9);
	expect_machine_valid(&env);
	g_assert_cmphex(get64(child, SZ_1G), ==, 0x1111);
	g_assert_cmphex(get64(child, far), ==, 0x2222);
	mm_destroy(child);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, in_use);
	expect_machine_valid(&env);
	fake_env_finish(&env);
}

/* exec_mmap() drops the old mm's user: a vfork-style borrower keeps the parent's mm alive. */
static void test_exec_mmap(gconstpointer data)
{
	struct fake_env env;
	struct kid kid;
	struct mm_struct *fresh;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map_filled(&env, 2);
	kid_fork(&env, &kid);
	put64(kid.mm, VA, 0x77);
	/* The child execs: its new mm replaces the forked one, which goes through exit_mmap. */
	g_assert_cmpint(mm_create(env.arch, env.phys, NULL, &fresh), ==, 0);
	exec_mmap(fresh, kid.mm);
	kid.mm = NULL;
	g_assert_cmpuint(mm_phys_nr_mms(env.phys), ==, 2);
	expect_machine_valid(&env);
	g_assert_cmphex(get64(env.mm, VA), ==, 0x100);
	/* vfork: the parent's mm lent to a child that execs keeps its own user. */
	mmget(env.mm);
	exec_mmap(fresh, env.mm);
	g_assert_cmphex(env.mm->pgd, !=, 0);
	g_assert_cmphex(get64(env.mm, VA + P), ==, 0x101);
	mmput(fresh);
	g_assert_cmpuint(mm_phys_nr_mms(env.phys), ==, 1);
	expect_machine_valid(&env);
	fake_env_finish(&env);
}

/* With every mm gone, nothing of the machine is in use, and the check says so. */
static void test_machine_empty(gconstpointer data)
{
	struct fake_env env;
	struct kid kid;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map_filled(&env, 3);
	kid_fork(&env, &kid);
	put64(kid.mm, VA + P, 1);
	/* The parent exits first; the child holds the shared frames alone. */
	exit_mmap(env.mm);
	g_assert_cmpuint(mm_phys_nr_mms(env.phys), ==, 1);
	g_assert_cmpint(mm_phys_validate(env.phys, NULL, 0), ==, 0);
	g_assert_cmpint(mm_validate(kid.mm, NULL, 0), ==, 0);
	g_assert_cmphex(get64(kid.mm, VA), ==, 0x100);
	put64(kid.mm, VA, 2);
	g_assert_cmpuint(kid.mm->stats.cow_reuses, ==, 1);
	mm_destroy(kid.mm);
	g_assert_cmpuint(mm_phys_nr_mms(env.phys), ==, 0);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, 0);
	g_assert_cmpint(mm_phys_validate(env.phys, NULL, 0), ==, 0);
	mm_destroy(env.mm);
	mm_phys_destroy(env.phys);
	g_array_free(env.flushes, TRUE);
	g_array_free(env.invals, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	fake_add_test("/mm/fork/shares-frames", test_shares_frames);
	fake_add_test("/mm/fork/write-copies", test_write_copies);
	fake_add_test("/mm/fork/last-sharer-reuses", test_last_sharer_reuses);
	fake_add_test("/mm/fork/shared-anon", test_shared_anon);
	fake_add_test("/mm/fork/shared-file", test_shared_file);
	fake_add_test("/mm/fork/munmap-heavy", test_munmap_heavy);
	fake_add_test("/mm/fork/child-munmap", test_child_munmap);
	fake_add_test("/mm/fork/parent-flush", test_parent_flush);
	fake_add_test("/mm/fork/tables-per-level", test_tables_per_level);
	fake_add_test("/mm/fork/inject", test_inject);
	fake_add_test("/mm/fork/exec-mmap", test_exec_mmap);
	fake_add_test("/mm/fork/machine-empty", test_machine_empty);
	return g_test_run();
}
