// SPDX-License-Identifier: MIT
/*
 * test_physbound.c - a leaf that points past guest physical memory reaches nothing of the
 * host. The tables are hand-edited as a guest with a stale translation to a page that has
 * become a table (--no-tlb-flush) could edit them, with a leaf of each size: a 4 KiB page,
 * a 2 MiB block and a 1 GiB block. Every consumer must refuse it: the hardware walk, the
 * TLB fill (SIGBUS, BUS_ADRERR), copy_from_user, copy_to_user, strncpy_from_user,
 * mm_validate (--check), and the mm's own walkers (mm_poke, munmap, exit), which clear it.
 *
 * The 2 MiB block starts inside memory and runs past its end: the whole span is checked,
 * not only the byte at the address.
 */
#include <errno.h>
#include <string.h>

#include "fake.h"
#include "arch/arm64/pgtable.h"
#include "arch/x86_64/pgtable.h"

#define RW (MM_PROT_READ | MM_PROT_WRITE)

/*
 * 0x40000000 (1 GiB, PDPT index 1)           VMA [0x40000000, 0xc0000000), RW
 *   +0x000000 touched: its PT exists
 *   +0x001000 4 KiB leaf    -> frame just past the end of guest memory
 *   +0x200000 2 MiB block   -> 64 MiB: memory (65 MiB) ends half-way into it
 * 0x80000000 (PDPT index 2)  1 GiB block -> physical 0: starts inside, ends outside
 */
#define PHYS_SIZE (FAKE_PHYS_SIZE + (UINT64_C(1) << 20))
#define VMA_START UINT64_C(0x40000000)
#define VMA_LEN   UINT64_C(0x80000000)

enum bad_kind { BAD_4K, BAD_2M, BAD_1G };

struct bad_case {
	enum bad_kind kind;
	const char *name;
	uint64_t va;
	unsigned level;
};

static const struct bad_case cases[] = {
	{ BAD_4K, "4k", VMA_START + SZ_4K, 3 },
	{ BAD_2M, "2m", VMA_START + SZ_2M, 2 },
	{ BAD_1G, "1g", VMA_START + SZ_1G, 1 },
};

static uint64_t *raw(struct fake_env *env, uint64_t paddr)
{
	return (uint64_t *)(mm_phys_mem(env->phys)->base + paddr);
}

/* A block (level < 3) or page leaf for @paddr, in the architecture's own format. */
static uint64_t mk_bad_leaf(struct fake_env *env, uint64_t paddr, unsigned level)
{
	uint64_t e = env->arch->mk_leaf(paddr, RW);

	if (level == env->arch->levels - 1)
		return e;
	if (!strcmp(env->arch->name, "x86_64"))
		return e | X86_PTE_PS;
	return (e & ~ARM64_PTE_TYPE_MASK) | ARM64_PTE_TYPE_BLOCK;
}

/* Write the bad leaf of @c into the table the walk of the touched page reads at its level. */
static void plant(struct fake_env *env, const struct bad_case *c)
{
	uint64_t size = mm_phys_mem(env->phys)->size, paddr = 0;
	struct arch_walk w;
	uint64_t *table;

	g_assert_cmpint(mm_walk(env->mm, VMA_START, MM_PROT_READ, &w), ==, ARCH_WALK_OK);
	switch (c->kind) {
	case BAD_4K:
		paddr = size;
		break;
	case BAD_2M:
		paddr = size & ~(SZ_2M - 1);	/* memory ends 1 MiB into this block */
		break;
	case BAD_1G:
		paddr = 0;
		break;
	}
	table = raw(env, w.entry_paddr[c->level] & ~(env->page - 1));
	table[arch_level_index(env->arch, c->level, c->va)] = mk_bad_leaf(env, paddr, c->level);
}

