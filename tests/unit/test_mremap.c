// SPDX-License-Identifier: MIT
/*
 * test_mremap.c - mremap: shrinking through the munmap teardown, growing in place, moving
 * entries (and whole last-level tables) without copying frames, MREMAP_FIXED,
 * MREMAP_DONTUNMAP, duplicating shared memory with old_len 0, argument errors, and running
 * out of table pages half-way through a move.
 *
 * The errno of every bad call was checked against Linux 6.18 natively (x86_64), with small
 * programs doing the same calls; where Linux changed over time the comment says since when.
 *
 * Counts are written root first: {root, PDPT, PD, PT}. One PT spans 2 MiB, a PD 1 GiB, a
 * PDPT 512 GiB on both formats.
 */
#include <errno.h>
#include <string.h>

#include "fake.h"

#define P SZ_4K
#define RW (MM_PROT_READ | MM_PROT_WRITE)
#define RO MM_PROT_READ
#define MAYMOVE MREMAP_MAYMOVE_LINUX
#define FIXED MREMAP_FIXED_LINUX
#define DONTUNMAP MREMAP_DONTUNMAP_LINUX
#define SHARED_ANON (MAP_SHARED_LINUX | MAP_ANONYMOUS_LINUX | MAP_FIXED_LINUX)

/* ---- helpers ---- */

static void expect_valid(struct fake_env *env)
{
	char msg[256];
	int ret = mm_validate(env->mm, msg, sizeof(msg));

	if (ret)
		g_test_message("mm_validate: %s", msg);
	g_assert_cmpint(ret, ==, 0);
}

/* Write base + i at the start of page i of [addr, addr + n pages). */
static void fill(struct fake_env *env, uint64_t addr, unsigned n, uint64_t base)
{
	for (unsigned i = 0; i < n; i++)
		fake_write64(env, addr + i * P, base + i);
}

static void expect_data(struct fake_env *env, uint64_t addr, unsigned n, uint64_t base)
{
	for (unsigned i = 0; i < n; i++)
		g_assert_cmphex(fake_read64(env, addr + i * P), ==, base + i);
}

static void expect_zero(struct fake_env *env, uint64_t addr, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		g_assert_cmphex(fake_read64(env, addr + i * P), ==, 0);
}

/* The frames behind n pages, through refwalk. */
static void frames_of(struct fake_env *env, uint64_t addr, unsigned n, unsigned prot,
		      uint64_t *out)
{
	for (unsigned i = 0; i < n; i++)
		out[i] = fake_expect_mapped(env, addr + i * P, prot);
}

static void expect_vma(struct fake_env *env, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma = vma_lookup(env->mm, start);

	g_assert_nonnull(vma);
	g_assert_cmphex(vma->vm_start, ==, start);
	g_assert_cmphex(vma->vm_end, ==, end);
}

static void expect_unmap_record(struct fake_env *env, uint64_t addr, const char *op,
				uint64_t start, uint64_t end)
{
	const struct mm_unmap_record *r = mm_find_unmap(env->mm, addr);

	g_assert_nonnull(r);
	g_assert_cmpstr(r->op, ==, op);
	g_assert_cmphex(r->start, ==, start);
	g_assert_cmphex(r->end, ==, end);
}

/*
 * Nothing freed before a flush, for operations whose range is not simply unmapped (so
 * fake_snap_check cannot judge them): if frames went away since @nr flushes and
 * @phys_before frames in use, the first flush since saw them all; if table pages were
 * freed, a walk-cache flush came while they were still allocated.
 */
static void expect_flush_before_free(struct fake_env *env, guint nr, uint64_t phys_before,
				     const struct mm_stats *before)
{
	uint64_t after = fake_phys_in_use(env), tables_freed = 0;
	bool found = false;

	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++)
		tables_freed += env->mm->stats.tables_freed[l] - before->tables_freed[l];
	if (after < phys_before) {
		g_assert_cmpuint(fake_flushes_since(env, nr), >, 0);
		g_assert_cmpuint(fake_flush_at(env, nr)->phys_in_use, >=, phys_before);
	}
	if (!tables_freed)
		return;
	for (guint i = nr; i < env->flushes->len; i++) {
		const struct fake_flush *f = fake_flush_at(env, i);

		if ((f->all || f->freed_tables) && f->phys_in_use >= after + tables_freed)
			found = true;
	}
	g_assert_true(found);
}

/* ---- shrinking and same size ---- */

