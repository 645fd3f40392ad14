// SPDX-License-Identifier: MIT
/*
 * test_debug.c - the debugging aids of mm/: mm_validate() against address spaces broken
 * on purpose (one invariant at a time, through the public fields and the raw table memory),
 * and silent on healthy ones after many random operations; the stale-TLB detector
 * (tlb_shadow); allocation fault injection over a scripted sequence, for every N.
 *
 * Counts are written root first: {root, PDPT, PD, PT}.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

#define P SZ_4K
#define RW (MM_PROT_READ | MM_PROT_WRITE)
#define RO MM_PROT_READ
#define ANON (MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX | MAP_FIXED_LINUX)
#define SHARED_ANON (MAP_SHARED_LINUX | MAP_ANONYMOUS_LINUX | MAP_FIXED_LINUX)
#define MAYMOVE MREMAP_MAYMOVE_LINUX
#define FIXED MREMAP_FIXED_LINUX
#define DONTUNMAP MREMAP_DONTUNMAP_LINUX

/* ---- helpers ---- */

static void expect_valid(struct fake_env *env)
{
	char msg[256];
	int ret = mm_validate(env->mm, msg, sizeof(msg));

	if (ret)
		g_test_message("mm_validate: %s", msg);
	g_assert_cmpint(ret, ==, 0);
	g_assert_cmpstr(msg, ==, "");
}

/* mm_validate() must fail with -EUCLEAN and name @rule in its message. */
static void expect_invalid(struct fake_env *env, const char *rule)
{
	char msg[256];
	int ret = mm_validate(env->mm, msg, sizeof(msg));

	g_test_message("mm_validate: %d \"%s\"", ret, msg);
	g_assert_cmpint(ret, ==, -EUCLEAN);
	if (!strstr(msg, rule))
		g_test_message("expected the rule \"%s\"", rule);
	g_assert_nonnull(strstr(msg, rule));
	/* A NULL message buffer is allowed too. */
	g_assert_cmpint(mm_validate(env->mm, NULL, 0), ==, -EUCLEAN);
}

/* Host view of guest physical @paddr. */
static uint64_t *raw(struct fake_env *env, uint64_t paddr)
{
	return (uint64_t *)(mm_phys_mem(env->phys)->base + paddr);
}

/*
 * The entry for @va at @level, in the table the walk of @via (a mapped address sharing
 * that table with @va) reads at that level.
 */
static uint64_t *entry_for(struct fake_env *env, uint64_t via, unsigned level, uint64_t va)
{
	struct arch_walk w;

	mm_walk(env->mm, via, MM_PROT_READ, &w);
	g_assert_cmpuint(w.nr_levels, >, level);
	return raw(env, w.entry_paddr[level] & ~(P - 1)) + arch_level_index(env->arch, level, va);
}

static uint64_t *leaf_of(struct fake_env *env, uint64_t va)
{
	return entry_for(env, va, env->arch->levels - 1, va);
}

/* Read through the tables without faulting anything in. Return: false if not mapped. */
static bool peek64(struct fake_env *env, uint64_t va, uint64_t *val)
{
	const struct arch_mem *mem = mm_phys_mem(env->phys);
	uint64_t paddr;
	unsigned prot;

	if (!refwalk(env->ref, mem->base, mem->size, env->mm->pgd, va, &paddr, &prot))
		return false;
	memcpy(val, mem->base + paddr, sizeof(*val));
	return true;
}

static uint64_t peek(struct fake_env *env, uint64_t va)
{
	uint64_t v = 0;

	g_assert_true(peek64(env, va, &v));
	return v;
}

/* ---- mm_validate: one broken rule at a time ---- */

#define VA 0x400000		/* A rw- 2 pages, written */
#define VR 0x402000		/* R r-- 1 page, read */
#define VB SZ_1G		/* B rw- 1 page, written, in a PD of its own */

/*
 * 0x400000 0x402000 0x403000        1G
 * |A rw- 2 |R r-- |                 |B rw-|       tables {1, 1, 2, 2}
 */
static void setup_layout(struct fake_env *env, const struct arch_mmu *arch)
{
	fake_env_init(env, arch, FAKE_PHYS_SIZE);
	expect_valid(env);
	fake_map(env, VA, 2 * P, RW);
	fake_map(env, VR, P, RO);
	fake_map(env, VB, P, RW);
	fake_write64(env, VA, 0xa0);
	fake_write64(env, VA + P, 0xa1);
	fake_touch_range(env, VR, VR + P, MM_PROT_READ);
	fake_write64(env, VB, 0xb0);
	fake_expect_tables(env, 1, 1, 2, 2);
	expect_valid(env);
}

static void test_empty_and_healthy(gconstpointer data)
{
	struct fake_env env;

	/* An empty address space, then the layout, are valid. */
	setup_layout(&env, data);
	fake_munmap(&env, VA, 3 * P);
	expect_valid(&env);
	fake_munmap(&env, VB, P);
	expect_valid(&env);
	fake_expect_tables(&env, 1, 0, 0, 0);
	fake_env_finish(&env);
}