static void expect_refused(struct fake_env *env, const struct bad_case *c)
{
	struct mm_struct *mm = env->mm;
	struct mm_fault fault = { 0 };
	uint64_t paddr = 0, buf[4] = { 0 };
	char str[64], msg[256] = "";
	struct arch_walk w;
	unsigned prot = 0;

	/* The hardware walk: BAD_TABLE at the leaf's level, the leaf recorded. */
	g_assert_cmpint(mm_walk(mm, c->va, MM_PROT_READ, &w), ==, ARCH_WALK_BAD_TABLE);
	g_assert_cmpint(w.fault_level, ==, (int)c->level);
	g_assert_cmpuint(w.nr_levels, ==, c->level + 1);
	/* The last page of a block, whose bytes lie past memory, and its first page alike. */
	g_assert_cmpint(mm_walk(mm, c->va + arch_level_size(env->arch, c->level) - 8,
				MM_PROT_WRITE, &w), ==, ARCH_WALK_BAD_TABLE);

	/* The fill: a fault for the guest, SIGBUS BUS_ADRERR, no translation handed out. */
	for (mm_access_t access = MM_PROT_READ; access <= MM_PROT_EXEC; access <<= 1) {
		g_assert_cmpint(mm_fill_tlb(mm, c->va, access, &paddr, &prot, &fault), ==, -EFAULT);
		g_assert_cmpint(fault.signo, ==, SIGBUS_LINUX);
		g_assert_cmpint(fault.si_code, ==, BUS_ADRERR_LINUX);
		g_assert_cmpuint(fault.addr, ==, c->va);
		g_assert_cmpint(fault.walk.result, ==, ARCH_WALK_BAD_TABLE);
	}

	/* User access: EFAULT, nothing copied. */
	g_assert_cmpint(copy_from_user(mm, buf, c->va, sizeof(buf)), ==, -EFAULT);
	g_assert_cmpuint(buf[0], ==, 0);
	g_assert_cmpint(copy_to_user(mm, c->va, "host", 4), ==, -EFAULT);
	g_assert_cmpint(strncpy_from_user(mm, str, c->va, sizeof(str)), ==, -EFAULT);
	/* Straddling from a good page into the bad one refuses the whole copy. */
	if (c->kind == BAD_4K)
		g_assert_cmpint(copy_from_user(mm, buf, c->va - 8, 16), ==, -EFAULT);

	/* --check names the entry. */
	g_assert_cmpint(mm_validate(mm, msg, sizeof(msg)), ==, -EUCLEAN);
	g_test_message("mm_validate: %s", msg);
	g_assert_nonnull(strstr(msg, "outside guest memory"));
	g_assert_nonnull(strstr(msg, env->arch->level_name[c->level]));
}

static void test_leaf_past_memory(gconstpointer data)
{
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct bad_case *c = &cases[i];
		struct fake_env env;
		uint64_t bad_before;

		g_test_message("%s leaf at %#" G_GINT64_MODIFIER "x", c->name, c->va);
		fake_env_init(&env, data, PHYS_SIZE);
		fake_map(&env, VMA_START, VMA_LEN, RW);
		fake_write64(&env, VMA_START, 0x1122334455667788);
		plant(&env, c);
		expect_refused(&env, c);

		/* The mm's own walkers clear it and carry on: a poke lands in a fresh frame. */
		bad_before = env.mm->nr_bad_entries;
		g_assert_cmpint(mm_poke(env.mm, c->va, "guest", 6), ==, 0);
		g_assert_cmpuint(env.mm->nr_bad_entries, >, bad_before);
		g_assert_cmpuint(fake_read64(&env, c->va) & 0xffffffffffff, ==,
				 0x007473657567);	/* "guest\0" little-endian */
		fake_check(&env);

		/* Plant it again, then munmap and exit tear it down without following it. */
		if (c->kind != BAD_4K)
			g_assert_cmpint(do_munmap(env.mm, c->va & ~(SZ_2M - 1), SZ_2M), ==, 0);
		else
			g_assert_cmpint(do_munmap(env.mm, c->va, SZ_4K), ==, 0);
		fake_map(&env, VMA_START, VMA_LEN, RW);
		fake_write64(&env, VMA_START, 1);
		plant(&env, c);
		bad_before = env.mm->nr_bad_entries;
		g_assert_cmpint(do_munmap(env.mm, VMA_START, VMA_LEN), ==, 0);
		g_assert_cmpuint(env.mm->nr_bad_entries, >, bad_before);
		fake_check(&env);
		fake_env_finish(&env);
	}
}

/* Left in place until exit: exit_mmap clears it and frees everything that is real. */
static void test_leaf_past_memory_at_exit(gconstpointer data)
{
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct fake_env env;

		fake_env_init(&env, data, PHYS_SIZE);
		fake_map(&env, VMA_START, VMA_LEN, RW);
		fake_write64(&env, VMA_START, 1);
		plant(&env, &cases[i]);
		exit_mmap(env.mm);
		g_assert_cmpuint(env.mm->nr_bad_entries, ==, 1);
		g_assert_cmpuint(mm_phys_frames_in_use(env.phys), ==, 0);
		g_assert_cmpuint(env.mm->stats.tables_in_use, ==, 0);
		g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 0);
		fake_env_finish(&env);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	fake_add_test("/mm/physbound/leaf-past-memory-refused", test_leaf_past_memory);
	fake_add_test("/mm/physbound/leaf-past-memory-at-exit", test_leaf_past_memory_at_exit);
	return g_test_run();
}