static void test_shrink(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	struct fake_snap snap;
	uint64_t pa0, pa1;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x        x+2M      x+4M      x+6M      x+8M       (one column = 1 MiB)
	 * |X rw- ..|.........|.........|.........|          four PTs, one PD, one PDPT
	 *  ^        ^^        ^                 ^           pages written: x, x+0x201000,
	 *                                                   x+0x400000, x+0x7ff000
	 */
	fake_map(&env, x, 4 * SZ_2M, RW);
	fake_write64(&env, x, 0xa0);
	fake_write64(&env, x + 0x201000, 0xa1);
	fake_write64(&env, x + 0x400000, 0xa2);
	fake_write64(&env, x + 0x7ff000, 0xa3);
	fake_expect_tables(&env, 1, 1, 1, 4);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 4);
	pa0 = fake_expect_mapped(&env, x, RW);
	pa1 = fake_expect_mapped(&env, x + 0x201000, RW);

	/*
	 * |X ......|XX|                  mremap to 0x202000 bytes: the tail [x+0x202000, x+8M)
	 *                                goes through munmap's teardown with floor x+0x202000
	 *                                and ceiling 0: a = x+2M < floor gives x+4M, so the PTs
	 *                                x+4M and x+6M are freed, x and x+2M stay; the PD is
	 *                                kept (round_down(x+4M, 1G) = 0 < floor).
	 */
	fake_snap_take(&env, &snap, x + 0x202000, x + 4 * SZ_2M);
	g_assert_cmphex(do_mremap(env.mm, x, 4 * SZ_2M, 0x202000, 0, 0), ==, x);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	expect_valid(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 2);
	fake_expect_alloced(&env, &snap, 0, 0, 0, 0);
	fake_expect_tables(&env, 1, 1, 1, 2);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	g_assert_cmpint(env.mm->map_count, ==, 1);
	expect_vma(&env, x, x + 0x202000);
	g_assert_cmphex(fake_expect_mapped(&env, x, RW), ==, pa0);
	g_assert_cmphex(fake_expect_mapped(&env, x + 0x201000, RW), ==, pa1);
	g_assert_cmphex(fake_read64(&env, x), ==, 0xa0);
	g_assert_cmphex(fake_read64(&env, x + 0x201000), ==, 0xa1);
	fake_expect_fault(&env, x + 0x202000, MM_PROT_READ, SEGV_MAPERR_LINUX);
	fake_expect_fault(&env, x + 0x400000, MM_PROT_READ, SEGV_MAPERR_LINUX);
	fake_expect_fault(&env, x + 0x7ff000, MM_PROT_WRITE, SEGV_MAPERR_LINUX);
	expect_unmap_record(&env, x + 0x400000, "mremap", x + 0x202000, x + 4 * SZ_2M);

	/*
	 * |X|                            mremap to one page: [x+P, x+0x202000) goes, floor x+P,
	 *                                ceiling 0: PT x stays (X), PT x+2M is freed.
	 */
	fake_snap_take(&env, &snap, x + P, x + 0x202000);
	g_assert_cmphex(do_mremap(env.mm, x, 0x202000, P, MAYMOVE, 0), ==, x);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	expect_valid(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 1);
	fake_expect_tables(&env, 1, 1, 1, 1);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 1);
	expect_vma(&env, x, x + P);
	g_assert_cmphex(fake_read64(&env, x), ==, 0xa0);
	fake_expect_fault(&env, x + 0x201000, MM_PROT_READ, SEGV_MAPERR_LINUX);
	expect_unmap_record(&env, x + 0x201000, "mremap", x + P, x + 0x202000);
	fake_env_finish(&env);
}

/*
 * A shrink whose tail shares its PT with a neighbour above keeps that PT.
 */
static void test_shrink_keeps_neighbours_table(gconstpointer data)
{
	const uint64_t x = 0x10000000, y = x + SZ_2M + 8 * P;
	struct fake_env env;
	struct fake_snap snap;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x                 x+2M        y = x+2M+8 pages
	 * |X rw- ...........|.......|   |Y r--|          PTs x and x+2M (shared by X and Y)
	 */
	fake_map(&env, x, SZ_2M + 4 * P, RW);
	fake_map(&env, y, P, RO);
	fill(&env, x, 1, 0xb0);
	fill(&env, x + SZ_2M, 4, 0xc0);
	fake_touch_range(&env, y, y + P, MM_PROT_READ);
	fake_expect_tables(&env, 1, 1, 1, 2);

	/*
	 * |X|..              mremap X to one page: tail [x+P, x+2M+4P), floor x+P, ceiling y.
	 *                    a = x < floor gives x+2M; c = round_down(y, 2M) = x+2M and
	 *                    end - 1 > c - 1 gives end = x+4P < a: nothing freed.
	 */
	fake_snap_take(&env, &snap, x + P, x + SZ_2M + 4 * P);
	g_assert_cmphex(do_mremap(env.mm, x, SZ_2M + 4 * P, P, 0, 0), ==, x);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	expect_valid(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 0);
	fake_expect_tables(&env, 1, 1, 1, 2);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	expect_data(&env, x, 1, 0xb0);
	fake_expect_mapped(&env, y, RO);
	fake_env_finish(&env);
}

static void test_same_size(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	struct mm_stats before;
	uint64_t pa[4];
	guint nr;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x         x+4P      x+8P
	 * |X rw- 4  |Y r-- 4  |
	 */
	fake_map(&env, x, 4 * P, RW);
	fake_map(&env, x + 4 * P, 4 * P, RO);
	fill(&env, x, 4, 0x50);
	frames_of(&env, x, 4, RW, pa);
	before = env.mm->stats;
	nr = env.flushes->len;

	/* Same size: the address back, nothing touched, with or without MAYMOVE. */
	g_assert_cmphex(do_mremap(env.mm, x, 4 * P, 4 * P, 0, 0), ==, x);
	g_assert_cmphex(do_mremap(env.mm, x, 4 * P, 4 * P, MAYMOVE, 0), ==, x);
	/* Lengths are rounded up to pages first: 3P+1 and 4P are the same size. */
	g_assert_cmphex(do_mremap(env.mm, x, 3 * P + 1, 4 * P, 0, 0), ==, x);
	/*
	 * Linux looks only at the VMA holding addr before returning for equal sizes, so a
	 * range reaching into Y is still "unchanged" (checked natively).
	 */
	g_assert_cmphex(do_mremap(env.mm, x + 2 * P, 4 * P, 4 * P, 0, 0), ==, x + 2 * P);
	/* An unmapped address: -EFAULT (vma_lookup fails). */
	g_assert_cmpint(do_mremap(env.mm, x + 16 * P, 2 * P, 2 * P, 0, 0), ==, -EFAULT);

	g_assert_cmpuint(fake_flushes_since(&env, nr), ==, 0);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	expect_vma(&env, x, x + 4 * P);
	expect_vma(&env, x + 4 * P, x + 8 * P);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, before.frames_in_use);
	g_assert_cmpuint(env.mm->stats.tables_in_use, ==, before.tables_in_use);
	g_assert_cmpuint(env.mm->stats.ptes_moved, ==, before.ptes_moved);
	for (unsigned i = 0; i < 4; i++)
		g_assert_cmphex(fake_expect_mapped(&env, x + i * P, RW), ==, pa[i]);
	expect_data(&env, x, 4, 0x50);
	fake_check(&env);
	expect_valid(&env);
	fake_env_finish(&env);
}