/* A present leaf where no VMA is. */
static void test_stray_leaf(gconstpointer data)
{
	struct fake_env env;
	uint64_t *e, frame;

	setup_layout(&env, data);
	/*
	 * |A A|R|*        a leaf at 0x404000, in A's PT but outside every VMA, mapping A's frame
	 */
	frame = fake_expect_mapped(&env, VA, RW);
	e = entry_for(&env, VA, 3, 0x404000);
	g_assert_cmphex(*e, ==, 0);
	*e = env.arch->mk_leaf(frame, RW);
	expect_invalid(&env, "lies in no vma");
	*e = 0;
	expect_valid(&env);
	fake_env_finish(&env);
}

/* A leaf that grants more than its VMA: writable in a read-only VMA. */
static void test_leaf_grants_write(gconstpointer data)
{
	struct fake_env env;
	uint64_t *e, old, frame;

	setup_layout(&env, data);
	frame = fake_expect_mapped(&env, VR, RO);
	e = leaf_of(&env, VR);
	old = *e;
	*e = env.arch->mk_leaf(frame, RW);
	expect_invalid(&env, "grants more than");
	/* Exec is more as well. */
	*e = env.arch->mk_leaf(frame, RO | MM_PROT_EXEC);
	expect_invalid(&env, "grants more than");
	*e = old;
	expect_valid(&env);
	fake_env_finish(&env);
}

/* Leaf garbage: neither none nor present. */
static void test_leaf_garbage(gconstpointer data)
{
	struct fake_env env;
	uint64_t *e;

	setup_layout(&env, data);
	/* Bit 1 alone: not valid on either format, and not a PROT_NONE leaf. */
	e = entry_for(&env, VA, 3, 0x405000);
	*e = 0x2;
	expect_invalid(&env, "neither none nor present");
	*e = 0;
	expect_valid(&env);
	fake_env_finish(&env);
}

static void test_vma_rules(gconstpointer data)
{
	struct fake_env env;
	struct vm_area_struct *a, *r;
	uint64_t end;

	setup_layout(&env, data);
	a = vma_lookup(env.mm, VA);
	end = a->vm_end;

	env.mm->map_count++;
	expect_invalid(&env, "map_count");
	env.mm->map_count -= 2;
	expect_invalid(&env, "map_count");
	env.mm->map_count++;
	expect_valid(&env);

	a->vm_end = end + 8;
	expect_invalid(&env, "not page-aligned");
	a->vm_end = end;
	expect_valid(&env);
	/* A overlapping the start of R: R's start lowered into A (the tree order holds). */
	r = vma_lookup(env.mm, VR);
	r->vm_start = VR - P;
	expect_invalid(&env, "overlap");
	r->vm_start = VR;
	expect_valid(&env);
	/* A swallowing R whole: the walk by address skips R, the count gives it away. */
	a->vm_end = end + P;
	expect_invalid(&env, "");
	a->vm_end = end;
	a->detached = true;
	expect_invalid(&env, "detached");
	a->detached = false;
	expect_valid(&env);
	fake_env_finish(&env);
}

/* A table allocated and counted, but unreachable: its parent entry was dropped. */
static void test_table_unreachable(gconstpointer data)
{
	struct fake_env env;
	uint64_t *e, old;

	setup_layout(&env, data);
	/* The PD entry that points at B's PT. */
	e = entry_for(&env, VB, 2, VB);
	old = *e;
	*e = 0;
	expect_invalid(&env, "table pages reachable but");
	/* B is no longer translated: the walk says so too. */
	fake_expect_unmapped(&env, VB);
	*e = old;
	expect_valid(&env);
	g_assert_cmphex(peek(&env, VB), ==, 0xb0);
	fake_env_finish(&env);
}

/* One table reachable from two entries. */
static void test_table_twice(gconstpointer data)
{
	struct fake_env env;
	uint64_t *from, *to;

	setup_layout(&env, data);
	/* PD [0,1G): the entry for 0x600000 gets a copy of the one for 0x400000 (A's PT). */
	from = entry_for(&env, VA, 2, VA);
	to = entry_for(&env, VA, 2, 0x600000);
	g_assert_cmphex(*to, ==, 0);
	*to = *from;
	expect_invalid(&env, "reachable twice");
	*to = 0;
	expect_valid(&env);
	fake_env_finish(&env);
}

/* A table entry pointing outside guest memory. */
static void test_table_outside_memory(gconstpointer data)
{
	struct fake_env env;
	uint64_t *e;

	setup_layout(&env, data);
	e = entry_for(&env, VA, 2, 0xa00000);
	*e = env.arch->mk_table(FAKE_PHYS_SIZE + 16 * P, 2);
	expect_invalid(&env, "outside guest memory");
	*e = 0;
	expect_valid(&env);
	fake_env_finish(&env);
}

/*
 * A table where no VMA is, which free_pgtables() should have freed: a zeroed frame hung
 * into the root for [100 * 512G, 101 * 512G). The frame is A's second page, taken out of
 * A (leaf cleared, counted out) so that nothing but the table rule is broken.
 */
static void test_table_without_vma(gconstpointer data)
{
	struct fake_env env;
	uint64_t *leaf, *root, old_leaf, frame, saved[512];

	setup_layout(&env, data);
	frame = fake_expect_mapped(&env, VA + P, RW);
	leaf = leaf_of(&env, VA + P);
	old_leaf = *leaf;
	root = raw(&env, env.mm->pgd) + 100;
	g_assert_cmphex(*root, ==, 0);
	memcpy(saved, raw(&env, frame), sizeof(saved));

	*leaf = 0;
	env.mm->stats.frames_in_use--;
	memset(raw(&env, frame), 0, P);
	*root = env.arch->mk_table(frame, 0);
	env.mm->stats.tables_alloc[1]++;
	env.mm->stats.tables_in_use++;
	expect_invalid(&env, "where no vma is");

	*root = 0;
	env.mm->stats.tables_alloc[1]--;
	env.mm->stats.tables_in_use--;
	memcpy(raw(&env, frame), saved, sizeof(saved));
	*leaf = old_leaf;
	env.mm->stats.frames_in_use++;
	expect_valid(&env);
	g_assert_cmphex(peek(&env, VA + P), ==, 0xa1);
	fake_env_finish(&env);
}

/*
 * The same rule reached the other way: B's tables emptied by MADV_DONTNEED (zap never
 * frees tables), then B's VMA moved elsewhere behind mm/'s back. PD [1G,2G) and its PT
 * now cover no VMA.
 */
static void test_table_left_behind(gconstpointer data)
{
	struct fake_env env;
	struct vm_area_struct *b;

	setup_layout(&env, data);
	g_assert_cmpint(do_madvise(env.mm, VB, P, MADV_DONTNEED_LINUX), ==, 0);
	fake_expect_tables(&env, 1, 1, 2, 2);
	expect_valid(&env);
	b = vma_lookup(env.mm, VB);
	/* B is the last VMA: raising its start keeps the tree in order. */
	b->vm_start = 2 * SZ_1G;
	b->vm_end = 2 * SZ_1G + P;
	expect_invalid(&env, "where no vma is");
	b->vm_start = VB;
	b->vm_end = VB + P;
	expect_valid(&env);
	fake_env_finish(&env);
}

/* Counters that disagree with the tables. */
static void test_stats_off(gconstpointer data)
{
	struct fake_env env;

	setup_layout(&env, data);
	env.mm->stats.frames_in_use++;
	expect_invalid(&env, "frames mapped but");
	env.mm->stats.frames_in_use -= 2;
	expect_invalid(&env, "frames mapped but");
	env.mm->stats.frames_in_use++;
	expect_valid(&env);

	env.mm->stats.tables_alloc[3]++;
	expect_invalid(&env, "table pages reachable but");
	env.mm->stats.tables_alloc[3]--;
	env.mm->stats.tables_freed[2]++;
	expect_invalid(&env, "table pages reachable but");
	env.mm->stats.tables_freed[2]--;
	expect_valid(&env);

	/* tables_in_use too high: more allocated than reachable counts as a leak */
	env.mm->stats.tables_in_use--;
	expect_invalid(&env, "a leak");
	env.mm->stats.tables_in_use++;
	expect_valid(&env);
	fake_env_finish(&env);
}

/* A frame allocated but no longer mapped by anything: a leak. */
static void test_frame_leak(gconstpointer data)
{
	struct fake_env env;
	uint64_t *e, old;

	setup_layout(&env, data);
	e = leaf_of(&env, VA + P);
	old = *e;
	*e = 0;
	/* Counted as in use but mapped by nothing... */
	expect_invalid(&env, "frames mapped but");
	/* ...and with the count adjusted, still allocated: a leak. */
	env.mm->stats.frames_in_use--;
	expect_invalid(&env, "a leak");
	env.mm->stats.frames_in_use++;
	*e = old;
	expect_valid(&env);
	fake_env_finish(&env);
}

/* Two leaves for one frame whose reference count says one. */
static void test_frame_refcount(gconstpointer data)
{
	struct fake_env env;
	uint64_t *e, old, frame;

	setup_layout(&env, data);
	frame = fake_expect_mapped(&env, VA, RW);
	e = leaf_of(&env, VA + P);
	old = *e;
	*e = env.arch->mk_leaf(frame, RW);
	expect_invalid(&env, "reference count");
	*e = old;
	expect_valid(&env);
	fake_env_finish(&env);
}

/* ---- mm_validate on healthy address spaces, after random operations ---- */

/* Two windows: one across a 1 GiB boundary, one across a 512 GiB boundary. */
static const uint64_t rand_base[2] = { SZ_1G - 32 * P, SZ_512G - 16 * P };
#define RAND_PAGES 64
#define RAND_TOUCHED 32

struct rand_state {
	GRand *rng;
	bool shared;		/* also MAP_SHARED | MAP_ANONYMOUS */
	uint64_t touched[RAND_TOUCHED];
	mm_access_t touched_access[RAND_TOUCHED];
	unsigned nr_touched;
	char history[8][128];	/* the last operations, for the failure message */
	unsigned nr_ops;
	unsigned moved, faulted;	/* successful mremaps and demand faults */
};

#define rand_log(rs, ...) \
	snprintf((rs)->history[((rs)->nr_ops - 1) % 8], sizeof((rs)->history[0]), __VA_ARGS__)

static void rand_dump_history(struct rand_state *rs)
{
	for (unsigned i = rs->nr_ops > 8 ? rs->nr_ops - 8 : 0; i < rs->nr_ops; i++)
		g_test_message("op %u: %s", i, rs->history[i % 8]);
}