/*
 * Since Linux 5.16 do_mremap() starts with vma_lookup(addr) and fails with -EFAULT when
 * nothing is mapped there, before it looks at the sizes; a shrink of an unmapped address
 * is no exception (checked natively: mremap(hole, 2 pages, 1 page, 0) = -EFAULT), and it
 * must not unmap a VMA that its tail happens to reach.
 */
static void test_shrink_unmapped_efault(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x-2P  x         x+4P      x+8P
	 * ..    |X rw- 4  |.........
	 */
	fake_map(&env, x, 4 * P, RW);
	fill(&env, x, 4, 0x60);
	g_assert_cmpint(do_mremap(env.mm, x + 8 * P, 2 * P, P, 0, 0), ==, -EFAULT);
	/* [x-2P, x+2P) shrunk to one page would unmap [x-P, x+2P): two pages of X. */
	g_assert_cmpint(do_mremap(env.mm, x - 2 * P, 4 * P, P, 0, 0), ==, -EFAULT);
	g_assert_cmpint(env.mm->map_count, ==, 1);
	expect_vma(&env, x, x + 4 * P);
	expect_data(&env, x, 4, 0x60);
	fake_check(&env);
	fake_env_finish(&env);
}

/* ---- growing ---- */

static void test_grow_in_place(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	uint64_t pa[4];
	guint nr;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x         x+4P                      (nothing above)
	 * |X rw- 4  |
	 */
	fake_map(&env, x, 4 * P, RW);
	fill(&env, x, 4, 0x70);
	frames_of(&env, x, 4, RW, pa);
	nr = env.flushes->len;

	/*
	 * |X rw- 16 .........|     grown in place: same VMA, same frames, nothing flushed
	 */
	g_assert_cmphex(do_mremap(env.mm, x, 4 * P, 16 * P, 0, 0), ==, x);
	g_assert_cmpint(env.mm->map_count, ==, 1);
	expect_vma(&env, x, x + 16 * P);
	g_assert_cmpuint(fake_flushes_since(&env, nr), ==, 0);
	g_assert_cmpuint(env.mm->stats.ptes_moved, ==, 0);
	for (unsigned i = 0; i < 4; i++)
		g_assert_cmphex(fake_expect_mapped(&env, x + i * P, RW), ==, pa[i]);
	expect_data(&env, x, 4, 0x70);
	/* The new part is demand-zero and writable. */
	fake_expect_unmapped(&env, x + 4 * P);
	expect_zero(&env, x + 4 * P, 12);
	fake_write64(&env, x + 15 * P, 0x7f);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 16);
	fake_check(&env);
	expect_valid(&env);

	/*
	 * |X rw- 16 .........|.......|Y rw- 4 (untouched)|
	 * grow X to reach Y: the two become one VMA (same flags, offsets continue), as
	 * vma_merge_extend() does.
	 */
	fake_map(&env, x + 24 * P, 4 * P, RW);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	g_assert_cmphex(do_mremap(env.mm, x, 16 * P, 24 * P, 0, 0), ==, x);
	g_assert_cmpint(env.mm->map_count, ==, 1);
	expect_vma(&env, x, x + 28 * P);
	expect_data(&env, x, 4, 0x70);
	g_assert_cmphex(fake_read64(&env, x + 15 * P), ==, 0x7f);
	fake_check(&env);
	expect_valid(&env);

	/* Growing beyond the end of the address space fails, and nothing moves. */
	g_assert_cmpint(do_mremap(env.mm, x, 28 * P, env.arch->task_size, 0, 0), ==, -ENOMEM);
	expect_vma(&env, x, x + 28 * P);
	fake_env_finish(&env);
}

static void test_grow_blocked_moves(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	struct fake_snap snap;
	uint64_t pa[4], pay, n;
	int64_t ret;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x         x+4P  x+5P
	 * |X rw- 4  |Y r--|            Y right above X: no room to grow
	 */
	fake_map(&env, x, 4 * P, RW);
	fake_map(&env, x + 4 * P, P, RO);
	fill(&env, x, 4, 0x80);
	fake_touch_range(&env, x + 4 * P, x + 5 * P, MM_PROT_READ);
	frames_of(&env, x, 4, RW, pa);
	pay = fake_expect_mapped(&env, x + 4 * P, RO);
	fake_expect_tables(&env, 1, 1, 1, 1);

	/* Without MREMAP_MAYMOVE: -ENOMEM, nothing changed. */
	g_assert_cmpint(do_mremap(env.mm, x, 4 * P, 8 * P, 0, 0), ==, -ENOMEM);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	expect_vma(&env, x, x + 4 * P);
	expect_data(&env, x, 4, 0x80);

	/*
	 * ....      |Y|  ...   |N rw- 8|mmap_base     with MAYMOVE: the highest free gap,
	 *                                             the entries move, the frames stay
	 */
	fake_snap_take(&env, &snap, x, x + 4 * P);
	ret = do_mremap(env.mm, x, 4 * P, 8 * P, MAYMOVE, 0);
	n = env.mm->mmap_base - 8 * P;
	g_assert_cmphex(ret, ==, n);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	expect_valid(&env);
	g_assert_cmpuint(env.mm->stats.ptes_moved - snap.stats.ptes_moved, ==, 4);
	g_assert_cmpuint(env.mm->stats.tables_moved - snap.stats.tables_moved, ==, 0);
	/* New PDPT, PD and PT near the top; X's PT stays for Y. */
	fake_expect_alloced(&env, &snap, 0, 1, 1, 1);
	fake_expect_freed(&env, &snap, 0, 0, 0, 0);
	fake_expect_tables(&env, 1, 2, 2, 2);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 5);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	expect_vma(&env, n, n + 8 * P);
	g_assert_null(vma_lookup(env.mm, x));
	g_assert_null(vma_lookup(env.mm, x + 3 * P));
	/* Not copied: the same frames, now at the new address. */
	for (unsigned i = 0; i < 4; i++)
		g_assert_cmphex(fake_expect_mapped(&env, n + i * P, RW), ==, pa[i]);
	expect_data(&env, n, 4, 0x80);
	expect_zero(&env, n + 4 * P, 4);
	/* The old range is gone, and the report names mremap. */
	for (unsigned i = 0; i < 4; i++) {
		fake_expect_unmapped(&env, x + i * P);
		fake_expect_fault(&env, x + i * P, MM_PROT_READ, SEGV_MAPERR_LINUX);
	}
	expect_unmap_record(&env, x + 2 * P, "mremap", x, x + 4 * P);
	g_assert_cmphex(fake_expect_mapped(&env, x + 4 * P, RO), ==, pay);
	fake_env_finish(&env);
}