static uint64_t rand_addr(struct rand_state *rs)
{
	return rand_base[g_rand_int_range(rs->rng, 0, 2)] +
	       (uint64_t)g_rand_int_range(rs->rng, 0, RAND_PAGES) * P;
}

static uint64_t rand_len(struct rand_state *rs)
{
	return (uint64_t)g_rand_int_range(rs->rng, 1, 17) * P;
}

static unsigned rand_prot(struct rand_state *rs)
{
	static const unsigned prots[] = { RW, RW, RO, RO | MM_PROT_EXEC, MM_PROT_NONE };

	return prots[g_rand_int_range(rs->rng, 0, G_N_ELEMENTS(prots))];
}

/* One page touched as the emulator would on a TLB miss. Return: 1 if it is mapped now. */
static unsigned rand_touch(struct fake_env *env, struct rand_state *rs, uint64_t addr,
			   mm_access_t access)
{
	struct mm_fault fault;
	int ret = fake_touch(env, addr, access, &fault);

	g_assert_true(ret == 0 || ret == -EFAULT);
	if (ret)
		return 0;
	rs->faulted++;
	if (access == MM_PROT_WRITE)
		fake_write64(env, addr, addr ^ 0x5a5a);
	/*
	 * The emulator TLB holds the latest fill of a page only: an older access to the same
	 * page is forgotten (a later access it did not allow refills first).
	 */
	for (unsigned t = 0; t < MIN(rs->nr_touched, RAND_TOUCHED); t++) {
		if (rs->touched[t] == addr) {
			rs->touched_access[t] = access;
			return 1;
		}
	}
	rs->touched[rs->nr_touched % RAND_TOUCHED] = addr;
	rs->touched_access[rs->nr_touched % RAND_TOUCHED] = access;
	rs->nr_touched++;
	return 1;
}

static void rand_op(struct fake_env *env, struct rand_state *rs)
{
	uint64_t addr = rand_addr(rs), len = rand_len(rs);
	unsigned prot;
	int64_t r;
	int ret;

	rs->nr_ops++;

	switch (g_rand_int_range(rs->rng, 0, 12)) {
	case 0:
		prot = rand_prot(rs);
		r = do_mmap(env->mm, addr, len, prot, ANON, 0);
		rand_log(rs, "mmap(%#" PRIx64 ", %#" PRIx64 ", %u, private) = %" PRId64, addr, len,
			 prot, r);
		g_assert_cmphex(r, ==, addr);
		break;
	case 1:
		prot = rand_prot(rs);
		r = do_mmap(env->mm, addr, len, prot, rs->shared ? SHARED_ANON : ANON, 0);
		rand_log(rs, "mmap(%#" PRIx64 ", %#" PRIx64 ", %u, %s) = %" PRId64, addr, len, prot,
			 rs->shared ? "shared" : "private", r);
		g_assert_cmphex(r, ==, addr);
		break;
	case 2:
		ret = do_munmap(env->mm, addr, len);
		rand_log(rs, "munmap(%#" PRIx64 ", %#" PRIx64 ") = %d", addr, len, ret);
		g_assert_cmpint(ret, ==, 0);
		break;
	case 3:
		prot = rand_prot(rs);
		ret = do_mprotect(env->mm, addr, len, prot);
		rand_log(rs, "mprotect(%#" PRIx64 ", %#" PRIx64 ", %u) = %d", addr, len, prot, ret);
		g_assert_true(ret == 0 || ret == -ENOMEM);
		break;
	case 4: {
		static const unsigned flags[] = {
			0, MAYMOVE, MAYMOVE | FIXED, MAYMOVE | DONTUNMAP,
		};
		unsigned f = flags[g_rand_int_range(rs->rng, 0, 4)];
		uint64_t new_len = f & DONTUNMAP ? len : rand_len(rs);

		uint64_t to = rand_addr(rs);

		r = do_mremap(env->mm, addr, len, new_len, f, to);
		rand_log(rs, "mremap(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %u, %#" PRIx64
			 ") = %#" PRIx64, addr, len, new_len, f, to, (uint64_t)r);
		g_assert_true(r > 0 || r == -EFAULT || r == -ENOMEM || r == -EINVAL);
		if (r > 0) {
			g_assert_cmpuint((uint64_t)r % P, ==, 0);
			rs->moved++;
		}
		if (r > 0 && (f & FIXED))
			g_assert_nonnull(vma_lookup(env->mm, (uint64_t)r));
		break;
	}
	case 5:
		ret = do_madvise(env->mm, addr, len, MADV_DONTNEED_LINUX);
		rand_log(rs, "madvise(%#" PRIx64 ", %#" PRIx64 ", DONTNEED) = %d", addr, len, ret);
		g_assert_true(ret == 0 || ret == -ENOMEM);
		break;
	default: {
		mm_access_t access = g_rand_boolean(rs->rng) ? MM_PROT_WRITE : MM_PROT_READ;
		unsigned n = (unsigned)g_rand_int_range(rs->rng, 1, 5), ok = 0;

		for (unsigned i = 0; i < n; i++)
			ok += rand_touch(env, rs, addr + i * P, access);
		rand_log(rs, "touch(%#" PRIx64 ", %u pages, %s): %u mapped", addr, n,
			 access == MM_PROT_WRITE ? "write" : "read", ok);
		break;
	}
	}
}