/*
 * Moving out of the middle of a VMA leaves the two ends as VMAs of their own; the moved
 * piece keeps its page offset (vm_pgoff + pages from vm_start).
 */
static void test_move_from_middle(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	struct fake_snap snap;
	struct vm_area_struct *vma;
	uint64_t n;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x                 x+8P
	 * |X rw- 01234567|            page i holds 0x90 + i
	 */
	fake_map(&env, x, 8 * P, RW);
	fill(&env, x, 8, 0x90);

	/*
	 * |01|..|4567|   ...   |N 23..|   mremap [x+2P, x+4P) to 4 pages: x+4P is still X, so
	 *                                  it must move.
	 */
	fake_snap_take(&env, &snap, x + 2 * P, x + 4 * P);
	n = (uint64_t)do_mremap(env.mm, x + 2 * P, 2 * P, 4 * P, MAYMOVE, 0);
	g_assert_cmphex(n, ==, env.mm->mmap_base - 4 * P);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	expect_valid(&env);
	g_assert_cmpint(env.mm->map_count, ==, 3);
	expect_vma(&env, x, x + 2 * P);
	expect_vma(&env, x + 4 * P, x + 8 * P);
	expect_vma(&env, n, n + 4 * P);
	vma = vma_lookup(env.mm, n);
	g_assert_cmphex(vma->vm_pgoff, ==, (x >> 12) + 2);
	expect_data(&env, x, 2, 0x90);
	expect_data(&env, x + 4 * P, 4, 0x94);
	expect_data(&env, n, 2, 0x92);
	expect_zero(&env, n + 2 * P, 2);
	fake_expect_fault(&env, x + 2 * P, MM_PROT_READ, SEGV_MAPERR_LINUX);
	fake_expect_fault(&env, x + 3 * P, MM_PROT_WRITE, SEGV_MAPERR_LINUX);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 10);
	fake_env_finish(&env);
}

/* ---- moving a whole last-level table ---- */

/*
 *   1G                1G+2M     1G+4M
 *   |X rw- 2 MiB      |         |K r--|        X fills one PT; K keeps PD [1G,2G) alive
 *   pages 0, 256, 511 of X written
 */
static void setup_table_move(struct fake_env *env, uint64_t pa[3])
{
	const uint64_t x = SZ_1G, k = SZ_1G + 2 * SZ_2M;

	fake_map(env, x, SZ_2M, RW);
	fake_map(env, k, P, RO);
	fake_write64(env, x, 0xd0);
	fake_write64(env, x + 256 * P, 0xd1);
	fake_write64(env, x + 511 * P, 0xd2);
	fake_touch_range(env, k, k + P, MM_PROT_READ);
	fake_expect_tables(env, 1, 1, 1, 2);
	pa[0] = fake_expect_mapped(env, x, RW);
	pa[1] = fake_expect_mapped(env, x + 256 * P, RW);
	pa[2] = fake_expect_mapped(env, x + 511 * P, RW);
}

static void test_move_whole_table(gconstpointer data)
{
	const uint64_t x = SZ_1G, d = 2 * SZ_1G;
	struct fake_env env;
	struct fake_snap snap;
	uint64_t pa[3];

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	setup_table_move(&env, pa);

	/*
	 *   1G       1G+4M         2G
	 *   |  ..  |K|   ...       |D rw- 2 MiB|      both ends 2 MiB-aligned, the range a whole
	 *                                           PT: its PD entry moves, no entry is copied
	 *                                           and no PT is allocated at 2G (only its PD)
	 */
	fake_snap_take(&env, &snap, x, x + SZ_2M);
	g_assert_cmphex(do_mremap(env.mm, x, SZ_2M, SZ_2M, MAYMOVE | FIXED, d), ==, d);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	expect_valid(&env);
	g_assert_cmpuint(env.mm->stats.tables_moved - snap.stats.tables_moved, ==, 1);
	g_assert_cmpuint(env.mm->stats.ptes_moved - snap.stats.ptes_moved, ==, 0);
	fake_expect_alloced(&env, &snap, 0, 0, 1, 0);
	fake_expect_freed(&env, &snap, 0, 0, 0, 0);
	fake_expect_tables(&env, 1, 1, 2, 2);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 4);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	expect_vma(&env, d, d + SZ_2M);
	g_assert_cmphex(fake_expect_mapped(&env, d, RW), ==, pa[0]);
	g_assert_cmphex(fake_expect_mapped(&env, d + 256 * P, RW), ==, pa[1]);
	g_assert_cmphex(fake_expect_mapped(&env, d + 511 * P, RW), ==, pa[2]);
	g_assert_cmphex(fake_read64(&env, d), ==, 0xd0);
	g_assert_cmphex(fake_read64(&env, d + 256 * P), ==, 0xd1);
	g_assert_cmphex(fake_read64(&env, d + 511 * P), ==, 0xd2);
	fake_expect_unmapped(&env, d + P);
	fake_expect_fault(&env, x, MM_PROT_READ, SEGV_MAPERR_LINUX);
	fake_expect_fault(&env, x + 511 * P, MM_PROT_READ, SEGV_MAPERR_LINUX);
	expect_unmap_record(&env, x + 256 * P, "mremap", x, x + SZ_2M);

	/* Back again: the same table moves back, PD [2G,3G) is freed by the old range's munmap. */
	fake_snap_take(&env, &snap, d, d + SZ_2M);
	g_assert_cmphex(do_mremap(env.mm, d, SZ_2M, SZ_2M, MAYMOVE | FIXED, x), ==, x);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	g_assert_cmpuint(env.mm->stats.tables_moved - snap.stats.tables_moved, ==, 1);
	fake_expect_alloced(&env, &snap, 0, 0, 0, 0);
	fake_expect_freed(&env, &snap, 0, 0, 1, 0);
	fake_expect_tables(&env, 1, 1, 1, 2);
	g_assert_cmphex(fake_expect_mapped(&env, x + 511 * P, RW), ==, pa[2]);
	fake_env_finish(&env);
}

/*
 * The move of a whole table clears the entry that pointed at it: a walk of the old address
 * cached from that entry would still reach the table, now live for the new range. Linux's
 * move_normal_pmd() flushes with flush_tlb_range(vma, old, old + PMD_SIZE), which on arm64
 * is a non-last-level invalidation (TLBI VAE1IS, walk caches included; see Catalin
 * Marinas on the "flush_pmd_tlb_range" proposal: move_normal_pmd() is for table PMDs, whose
 * leaf level is 3), and INVLPG on x86 drops the paging-structure caches for the address.
 * So the flush for the old range must include the walk caches.
 */
static void test_move_table_flushes_walk_cache(gconstpointer data)
{
	const uint64_t x = SZ_1G, d = 2 * SZ_1G;
	struct fake_env env;
	uint64_t pa[3];
	bool walk = false, leaf = false;
	guint nr;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	setup_table_move(&env, pa);
	nr = env.flushes->len;
	g_assert_cmphex(do_mremap(env.mm, x, SZ_2M, SZ_2M, MAYMOVE | FIXED, d), ==, d);
	g_assert_cmpuint(env.mm->stats.tables_moved, ==, 1);
	/* K keeps the PD: the old range's munmap has nothing to clear; only the move flushed. */
	g_assert_cmpuint(fake_flushes_since(&env, nr), >, 0);
	for (guint i = nr; i < env.flushes->len; i++) {
		const struct fake_flush *f = fake_flush_at(&env, i);
		bool covers = f->all || (f->start <= x && f->end >= x + SZ_2M);

		if (covers && (f->all || f->freed_tables))
			walk = true;
		else if (covers)
			leaf = true;
	}
	if (!walk)
		g_test_message("the old range was flushed %s, without the walk caches",
			       leaf ? "leaf-only" : "not at all");
	g_assert_true(walk);
	fake_env_finish(&env);
}

/* ---- MREMAP_FIXED ---- */

static void test_fixed_replaces(gconstpointer data)
{
	const uint64_t x = 0x10000000, d = 0x20000000;
	struct fake_env env;
	struct fake_snap snap;
	uint64_t pa[2];

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x          ...   d
	 * |X rw- 2|        |D rw- 4|        X holds 0xe0.., D holds 0xf0..
	 */
	fake_map(&env, x, 2 * P, RW);
	fake_map(&env, d, 4 * P, RW);
	fill(&env, x, 2, 0xe0);
	fill(&env, d, 4, 0xf0);
	frames_of(&env, x, 2, RW, pa);
	fake_expect_tables(&env, 1, 1, 1, 2);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 6);

	/*
	 * ...              |X X . .|        mremap(x, 2P, 4P, MAYMOVE | FIXED, d): D is unmapped
	 *                                   first (floor x+2P, ceiling 0: its PT goes), X's
	 *                                   entries move into a new PT, X's old PT is freed.
	 */
	fake_snap_take(&env, &snap, x, x + 2 * P);
	g_assert_cmphex(do_mremap(env.mm, x, 2 * P, 4 * P, MAYMOVE | FIXED, d), ==, d);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	expect_valid(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 2);
	fake_expect_alloced(&env, &snap, 0, 0, 0, 1);
	fake_expect_tables(&env, 1, 1, 1, 1);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	g_assert_cmpint(env.mm->map_count, ==, 1);
	expect_vma(&env, d, d + 4 * P);
	g_assert_cmphex(fake_expect_mapped(&env, d, RW), ==, pa[0]);
	g_assert_cmphex(fake_expect_mapped(&env, d + P, RW), ==, pa[1]);
	expect_data(&env, d, 2, 0xe0);
	/* D's old contents are gone: demand-zero pages. */
	fake_expect_unmapped(&env, d + 2 * P);
	expect_zero(&env, d + 2 * P, 2);
	fake_expect_fault(&env, x, MM_PROT_READ, SEGV_MAPERR_LINUX);
	expect_unmap_record(&env, x + P, "mremap", x, x + 2 * P);
	fake_env_finish(&env);
}

/*
 * Since Linux 5.16 do_mremap() looks the old address up before anything else: moving from
 * an unmapped address fails with -EFAULT and leaves the MREMAP_FIXED target alone (checked
 * natively: the target's contents survive).
 */
static void test_fixed_from_unmapped_keeps_target(gconstpointer data)
{
	const uint64_t x = 0x10000000, d = 0x20000000;
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x (hole)   ...  d
	 * ....            |D rw- 2|
	 */
	fake_map(&env, d, 2 * P, RW);
	fill(&env, d, 2, 0x33);
	g_assert_cmpint(do_mremap(env.mm, x, 2 * P, 2 * P, MAYMOVE | FIXED, d), ==, -EFAULT);
	g_assert_cmpint(env.mm->map_count, ==, 1);
	expect_vma(&env, d, d + 2 * P);
	expect_data(&env, d, 2, 0x33);
	fake_check(&env);
	fake_env_finish(&env);
}

/* ---- errors ---- */