/*
 * @shared: with shared anonymous memory a frame may be mapped twice or kept unmapped by
 * its object, so only mm_validate() judges; without, fake_check() judges as well. The
 * stale-TLB shadow is on throughout, with flushing on: it must never report, and every
 * translation it still holds must agree with the tables.
 */
static void random_run(const struct arch_mmu *arch, guint32 seed, unsigned nr_ops, bool shared)
{
	struct fake_env env;
	struct rand_state rs = { .rng = g_rand_new_with_seed(seed), .shared = shared };
	char *report = NULL;
	size_t report_len = 0;

	FILE *rep = open_memstream(&report, &report_len);

	g_assert_nonnull(rep);
	fake_env_init(&env, arch, FAKE_PHYS_SIZE);
	env.mm->tlb_shadow = true;
	env.mm->report = rep;
	for (unsigned i = 0; i < nr_ops; i++) {
		rand_op(&env, &rs);
		expect_valid(&env);
		if (!shared)
			fake_check(&env);
		for (unsigned t = 0; t < MIN(rs.nr_touched, RAND_TOUCHED); t++) {
			char msg[256];

			if (mm_tlb_shadow_check(env.mm, rs.touched[t], rs.touched_access[t], msg,
						sizeof(msg))) {
				rand_dump_history(&rs);
				g_test_message("after op %u: %s", i, msg);
			}
			g_assert_cmpint(mm_tlb_shadow_check(env.mm, rs.touched[t],
							    rs.touched_access[t], msg, sizeof(msg)),
					==, 0);
		}
		g_assert_cmpuint(env.mm->stale_tlb_reports, ==, 0);
	}
	g_test_message("seed %u: %d vmas, %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
		       " tables at the end", seed, env.mm->map_count, env.mm->stats.frames_in_use,
		       env.mm->stats.tables_in_use);
	/* Something happened: pages were touched and tables made. */
	g_test_message("seed %u: %u mremaps done, %u pages touched, %" G_GUINT64_FORMAT
		       " entries and %" G_GUINT64_FORMAT " tables moved", seed, rs.moved,
		       rs.faulted, env.mm->stats.ptes_moved, env.mm->stats.tables_moved);
	g_assert_cmpuint(rs.moved, >, 10);
	g_assert_cmpuint(rs.faulted, >, 100);
	g_assert_cmpuint(env.mm->stats.ptes_moved, >, 0);
	if (shared)
		g_assert_cmpint(do_munmap(env.mm, 0, env.arch->task_size), ==, 0);
	fake_env_finish(&env);
	fclose(rep);
	g_assert_cmpuint(report_len, ==, 0);
	free(report);
	g_rand_free(rs.rng);
}

static void test_random_private(gconstpointer data)
{
	for (guint32 seed = 1; seed <= 3; seed++)
		random_run(data, seed, 1500, false);
}

static void test_random_shared(gconstpointer data)
{
	for (guint32 seed = 11; seed <= 13; seed++)
		random_run(data, seed, 1500, true);
}

/* ---- the stale-TLB detector ---- */

static char *close_report(FILE *f, char **buf)
{
	fclose(f);
	return *buf;
}

static void test_stale_tlb_reported(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	char *report = NULL, *want;
	size_t len = 0;
	FILE *rep = open_memstream(&report, &len);
	uint64_t frame, pa;
	unsigned prot;

	g_assert_nonnull(rep);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	env.mm->tlb_shadow = true;
	env.mm->report = rep;
	/*
	 * x
	 * |X rw-|       touched through mm_fill_tlb: the emulator now caches x -> frame
	 */
	fake_map(&env, x, P, RW);
	g_assert_cmpint(mm_fill_tlb(env.mm, x, MM_PROT_WRITE, &pa, &prot, NULL), ==, 0);
	frame = fake_expect_mapped(&env, x, RW);
	g_assert_cmphex(pa, ==, frame);

	/*
	 * munmap with --no-tlb-flush: the frame and the PT, PD and PDPT that the cached walk
	 * went through are freed while the shadow still reaches them: four reports.
	 */
	env.mm->no_tlb_flush = true;
	g_assert_cmpint(do_munmap(env.mm, x, P), ==, 0);
	fflush(rep);
	g_assert_cmpuint(env.mm->stats.tlb_flush_skipped, >, 0);
	g_test_message("report: %s", report);
	g_assert_cmpuint(env.mm->stale_tlb_reports, ==, 4);
	g_assert_nonnull(strstr(report, "stale TLB"));
	want = g_strdup_printf("frame %#" G_GINT64_MODIFIER "x", frame);
	g_assert_nonnull(strstr(report, want));
	g_free(want);
	want = g_strdup_printf("%#" G_GINT64_MODIFIER "x", x);
	g_assert_nonnull(strstr(report, want));
	g_free(want);
	want = g_strdup_printf("munmap(%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER "x)", x, P);
	g_assert_nonnull(strstr(report, want));
	g_free(want);
	g_assert_nonnull(strstr(report, env.arch->level_name[3]));

	/* The page is gone from the tables, but the emulator's cached entry is still there. */
	{
		char msg[256] = "";

		g_assert_cmpint(mm_tlb_shadow_check(env.mm, x + 8, MM_PROT_READ, msg, sizeof(msg)),
				==, 1);
		g_test_message("%s", msg);
		g_assert_nonnull(strstr(msg, "read of"));
		want = g_strdup_printf("%#" G_GINT64_MODIFIER "x", frame);
		g_assert_nonnull(strstr(msg, want));
		g_free(want);
		/* An address never served by the TLB: nothing to say. */
		g_assert_cmpint(mm_tlb_shadow_check(env.mm, x + P, MM_PROT_READ, msg, sizeof(msg)),
				==, 0);
	}
	fake_env_finish(&env);
	free(close_report(rep, &report));
}