static void test_bad_args(gconstpointer data)
{
	const uint64_t x = 0x10000000, d = 0x20000000;
	struct fake_env env;
	struct mm_stats before;
	guint nr;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x              x+4P  x+8P            d
	 * |X rw- 4       |Y rw- 4 (r--)|       ....
	 */
	fake_map(&env, x, 4 * P, RW);
	fake_map(&env, x + 4 * P, 4 * P, RO);
	fill(&env, x, 4, 0x40);
	before = env.mm->stats;
	nr = env.flushes->len;

	/* -EINVAL: flags */
	g_assert_cmpint(do_mremap(env.mm, x, 4 * P, 4 * P, FIXED, d), ==, -EINVAL);
	g_assert_cmpint(do_mremap(env.mm, x, 4 * P, 4 * P, DONTUNMAP, 0), ==, -EINVAL);
	g_assert_cmpint(do_mremap(env.mm, x, 4 * P, 8 * P, MAYMOVE | DONTUNMAP, 0), ==, -EINVAL);
	g_assert_cmpint(do_mremap(env.mm, x, 4 * P, 2 * P, MAYMOVE | DONTUNMAP, 0), ==, -EINVAL);
	g_assert_cmpint(do_mremap(env.mm, x, 4 * P, 4 * P, 8, 0), ==, -EINVAL);
	g_assert_cmpint(do_mremap(env.mm, x, 4 * P, 4 * P, MAYMOVE | 0x10, 0), ==, -EINVAL);
	/* -EINVAL: addresses and lengths */
	g_assert_cmpint(do_mremap(env.mm, x + 1, 4 * P, 8 * P, MAYMOVE, 0), ==, -EINVAL);
	g_assert_cmpint(do_mremap(env.mm, x + 0x800, 2 * P, P, 0, 0), ==, -EINVAL);
	g_assert_cmpint(do_mremap(env.mm, x, 4 * P, 0, 0, 0), ==, -EINVAL);
	g_assert_cmpint(do_mremap(env.mm, x, 4 * P, 0, MAYMOVE, 0), ==, -EINVAL);
	g_assert_cmpint(do_mremap(env.mm, x, 4 * P, 4 * P, MAYMOVE | FIXED, d + 1), ==, -EINVAL);
	/* -EINVAL: old and new ranges overlap, from either side */
	g_assert_cmpint(do_mremap(env.mm, x, 4 * P, 4 * P, MAYMOVE | FIXED, x + 2 * P), ==,
			-EINVAL);
	g_assert_cmpint(do_mremap(env.mm, x, 4 * P, 4 * P, MAYMOVE | FIXED, x - 2 * P), ==,
			-EINVAL);
	g_assert_cmpint(do_mremap(env.mm, x, 2 * P, 4 * P, MAYMOVE | FIXED, x), ==, -EINVAL);
	/* old_len 0 duplicates shared memory only: -EINVAL for a private mapping */
	g_assert_cmpint(do_mremap(env.mm, x, 0, 4 * P, MAYMOVE, 0), ==, -EINVAL);
	/* -EFAULT: the old range is not inside one VMA */
	g_assert_cmpint(do_mremap(env.mm, x + 2 * P, 4 * P, 8 * P, MAYMOVE, 0), ==, -EFAULT);
	g_assert_cmpint(do_mremap(env.mm, x, 8 * P, 16 * P, MAYMOVE, 0), ==, -EFAULT);
	g_assert_cmpint(do_mremap(env.mm, x + 2 * P, 4 * P, 8 * P, 0, 0), ==, -EFAULT);
	g_assert_cmpint(do_mremap(env.mm, d, P, 2 * P, MAYMOVE, 0), ==, -EFAULT);

	/* Nothing happened. */
	g_assert_cmpuint(fake_flushes_since(&env, nr), ==, 0);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	expect_vma(&env, x, x + 4 * P);
	expect_vma(&env, x + 4 * P, x + 8 * P);
	g_assert_null(vma_lookup(env.mm, d));
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, before.frames_in_use);
	g_assert_cmpuint(env.mm->stats.tables_in_use, ==, before.tables_in_use);
	g_assert_cmpuint(env.mm->stats.ptes_moved, ==, before.ptes_moved);
	expect_data(&env, x, 4, 0x40);
	fake_check(&env);
	expect_valid(&env);
	fake_env_finish(&env);
}

/* ---- MREMAP_DONTUNMAP ---- */

static void test_dontunmap(gconstpointer data)
{
	const uint64_t x = 0x10000000, d = 0x20000000;
	struct fake_env env;
	struct fake_snap snap;
	uint64_t pa[2], n;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x
	 * |X rw- 2|        written 0x21, 0x22
	 */
	fake_map(&env, x, 2 * P, RW);
	fill(&env, x, 2, 0x21);
	frames_of(&env, x, 2, RW, pa);

	/*
	 * |X . .|  ...  |N 21 22|     the entries move to N; X stays, empty: private anonymous
	 *                             memory reads back as zero there
	 */
	fake_snap_take(&env, &snap, x, x + 2 * P);
	n = (uint64_t)do_mremap(env.mm, x, 2 * P, 2 * P, MAYMOVE | DONTUNMAP, 0);
	g_assert_cmphex(n, ==, env.mm->mmap_base - 2 * P);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	expect_valid(&env);
	g_assert_cmpuint(env.mm->stats.ptes_moved - snap.stats.ptes_moved, ==, 2);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	expect_vma(&env, x, x + 2 * P);
	expect_vma(&env, n, n + 2 * P);
	g_assert_cmphex(fake_expect_mapped(&env, n, RW), ==, pa[0]);
	g_assert_cmphex(fake_expect_mapped(&env, n + P, RW), ==, pa[1]);
	expect_data(&env, n, 2, 0x21);
	fake_expect_unmapped(&env, x);
	fake_expect_unmapped(&env, x + P);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	expect_zero(&env, x, 2);
	g_assert_cmphex(fake_expect_mapped(&env, x, RW), !=, pa[0]);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 4);

	/* With MREMAP_FIXED too: N's entries go to d, N stays mapped and empty. */
	fake_snap_take(&env, &snap, n, n + 2 * P);
	g_assert_cmphex(do_mremap(env.mm, n, 2 * P, 2 * P, MAYMOVE | FIXED | DONTUNMAP, d), ==, d);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	g_assert_cmpint(env.mm->map_count, ==, 3);
	g_assert_cmphex(fake_expect_mapped(&env, d + P, RW), ==, pa[1]);
	expect_data(&env, d, 2, 0x21);
	expect_zero(&env, n, 2);
	fake_env_finish(&env);
}

/*
 * With MREMAP_DONTUNMAP and no MREMAP_FIXED, Linux passes new_addr to get_unmapped_area()
 * as a hint (mremap_to(): "ret = get_unmapped_area(vma->vm_file, new_addr, ...)"), so a
 * free hint is where the pages go (checked natively: mremap(p, 4P, 4P, MAYMOVE |
 * DONTUNMAP, 0x200000000) = 0x200000000).
 */
static void test_dontunmap_hint(gconstpointer data)
{
	const uint64_t x = 0x10000000, h = 0x30000000;
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	fake_map(&env, x, 2 * P, RW);
	fill(&env, x, 2, 0x44);
	g_assert_cmphex(do_mremap(env.mm, x, 2 * P, 2 * P, MAYMOVE | DONTUNMAP, h), ==, h);
	expect_data(&env, h, 2, 0x44);
	fake_env_finish(&env);
}

/* ---- old_len 0: a second mapping of shared memory ---- */

static void test_dup_shared(gconstpointer data)
{
	const uint64_t s = 0x30000000;
	struct fake_env env;
	uint64_t pa0, pa1;
	int64_t t;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * s
	 * |S rw-s 2|              MAP_SHARED | MAP_ANONYMOUS, page 0 written
	 */
	g_assert_cmphex(do_mmap(env.mm, s, 2 * P, RW, SHARED_ANON, 0), ==, s);
	fake_write64(&env, s, 0x5a5a);
	pa0 = fake_expect_mapped(&env, s, RW);

	/* Without MREMAP_MAYMOVE there is nowhere to put it: -ENOMEM (as Linux). */
	g_assert_cmpint(do_mremap(env.mm, s, 0, 2 * P, 0, 0), ==, -ENOMEM);
	g_assert_cmpint(env.mm->map_count, ==, 1);

	/*
	 * |S|   ...   |T rw-s 2|mmap_base      mremap(s, 0, 2P, MAYMOVE): the same object again
	 */
	t = do_mremap(env.mm, s, 0, 2 * P, MAYMOVE, 0);
	g_assert_cmphex(t, ==, env.mm->mmap_base - 2 * P);
	expect_valid(&env);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	expect_vma(&env, s, s + 2 * P);
	expect_vma(&env, (uint64_t)t, (uint64_t)t + 2 * P);
	g_assert_true(vma_lookup(env.mm, s)->vm_file == vma_lookup(env.mm, (uint64_t)t)->vm_file);
	g_assert_cmphex(fake_read64(&env, (uint64_t)t), ==, 0x5a5a);
	g_assert_cmphex(fake_expect_mapped(&env, (uint64_t)t, RW), ==, pa0);
	/* A write through T shows through S: one frame. */
	fake_write64(&env, (uint64_t)t + P + 8, 0x7e7e);
	g_assert_cmphex(fake_read64(&env, s + P + 8), ==, 0x7e7e);
	pa1 = fake_expect_mapped(&env, s + P, RW);
	g_assert_cmphex(fake_expect_mapped(&env, (uint64_t)t + P, RW), ==, pa1);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	expect_valid(&env);

	/* S goes; T keeps the data. */
	g_assert_cmpint(do_munmap(env.mm, s, 2 * P), ==, 0);
	expect_valid(&env);
	g_assert_cmphex(fake_read64(&env, (uint64_t)t), ==, 0x5a5a);
	g_assert_cmphex(fake_read64(&env, (uint64_t)t + P + 8), ==, 0x7e7e);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	/* T goes: the object and its pages go. */
	g_assert_cmpint(do_munmap(env.mm, (uint64_t)t, 2 * P), ==, 0);
	expect_valid(&env);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 0);
	fake_check(&env);
	fake_env_finish(&env);
}

/* ---- out of memory half-way ---- */

/*
 * Moving four pages to d = 0x600000000000 - 2P needs a PDPT, a PD and a PT on each side of
 * the 512 GiB boundary: six table pages. Failing each of them in turn must leave the old
 * mapping as it was (entries, frames, data), nothing at d, and no table page allocated.
 */
static void test_move_out_of_tables(gconstpointer data)
{
	const uint64_t x = 0x10000000, d = UINT64_C(0x600000000000) - 2 * P;

	for (unsigned k = 1; k <= 7; k++) {
		struct fake_env env;
		struct mm_stats before;
		uint64_t pa[4], phys;
		int64_t ret;
		guint nr;

		fake_env_init(&env, data, FAKE_PHYS_SIZE);
		/*
		 * x                ...    d-ish: 0x5ff...ffe000 | 0x600000000000
		 * |X rw- 4|                         ..  |  ..
		 */
		fake_map(&env, x, 4 * P, RW);
		fill(&env, x, 4, 0x100);
		frames_of(&env, x, 4, RW, pa);
		fake_expect_tables(&env, 1, 1, 1, 1);
		before = env.mm->stats;
		phys = fake_phys_in_use(&env);
		nr = env.flushes->len;

		env.mm->inject_table_alloc = env.mm->nr_table_allocs + k;
		ret = do_mremap(env.mm, x, 4 * P, 4 * P, MAYMOVE | FIXED, d);
		g_test_message("table allocation %u failing: mremap = %" G_GINT64_FORMAT, k, ret);
		if (k == 7) {
			/* All six allocations done: the move succeeds. */
			g_assert_cmphex(ret, ==, d);
			struct fake_snap snap = { .stats = before };

			fake_expect_alloced(&env, &snap, 0, 2, 2, 2);
			for (unsigned i = 0; i < 4; i++)
				g_assert_cmphex(fake_expect_mapped(&env, d + i * P, RW), ==, pa[i]);
			expect_data(&env, d, 4, 0x100);
			fake_check(&env);
			expect_valid(&env);
			fake_env_finish(&env);
			continue;
		}
		g_assert_cmpint(ret, ==, -ENOMEM);
		fake_check(&env);
		expect_valid(&env);
		expect_flush_before_free(&env, nr, phys, &before);
		g_assert_cmpint(env.mm->map_count, ==, 1);
		expect_vma(&env, x, x + 4 * P);
		g_assert_null(vma_lookup(env.mm, d));
		g_assert_null(vma_lookup(env.mm, d + 3 * P));
		fake_expect_unmapped(&env, d);
		fake_expect_unmapped(&env, d + 3 * P);
		fake_expect_tables(&env, 1, 1, 1, 1);
		g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 4);
		g_assert_cmpuint(fake_phys_in_use(&env), ==, phys);
		for (unsigned i = 0; i < 4; i++)
			g_assert_cmphex(fake_expect_mapped(&env, x + i * P, RW), ==, pa[i]);
		expect_data(&env, x, 4, 0x100);
		fake_env_finish(&env);
	}
}