static void test_stale_tlb_silent_with_flush(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	char *report = NULL, msg[256];
	size_t len = 0;
	FILE *rep = open_memstream(&report, &len);
	uint64_t pa;
	unsigned prot;

	g_assert_nonnull(rep);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	env.mm->tlb_shadow = true;
	env.mm->report = rep;
	fake_map(&env, x, 2 * P, RW);
	g_assert_cmpint(mm_fill_tlb(env.mm, x, MM_PROT_WRITE, &pa, &prot, NULL), ==, 0);
	g_assert_cmpint(mm_fill_tlb(env.mm, x + P, MM_PROT_READ, &pa, &prot, NULL), ==, 0);
	/* Still mapped: the shadow agrees with the tables. */
	g_assert_cmpint(mm_tlb_shadow_check(env.mm, x, MM_PROT_WRITE, msg, sizeof(msg)), ==, 0);
	g_assert_cmpint(mm_tlb_shadow_check(env.mm, x + P, MM_PROT_READ, msg, sizeof(msg)), ==, 0);
	fake_munmap(&env, x, 2 * P);
	g_assert_cmpuint(env.mm->stale_tlb_reports, ==, 0);
	/* The flush dropped the shadow: no stale entry to hit. */
	g_assert_cmpint(mm_tlb_shadow_check(env.mm, x, MM_PROT_READ, msg, sizeof(msg)), ==, 0);
	g_assert_cmpint(mm_tlb_shadow_check(env.mm, x + P, MM_PROT_READ, msg, sizeof(msg)), ==, 0);
	fake_env_finish(&env);
	fclose(rep);
	g_assert_cmpuint(len, ==, 0);
	free(report);
}

/* mprotect(PROT_READ) without the flush: a write through the cached entry is stale. */
static void test_stale_tlb_mprotect(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	char msg[256];

	for (int flush = 0; flush <= 1; flush++) {
		struct fake_env env;
		uint64_t pa;
		unsigned prot;
		int ret;

		fake_env_init(&env, data, FAKE_PHYS_SIZE);
		env.mm->tlb_shadow = true;
		fake_map(&env, x, P, RW);
		g_assert_cmpint(mm_fill_tlb(env.mm, x, MM_PROT_WRITE, &pa, &prot, NULL), ==, 0);
		g_assert_cmphex(prot & MM_PROT_WRITE, ==, MM_PROT_WRITE);
		env.mm->no_tlb_flush = !flush;
		g_assert_cmpint(do_mprotect(env.mm, x, P, RO), ==, 0);
		fake_expect_mapped(&env, x, RO);
		ret = mm_tlb_shadow_check(env.mm, x, MM_PROT_WRITE, msg, sizeof(msg));
		if (flush) {
			g_assert_cmpint(ret, ==, 0);
		} else {
			g_assert_cmpint(ret, ==, 1);
			g_test_message("%s", msg);
			g_assert_nonnull(strstr(msg, "write of"));
		}
		/* A read is still what the tables allow, flush or not. */
		ret = mm_tlb_shadow_check(env.mm, x, MM_PROT_READ, msg, sizeof(msg));
		g_assert_cmpint(ret, ==, 0);
		/* Nothing was freed: nothing to report. */
		g_assert_cmpuint(env.mm->stale_tlb_reports, ==, 0);
		fake_env_finish(&env);
	}
}

/* ---- fault injection ---- */

struct script_state {
	uint64_t a, b, c;	/* where the three moves put their pages */
	unsigned failures;
};

static void step(struct fake_env *env)
{
	expect_valid(env);
	fake_check(env);
}

/* Touch @va; a failure must be a clean -ENOMEM with fault.oom, and a retry must work. */
static void try_touch(struct fake_env *env, struct script_state *st, uint64_t va,
		      mm_access_t access)
{
	struct mm_fault fault;
	int ret = fake_touch(env, va, access, &fault);

	if (ret) {
		g_assert_cmpint(ret, ==, -ENOMEM);
		g_assert_true(fault.oom);
		g_assert_cmphex(fault.addr, ==, va);
		fake_expect_unmapped(env, va);
		step(env);
		st->failures++;
		g_assert_cmpint(fake_touch(env, va, access, &fault), ==, 0);
	}
}

static void try_write(struct fake_env *env, struct script_state *st, uint64_t va, uint64_t tag)
{
	try_touch(env, st, va, MM_PROT_WRITE);
	fake_write64(env, va, tag);
}

/*
 * mremap; a failure must be a clean -ENOMEM that leaves the old range mapped with its
 * pages (@tags of @n pages, 0 for an untouched page), and a retry must work.
 */