/* A few moves, a table move and a shrink, then exit: nothing may be left. */
static void test_exit_after_moves(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	int64_t a, b;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	fake_map(&env, x, SZ_2M, RW);
	fake_touch_range(&env, x, x + SZ_2M, MM_PROT_WRITE);
	/* a whole table to 4G, then half of it elsewhere, then shrink what is left */
	a = do_mremap(env.mm, x, SZ_2M, SZ_2M, MAYMOVE | FIXED, 4 * SZ_1G);
	g_assert_cmphex(a, ==, 4 * SZ_1G);
	b = do_mremap(env.mm, (uint64_t)a + SZ_2M / 2, SZ_2M / 2, SZ_2M, MAYMOVE, 0);
	g_assert_cmpint(b, >, 0);
	g_assert_cmphex(do_mremap(env.mm, (uint64_t)a, SZ_2M / 2, 3 * P, 0, 0), ==, a);
	g_assert_cmpuint(env.mm->stats.tables_moved, ==, 1);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 3 + 256);
	fake_check(&env);
	expect_valid(&env);
	fake_env_finish(&env);
}

/*
 * A move costs what is mapped, not the length: 32 TiB with one page touched at each end
 * move in a handful of entry reads (the empty upper levels are skipped whole), where a
 * page-by-page walk would look at 2^33 pages.
 *
 * 16 TiB                            48 TiB          80 TiB                        112 TiB
 * A..............................A                 (moved here)
 */
#define SZ_TB (UINT64_C(1) << 40)

static void test_move_huge_untouched(gconstpointer data)
{
	const uint64_t old = 16 * SZ_TB, new = 80 * SZ_TB, len = 32 * SZ_TB;
	struct fake_env env;
	uint64_t before;
	int64_t ret;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	fake_map(&env, old, len, RW);
	fake_write64(&env, old, 0x1111);
	fake_write64(&env, old + len - 8, 0x2222);
	before = env.mm->stats.range_entries_read;
	ret = do_mremap(env.mm, old, len, len, MAYMOVE | FIXED, new);
	g_assert_cmpint(ret, ==, (int64_t)new);
	g_test_message("range_entries_read %" G_GUINT64_FORMAT ", ptes_moved %" G_GUINT64_FORMAT,
		       env.mm->stats.range_entries_read - before, env.mm->stats.ptes_moved);
	/*
	 * The entries of the tables that exist (root, and a PDPT, PD and PT at each end: 7
	 * tables of 512), each read with the few above it: well under 4 * 512 * 7. Both ends
	 * sit in last-level tables that move whole, or their two entries move one by one.
	 */
	g_assert_cmpuint(env.mm->stats.range_entries_read - before, <, 4 * 512 * 7);
	g_assert_cmpuint(env.mm->stats.ptes_moved + env.mm->stats.tables_moved, ==, 2);
	g_assert_cmpuint(fake_read64(&env, new), ==, 0x1111);
	g_assert_cmpuint(fake_read64(&env, new + len - 8), ==, 0x2222);
	fake_expect_unmapped(&env, old);
	fake_check(&env);
	fake_env_finish(&env);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	fake_add_test("/mm/mremap/shrink-frees-tail-tables", test_shrink);
	fake_add_test("/mm/mremap/shrink-keeps-neighbours-table",
		      test_shrink_keeps_neighbours_table);
	fake_add_test("/mm/mremap/same-size-is-a-no-op", test_same_size);
	fake_add_test("/mm/mremap/shrink-unmapped-efault", test_shrink_unmapped_efault);
	fake_add_test("/mm/mremap/grow-in-place", test_grow_in_place);
	fake_add_test("/mm/mremap/grow-blocked-moves-entries", test_grow_blocked_moves);
	fake_add_test("/mm/mremap/move-from-middle", test_move_from_middle);
	fake_add_test("/mm/mremap/move-whole-table", test_move_whole_table);
	fake_add_test("/mm/mremap/move-table-flushes-walk-cache",
		      test_move_table_flushes_walk_cache);
	fake_add_test("/mm/mremap/fixed-replaces-target", test_fixed_replaces);
	fake_add_test("/mm/mremap/fixed-from-unmapped-keeps-target",
		      test_fixed_from_unmapped_keeps_target);
	fake_add_test("/mm/mremap/bad-arguments", test_bad_args);
	fake_add_test("/mm/mremap/dontunmap-keeps-old-vma", test_dontunmap);
	fake_add_test("/mm/mremap/dontunmap-honours-hint", test_dontunmap_hint);
	fake_add_test("/mm/mremap/old-len-0-duplicates-shared", test_dup_shared);
	fake_add_test("/mm/mremap/out-of-tables-keeps-old", test_move_out_of_tables);
	fake_add_test("/mm/mremap/exit-after-moves", test_exit_after_moves);
	fake_add_test("/mm/mremap/move-huge-untouched-costs-what-is-mapped",
		      test_move_huge_untouched);
	return g_test_run();
}