static uint64_t try_mremap(struct fake_env *env, struct script_state *st, uint64_t addr,
			   uint64_t old_len, uint64_t new_len, unsigned flags, uint64_t new_addr,
			   const uint64_t *tags, unsigned n)
{
	int64_t ret = do_mremap(env->mm, addr, old_len, new_len, flags, new_addr);

	if (ret == -ENOMEM) {
		step(env);
		st->failures++;
		g_assert_nonnull(vma_lookup(env->mm, addr));
		g_assert_cmphex(vma_lookup(env->mm, addr)->vm_end, >=, addr + old_len);
		for (unsigned i = 0; i < n; i++)
			if (tags[i])
				g_assert_cmphex(peek(env, addr + i * P), ==, tags[i]);
		if (flags & FIXED)
			g_assert_null(vma_lookup(env->mm, new_addr));
		ret = do_mremap(env->mm, addr, old_len, new_len, flags, new_addr);
	}
	g_assert_cmpint(ret, >, 0);
	for (unsigned i = 0; i < n; i++)
		if (tags[i])
			g_assert_cmphex(peek(env, (uint64_t)ret + i * P), ==, tags[i]);
	step(env);
	return (uint64_t)ret;
}

/*
 * The script: private and shared anonymous memory, demand faults, a move far away (new
 * PDPT, PD, PT), a move to grow, a whole-table move, munmap, MADV_DONTNEED, mprotect.
 */
static void run_script(struct fake_env *env, struct script_state *st)
{
	const uint64_t x = 0x10000000, s = 0x10800000, far = SZ_512G + SZ_1G;
	uint64_t tags[8];

	/*
	 * x          x+8P  x+9P        s
	 * |X rw- 8   |Y r--|           |S rw-s 2|
	 */
	fake_map(env, x, 8 * P, RW);
	fake_map(env, x + 8 * P, P, RO);
	g_assert_cmphex(do_mmap(env->mm, s, 2 * P, RW, SHARED_ANON, 0), ==, s);
	step(env);
	for (unsigned i = 0; i < 8; i++) {
		tags[i] = 0x1000 + i;
		try_write(env, st, x + i * P, tags[i]);
	}
	try_write(env, st, s, 0x5000);
	try_touch(env, st, s + P, MM_PROT_READ);
	try_touch(env, st, x + 8 * P, MM_PROT_READ);
	step(env);

	/* X's first half to 512G + 1G: PDPT, PD and PT there. */
	st->a = try_mremap(env, st, x, 4 * P, 4 * P, MAYMOVE | FIXED, far, tags, 4);
	g_assert_cmphex(st->a, ==, far);
	/* The second half grows: Y is in the way, so it moves near mmap_base. */
	st->b = try_mremap(env, st, x + 4 * P, 4 * P, 8 * P, MAYMOVE, 0, tags + 4, 4);
	for (unsigned i = 4; i < 8; i++)
		try_write(env, st, st->b + i * P, 0x2000 + i);

	/* A whole PT at 4G, moved to 6G: a PD at 6G, the PT itself moves. */
	fake_map(env, 4 * SZ_1G, SZ_2M, RW);
	memset(tags, 0, sizeof(tags));
	tags[0] = 0x3000;
	tags[5] = 0x3005;
	try_write(env, st, 4 * SZ_1G, tags[0]);
	try_write(env, st, 4 * SZ_1G + 5 * P, tags[5]);
	try_write(env, st, 4 * SZ_1G + SZ_2M - P, 0x3fff);
	st->c = try_mremap(env, st, 4 * SZ_1G, SZ_2M, SZ_2M, MAYMOVE | FIXED, 6 * SZ_1G, tags, 8);
	g_assert_cmphex(peek(env, st->c + SZ_2M - P), ==, 0x3fff);

	/* munmap, MADV_DONTNEED and a new fault, mprotect and a new fault. */
	fake_munmap(env, st->a + 2 * P, P);
	g_assert_cmpint(do_madvise(env->mm, st->a, 2 * P, MADV_DONTNEED_LINUX), ==, 0);
	step(env);
	try_touch(env, st, st->a, MM_PROT_READ);
	g_assert_cmphex(peek(env, st->a), ==, 0);
	g_assert_cmpint(do_mprotect(env->mm, s, P, RO), ==, 0);
	try_touch(env, st, s, MM_PROT_READ);
	g_assert_cmphex(peek(env, s), ==, 0x5000);
	/* Frames and tables given back, and taken again. */
	fake_munmap(env, st->b, 8 * P);
	fake_map(env, st->b, 2 * P, RW);
	try_write(env, st, st->b + P, 0x4001);
	step(env);
}

struct script_end {
	int map_count;
	uint64_t frames, tables[FAKE_LEVELS];
	uint64_t frame_allocs, table_allocs;
};

static void script_end(struct fake_env *env, struct script_end *e, uint64_t frame0,
		       uint64_t table0)
{
	unsigned long counts[ARCH_MAX_LEVELS];

	e->map_count = env->mm->map_count;
	e->frames = env->mm->stats.frames_in_use;
	fake_count_tables(env, counts);
	for (unsigned l = 0; l < FAKE_LEVELS; l++)
		e->tables[l] = counts[l];
	e->frame_allocs = env->mm->nr_frame_allocs - frame0;
	e->table_allocs = env->mm->nr_table_allocs - table0;
}

/*
 * Fail the Nth frame allocation (@tables false) or table allocation (@tables true) of the
 * script, for every N up to one past the last: each failure is clean, and the script ends
 * in the same state as without injection, with nothing left after exit.
 */
static void inject_every(const struct arch_mmu *arch, bool tables)
{
	struct script_end base, end;
	struct script_state st = { 0 };
	struct fake_env env;
	unsigned surfaced = 0;
	uint64_t total;

	fake_env_init(&env, arch, FAKE_PHYS_SIZE);
	{
		uint64_t f0 = env.mm->nr_frame_allocs, t0 = env.mm->nr_table_allocs;

		run_script(&env, &st);
		script_end(&env, &base, f0, t0);
	}
	g_assert_cmpuint(st.failures, ==, 0);
	fake_env_finish(&env);
	total = tables ? base.table_allocs : base.frame_allocs;
	g_test_message("%s allocations in the script: %" G_GUINT64_FORMAT,
		       tables ? "table" : "frame", total);
	g_assert_cmpuint(total, >, 10);

	for (uint64_t n = 1; n <= total + 1; n++) {
		uint64_t f0, t0;

		memset(&st, 0, sizeof(st));
		fake_env_init(&env, arch, FAKE_PHYS_SIZE);
		f0 = env.mm->nr_frame_allocs;
		t0 = env.mm->nr_table_allocs;
		if (tables)
			env.mm->inject_table_alloc = t0 + n;
		else
			env.mm->inject_frame_alloc = f0 + n;
		run_script(&env, &st);
		script_end(&env, &end, f0, t0);
		/* At most one failure, and none once N is past the script's allocations. */
		g_assert_cmpuint(st.failures, <=, 1);
		if (n > total)
			g_assert_cmpuint(st.failures, ==, 0);
		/* The injected allocation happened: its failure surfaced, or mm/ retried. */
		if (n <= total && !st.failures)
			g_assert_cmpuint(tables ? end.table_allocs : end.frame_allocs, >, total);
		g_assert_cmpint(end.map_count, ==, base.map_count);
		g_assert_cmpuint(end.frames, ==, base.frames);
		for (unsigned l = 0; l < FAKE_LEVELS; l++)
			g_assert_cmpuint(end.tables[l], ==, base.tables[l]);
		g_assert_cmphex(peek(&env, st.c), ==, 0x3000);
		g_assert_cmphex(peek(&env, st.b + P), ==, 0x4001);
		fake_env_finish(&env);
		if (st.failures)
			surfaced++;
		else if (n <= total)
			g_test_message("allocation %" G_GUINT64_FORMAT " failed inside mm/ and was "
				       "retried there", n);
	}
	g_test_message("%u of %" G_GUINT64_FORMAT " failures surfaced as -ENOMEM", surfaced, total);
	/*
	 * Every frame allocation is a demand fault, whose failure the caller sees. A table
	 * allocation may be retried once inside mm/: the PD at the destination of the
	 * whole-table move, asked for by the table move and again by the entry-by-entry
	 * fallback (one-shot injection only; real exhaustion fails both).
	 */
	if (tables)
		g_assert_cmpuint(surfaced, >=, total - 1);
	else
		g_assert_cmpuint(surfaced, ==, total);
}

static void test_inject_frames(gconstpointer data)
{
	inject_every(data, false);
}

static void test_inject_tables(gconstpointer data)
{
	inject_every(data, true);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	fake_add_test("/mm/validate/empty-and-healthy", test_empty_and_healthy);
	fake_add_test("/mm/validate/stray-leaf-outside-vmas", test_stray_leaf);
	fake_add_test("/mm/validate/leaf-grants-more-than-vma", test_leaf_grants_write);
	fake_add_test("/mm/validate/leaf-neither-none-nor-present", test_leaf_garbage);
	fake_add_test("/mm/validate/vma-count-alignment-overlap", test_vma_rules);
	fake_add_test("/mm/validate/table-unreachable", test_table_unreachable);
	fake_add_test("/mm/validate/table-reachable-twice", test_table_twice);
	fake_add_test("/mm/validate/table-outside-memory", test_table_outside_memory);
	fake_add_test("/mm/validate/table-without-vma", test_table_without_vma);
	fake_add_test("/mm/validate/table-left-behind", test_table_left_behind);
	fake_add_test("/mm/validate/stats-off", test_stats_off);
	fake_add_test("/mm/validate/frame-leak", test_frame_leak);
	fake_add_test("/mm/validate/frame-refcount", test_frame_refcount);
	fake_add_test("/mm/validate/random-private", test_random_private);
	fake_add_test("/mm/validate/random-shared", test_random_shared);
	fake_add_test("/mm/tlbcheck/stale-reported-without-flush", test_stale_tlb_reported);
	fake_add_test("/mm/tlbcheck/silent-with-flush", test_stale_tlb_silent_with_flush);
	fake_add_test("/mm/tlbcheck/mprotect-write-flagged", test_stale_tlb_mprotect);
	fake_add_test("/mm/inject/every-frame-allocation", test_inject_frames);
	fake_add_test("/mm/inject/every-table-allocation", test_inject_tables);
	return g_test_run();
}
