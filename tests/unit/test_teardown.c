// SPDX-License-Identifier: MIT
/*
 * test_teardown.c - which page-table pages munmap, MAP_FIXED, brk and exit free, and in
 * which order they flush and free.
 *
 * The rule under test (KERNEL-MM.md section 5): a table spanning S, reached with the
 * sub-range [s, e), is freed iff round_down(s, S) >= floor and e <= round_down(ceiling, S)
 * (ceiling 0 = the top), where floor is the end of the VMA before the range and ceiling the
 * start of the VMA after it. The root is never freed but by exit. With 4 KiB pages and four
 * levels, both formats have the same spans: a PT (level 3) covers 2 MiB, a PD (level 2)
 * 1 GiB, a PDPT (level 1) 512 GiB, the root all of it.
 *
 * Counts are written root first: {root, PDPT, PD, PT}.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fake.h"

#define P SZ_4K

static void expect_unmap_record(struct fake_env *env, uint64_t addr, const char *op,
				uint64_t arg_addr, uint64_t arg_len)
{
	const struct mm_unmap_record *r = mm_find_unmap(env->mm, addr);

	g_assert_nonnull(r);
	g_assert_cmpstr(r->op, ==, op);
	g_assert_cmphex(r->arg_addr, ==, arg_addr);
	g_assert_cmphex(r->arg_len, ==, arg_len);
	g_assert_cmphex(r->start, <=, addr);
	g_assert_cmphex(addr, <, r->end);
	g_assert_cmpuint(r->seq, >, 0);
}

/*
 * KERNEL-MM.md section 5, worked example, step by step.
 */
static void test_worked_example(gconstpointer data)
{
	const uint64_t a = 0x400000, b = 0x401000, b_end = 0xc80000, c = 0xd00000;
	const uint64_t d = SZ_1G, d_end = SZ_1G + SZ_2M, e = UINT64_C(0x7ffff0000000);
	struct fake_env env;
	struct fake_snap snap;
	uint64_t pa_a, pa_c, pa_e;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);

	/*
	 * Distinct protections keep A, B and C separate VMAs (equal ones would merge).
	 *
	 *   0x400000 0x401000        0xc80000 0xd00000 0xd01000   1G     1G+2M   0x7ffff0000000
	 *   |A r-x  |B rw- ...........|  gap   |C r--  |   ...    |D rw- |  ...  |E rw- |
	 *
	 * PTs (2 MiB): A and B share 0x400000; B owns 0x600000, 0x800000, 0xa00000; B and C
	 * share 0xc00000; D owns 1G; E owns 0x7ffff0000000 = 5 + 1 + 1 = 7.
	 * PDs (1 GiB): [0,1G) for A, B, C; [1G,2G) for D; one for E = 3.
	 * PDPTs (512 GiB): [0,512G) for A-D; E lies in [127.5T,128T) = 2.
	 */
	fake_map(&env, a, P, MM_PROT_READ | MM_PROT_EXEC);
	fake_map(&env, b, b_end - b, MM_PROT_READ | MM_PROT_WRITE);
	fake_map(&env, c, P, MM_PROT_READ);
	fake_map(&env, d, d_end - d, MM_PROT_READ | MM_PROT_WRITE);
	fake_map(&env, e, P, MM_PROT_READ | MM_PROT_WRITE);
	g_assert_cmpint(env.mm->map_count, ==, 5);
	fake_expect_tables(&env, 1, 0, 0, 0);

	fake_touch_range(&env, a, a + P, MM_PROT_READ);
	fake_touch_range(&env, b, b_end, MM_PROT_WRITE);
	fake_touch_range(&env, c, c + P, MM_PROT_READ);
	fake_touch_range(&env, d, d_end, MM_PROT_WRITE);
	fake_touch_range(&env, e, e + P, MM_PROT_WRITE);
	fake_write64(&env, e, 0xe0e0e0e0);
	fake_write64(&env, d + 8, 0xd0d0d0d0);
	fake_check(&env);
	fake_expect_tables(&env, 1, 2, 3, 7);
	/* Frames: A 1 + B (0xc80000 - 0x401000) / 4K = 0x87f + C 1 + D 512 + E 1 = 2690. */
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2690);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, 2690 + 13);
	pa_a = fake_expect_mapped(&env, a, MM_PROT_READ | MM_PROT_EXEC);
	pa_c = fake_expect_mapped(&env, c, MM_PROT_READ);
	pa_e = fake_expect_mapped(&env, e, MM_PROT_READ | MM_PROT_WRITE);

	/*
	 * munmap B: floor = A.end = 0x401000, ceiling = C.start = 0xd00000.
	 *   a = 0x400000 < floor -> a = 0x600000: PT 0x400000 survives (A).
	 *   c = 0xc00000; end - 1 = 0xc7ffff > 0xbfffff -> end = 0xa80000: PT 0xc00000
	 *   survives (C). PTs 0x600000, 0x800000, 0xa00000 freed.
	 *   PD [0,1G): round_down(0x600000, 1G) = 0 < floor: kept, and the PDPT too.
	 *
	 *   |A|         (B gone)          |C|      |D|      |E|
	 */
	fake_snap_take(&env, &snap, b, b_end);
	g_assert_cmpint(do_munmap(env.mm, b, b_end - b), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 3);
	fake_expect_tables(&env, 1, 2, 3, 4);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2690 - 0x87f);
	g_assert_cmpint(env.mm->map_count, ==, 4);
	g_assert_cmphex(fake_expect_mapped(&env, a, MM_PROT_READ | MM_PROT_EXEC), ==, pa_a);
	g_assert_cmphex(fake_expect_mapped(&env, c, MM_PROT_READ), ==, pa_c);
	fake_expect_unmapped(&env, b);
	fake_expect_unmapped(&env, 0xa00000);
	fake_expect_unmapped(&env, b_end - P);
	fake_expect_fault(&env, 0x800000, MM_PROT_READ, SEGV_MAPERR_LINUX);
	expect_unmap_record(&env, 0x800000, "munmap", b, b_end - b);

	/*
	 * munmap D: floor = C.end = 0xd01000, ceiling = E.start.
	 *   PT 1G freed. PD [1G,2G): 1G >= floor, 0x401fffff <= round_down(E.start, 1G) - 1:
	 *   freed. PDPT [0,512G): 0 < floor: kept.
	 *
	 *   |A|  |C|                        |E|
	 */
	fake_snap_take(&env, &snap, d, d_end);
	g_assert_cmpint(do_munmap(env.mm, d, d_end - d), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 1, 1);
	fake_expect_tables(&env, 1, 2, 2, 3);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 3);
	g_assert_cmphex(fake_expect_mapped(&env, e, MM_PROT_READ | MM_PROT_WRITE), ==, pa_e);
	g_assert_cmphex(fake_read64(&env, e), ==, 0xe0e0e0e0);

	/*
	 * exit (floor 0): A frees its PT and keeps PD [0,1G); C frees its PT and that PD; D is
	 * gone already; E (ceiling 0) frees PT, PD and PDPT; then the PDPT [0,512G) and the
	 * root. Everything: {1, 2, 2, 3} freed, zero left (checked by fake_env_finish).
	 */
	fake_env_finish(&env);
}

/*
 * A VMA whose every table is shared with both neighbours frees no table.
 */
static void test_shared_with_both_neighbours(gconstpointer data)
{
	struct fake_env env;
	struct fake_snap snap;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x400000 one column = 4 KiB
	 * XYZ        X r--, Y rw-, Z r--: one PT, one PD, one PDPT
	 */
	fake_map(&env, 0x400000, P, MM_PROT_READ);
	fake_map(&env, 0x401000, P, MM_PROT_READ | MM_PROT_WRITE);
	fake_map(&env, 0x402000, P, MM_PROT_READ);
	fake_touch_range(&env, 0x400000, 0x401000, MM_PROT_READ);
	fake_touch_range(&env, 0x401000, 0x402000, MM_PROT_WRITE);
	fake_touch_range(&env, 0x402000, 0x403000, MM_PROT_READ);
	fake_expect_tables(&env, 1, 1, 1, 1);

	/*
	 * X.Z        munmap Y: floor 0x401000, ceiling 0x402000. a = 0x400000 < floor gives
	 *            0x600000; c = 0x400000, end - 1 > c - 1 gives end = 0x202000 < a: stop.
	 */
	fake_snap_take(&env, &snap, 0x401000, 0x402000);
	g_assert_cmpint(do_munmap(env.mm, 0x401000, P), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 0);
	fake_expect_tables(&env, 1, 1, 1, 1);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	fake_expect_unmapped(&env, 0x401000);
	fake_expect_mapped(&env, 0x400000, MM_PROT_READ);
	fake_expect_mapped(&env, 0x402000, MM_PROT_READ);

	/*
	 * X..        munmap Z: floor 0x401000, ceiling 0 (no next). a = 0x600000 > end - 1:
	 *            nothing freed, X still uses every table.
	 */
	fake_snap_take(&env, &snap, 0x402000, 0x403000);
	g_assert_cmpint(do_munmap(env.mm, 0x402000, P), ==, 0);
	fake_snap_check(&env, &snap);
	fake_expect_freed(&env, &snap, 0, 0, 0, 0);
	fake_expect_tables(&env, 1, 1, 1, 1);

	/*
	 * ...        munmap X: floor 0, ceiling 0: PT, PD and PDPT freed, root kept.
	 */
	fake_snap_take(&env, &snap, 0x400000, 0x401000);
	g_assert_cmpint(do_munmap(env.mm, 0x400000, P), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 1, 1, 1);
	fake_expect_tables(&env, 1, 0, 0, 0);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, 1);
	fake_env_finish(&env);
}

/*
 * The last VMA in a 2 MiB region takes its PT with it; the PD stays for the neighbour.
 */
static void test_last_vma_in_pt(gconstpointer data)
{
	struct fake_env env;
	struct fake_snap snap;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x400000      0x600000         (one column = 2 MiB)
	 * X             Y                 PTs 0x400000 and 0x600000, one PD, one PDPT
	 */
	fake_map(&env, 0x400000, P, MM_PROT_READ | MM_PROT_WRITE);
	fake_map(&env, 0x600000, P, MM_PROT_READ | MM_PROT_WRITE);
	fake_touch_range(&env, 0x400000, 0x401000, MM_PROT_WRITE);
	fake_touch_range(&env, 0x600000, 0x601000, MM_PROT_WRITE);
	fake_expect_tables(&env, 1, 1, 1, 2);

	/*
	 * X .           munmap Y: floor 0x401000, ceiling 0. a = 0x600000 >= floor: PT freed.
	 *               PD: round_down(0x600000, 1G) = 0 < floor: kept.
	 */
	fake_snap_take(&env, &snap, 0x600000, 0x601000);
	g_assert_cmpint(do_munmap(env.mm, 0x600000, P), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 1);
	fake_expect_tables(&env, 1, 1, 1, 1);

	/*
	 * . .           munmap X: floor 0, ceiling 0: PT, PD, PDPT.
	 */
	fake_snap_take(&env, &snap, 0x400000, 0x401000);
	g_assert_cmpint(do_munmap(env.mm, 0x400000, P), ==, 0);
	fake_snap_check(&env, &snap);
	fake_expect_freed(&env, &snap, 0, 1, 1, 1);
	fake_expect_tables(&env, 1, 0, 0, 0);
	fake_env_finish(&env);
}

/*
 * Floor and ceiling exactly on 2 MiB boundaries: the "- 1" comparisons must free the PT.
 */
static void test_boundaries_exact(gconstpointer data)
{
	struct fake_env env;
	struct fake_snap snap;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 *  0x5ff000 0x600000                0x800000 0x801000
	 *  |Prev   |X rw- (2 MiB, touched)  |Next   |
	 * PTs 0x400000 (Prev), 0x600000 (X), 0x800000 (Next): 3.
	 */
	fake_map(&env, 0x5ff000, P, MM_PROT_READ);
	fake_map(&env, 0x600000, SZ_2M, MM_PROT_READ | MM_PROT_WRITE);
	fake_map(&env, 0x800000, P, MM_PROT_READ);
	fake_touch_range(&env, 0x5ff000, 0x600000, MM_PROT_READ);
	fake_touch_range(&env, 0x600000, 0x800000, MM_PROT_WRITE);
	fake_touch_range(&env, 0x800000, 0x801000, MM_PROT_READ);
	fake_expect_tables(&env, 1, 1, 1, 3);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 514);

	/*
	 * munmap X: floor 0x600000: a = 0x600000 is not below it. ceiling 0x800000: c =
	 * 0x800000, end - 1 = 0x7fffff <= c - 1 = 0x7fffff: end kept. PT 0x600000 freed.
	 */
	fake_snap_take(&env, &snap, 0x600000, 0x800000);
	g_assert_cmpint(do_munmap(env.mm, 0x600000, SZ_2M), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 1);
	fake_expect_tables(&env, 1, 1, 1, 2);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	fake_expect_mapped(&env, 0x5ff000, MM_PROT_READ);
	fake_expect_mapped(&env, 0x800000, MM_PROT_READ);
	fake_env_finish(&env);
}

/*
 * Holes punched into one large VMA: tables of the hole go only when no survivor is in them.
 */
static void test_split_frees_inner_pts(gconstpointer data)
{
	struct fake_env env;
	struct fake_snap snap;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x200000                                    0x1000000   (one column = 1 MiB)
	 * VVVVVVVVVVVVVVVVVVVVVVVVVVVV                 rw-, every page touched
	 * PTs 0x200000, 0x400000, ..., 0xe00000: (0x1000000 - 0x200000) / 2M = 7.
	 */
	fake_map(&env, 0x200000, 0xe00000, MM_PROT_READ | MM_PROT_WRITE);
	fake_touch_range(&env, 0x200000, 0x1000000, MM_PROT_WRITE);
	fake_expect_tables(&env, 1, 1, 1, 7);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 0xe00);

	/*
	 * VVVVVVVV........VVVVVVVVVVVV   munmap [0x601000, 0x9ff000): floor 0x601000,
	 *                                ceiling 0x9ff000. a = 0x600000 < floor: 0x800000.
	 *                                c = 0x800000; end - 1 = 0x9fefff > 0x7fffff:
	 *                                end = 0x7ff000 < a: nothing freed (PT 0x600000 has
	 *                                the page at 0x600000, PT 0x800000 the one at 0x9ff000).
	 */
	fake_snap_take(&env, &snap, 0x601000, 0x9ff000);
	g_assert_cmpint(do_munmap(env.mm, 0x601000, 0x9ff000 - 0x601000), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 0);
	fake_expect_tables(&env, 1, 1, 1, 7);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	fake_expect_mapped(&env, 0x600000, MM_PROT_READ | MM_PROT_WRITE);
	fake_expect_mapped(&env, 0x9ff000, MM_PROT_READ | MM_PROT_WRITE);
	fake_expect_unmapped(&env, 0x601000);
	fake_expect_unmapped(&env, 0x9fe000);

	/*
	 * VVVV....................VVVV   munmap [0x600000, 0xa00000): two pieces die,
	 *                                [0x600000,0x601000) and [0x9ff000,0xa00000); floor
	 *                                0x600000, ceiling 0xa00000. First group (ceiling
	 *                                0x9ff000, the second piece): PT 0x600000 freed.
	 *                                Second group: a = 0x800000, c = 0xa00000: PT
	 *                                0x800000 freed (emptied by the previous munmap).
	 */
	fake_snap_take(&env, &snap, 0x600000, 0xa00000);
	g_assert_cmpint(do_munmap(env.mm, 0x600000, 0x400000), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 2);
	fake_expect_tables(&env, 1, 1, 1, 5);
	g_assert_cmpint(env.mm->map_count, ==, 2);

	/*
	 * ........................VVVV   munmap [0x200000, 0x600000): floor 0, ceiling
	 *                                0xa00000. PTs 0x200000 and 0x400000 freed. PD:
	 *                                round_down(0xa00000, 1G) = 0 from a nonzero ceiling:
	 *                                kept.
	 */
	fake_snap_take(&env, &snap, 0x200000, 0x600000);
	g_assert_cmpint(do_munmap(env.mm, 0x200000, 0x400000), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 2);
	fake_expect_tables(&env, 1, 1, 1, 3);

	/*
	 * ............................   munmap the rest: floor 0, ceiling 0: PTs 0xa00000,
	 *                                0xc00000, 0xe00000, the PD and the PDPT.
	 */
	fake_snap_take(&env, &snap, 0xa00000, 0x1000000);
	g_assert_cmpint(do_munmap(env.mm, 0xa00000, 0x600000), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 1, 1, 3);
	fake_expect_tables(&env, 1, 0, 0, 0);
	g_assert_cmpint(env.mm->map_count, ==, 0);
	fake_env_finish(&env);
}

/*
 * A ceiling that rounds down to 0 at the PMD level stops the free altogether.
 */
static void test_ceiling_in_first_pmd(gconstpointer data)
{
	struct fake_env env;
	struct fake_snap snap;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x10000 0x11000 ... 0x1ff000 0x200000
	 * |X r--  |    gap    |Y rw-  |            one PT [0, 2M), PD, PDPT
	 */
	fake_map(&env, 0x10000, P, MM_PROT_READ);
	fake_map(&env, 0x1ff000, P, MM_PROT_READ | MM_PROT_WRITE);
	fake_touch_range(&env, 0x10000, 0x11000, MM_PROT_READ);
	fake_touch_range(&env, 0x1ff000, 0x200000, MM_PROT_WRITE);
	fake_expect_tables(&env, 1, 1, 1, 1);

	/* munmap X: floor 0, ceiling 0x1ff000: c = round_down(0x1ff000, 2M) = 0: stop. */
	fake_snap_take(&env, &snap, 0x10000, 0x11000);
	g_assert_cmpint(do_munmap(env.mm, 0x10000, P), ==, 0);
	fake_snap_check(&env, &snap);
	fake_expect_freed(&env, &snap, 0, 0, 0, 0);
	fake_expect_tables(&env, 1, 1, 1, 1);

	/* munmap Y: floor 0, ceiling 0: the PT, PD and PDPT. */
	fake_snap_take(&env, &snap, 0x1ff000, 0x200000);
	g_assert_cmpint(do_munmap(env.mm, 0x1ff000, P), ==, 0);
	fake_snap_check(&env, &snap);
	fake_expect_freed(&env, &snap, 0, 1, 1, 1);
	fake_expect_tables(&env, 1, 0, 0, 0);
	fake_env_finish(&env);
}

/*
 * A VMA spanning a 1 GiB boundary, unmapped half by half.
 */
static void test_across_1g(gconstpointer data)
{
	const uint64_t lo = SZ_1G - SZ_2M, mid = SZ_1G, hi = SZ_1G + SZ_2M;
	struct fake_env env;
	struct fake_snap snap;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x400000            1G-2M     1G      1G+2M
	 * |W r--|   ...       |V rw-    |        |       (V touched everywhere)
	 * PTs: 0x400000, 1G-2M, 1G = 3. PDs [0,1G), [1G,2G) = 2. PDPT 1.
	 */
	fake_map(&env, 0x400000, P, MM_PROT_READ);
	fake_map(&env, lo, hi - lo, MM_PROT_READ | MM_PROT_WRITE);
	fake_touch_range(&env, 0x400000, 0x401000, MM_PROT_READ);
	fake_touch_range(&env, lo, hi, MM_PROT_WRITE);
	fake_expect_tables(&env, 1, 1, 2, 3);

	/*
	 * |W|  ...  |V  |...|     munmap [1G, 1G+2M): floor = 1G, ceiling 0. PT 1G freed.
	 *                         PD [1G,2G): 1G >= floor: freed. PDPT: 0 < floor: kept.
	 */
	fake_snap_take(&env, &snap, mid, hi);
	g_assert_cmpint(do_munmap(env.mm, mid, hi - mid), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 1, 1);
	fake_expect_tables(&env, 1, 1, 1, 2);

	/* |W|  ...  |V  |U r--|   map U over [1G, 1G+2M) again and read it all. */
	fake_snap_take(&env, &snap, mid, hi);
	fake_map(&env, mid, hi - mid, MM_PROT_READ);
	fake_touch_range(&env, mid, hi, MM_PROT_READ);
	fake_expect_alloced(&env, &snap, 0, 0, 1, 1);
	fake_expect_tables(&env, 1, 1, 2, 3);
	fake_snap_release(&snap);

	/*
	 * |W|  ...  |...|U   |    munmap [1G-2M, 1G): floor = W.end, ceiling = 1G. a = 1G-2M,
	 *                         c = 1G, end - 1 = 1G-1 <= c - 1: PT 1G-2M freed. PD [0,1G):
	 *                         0 < floor: kept.
	 */
	fake_snap_take(&env, &snap, lo, mid);
	g_assert_cmpint(do_munmap(env.mm, lo, mid - lo), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 1);
	fake_expect_tables(&env, 1, 1, 2, 2);

	/*
	 * ..............     munmap [0x400000, 2G), over W, a hole and U: floor 0, ceiling 0.
	 *                    W's group (ceiling U.start = 1G): PT 0x400000, PD [0,1G) (e - 1 <
	 *                    1G), PDPT kept (1G rounds to 0 at 512G). U's group: PT 1G, PD
	 *                    [1G,2G), PDPT.
	 */
	fake_snap_take(&env, &snap, 0x400000, 2 * SZ_1G);
	g_assert_cmpint(do_munmap(env.mm, 0x400000, 2 * SZ_1G - 0x400000), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 1, 2, 2);
	fake_expect_tables(&env, 1, 0, 0, 0);
	g_assert_cmpint(env.mm->map_count, ==, 0);
	fake_env_finish(&env);
}

/*
 * A VMA spanning a 512 GiB boundary: the PDPT is the level that goes.
 */
static void test_across_512g(gconstpointer data)
{
	const uint64_t v = SZ_512G - P;
	struct fake_env env;
	struct fake_snap snap;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x400000          512G-4K 512G 512G+4K
	 * |L r--|  ...      |V rw-  |    |
	 * PDPTs [0,512G), [512G,1T) = 2; PDs: [0,1G), [511G,512G), [512G,513G) = 3;
	 * PTs 0x400000, 512G-2M, 512G = 3.
	 */
	fake_map(&env, 0x400000, P, MM_PROT_READ);
	fake_map(&env, v, 2 * P, MM_PROT_READ | MM_PROT_WRITE);
	fake_touch_range(&env, 0x400000, 0x401000, MM_PROT_READ);
	fake_touch_range(&env, v, v + 2 * P, MM_PROT_WRITE);
	fake_expect_tables(&env, 1, 2, 3, 3);

	/*
	 * munmap [512G, 512G+4K): floor 512G, ceiling 0: PT, PD and PDPT of 512G freed; the
	 * root is never freed by munmap.
	 */
	fake_snap_take(&env, &snap, SZ_512G, SZ_512G + P);
	g_assert_cmpint(do_munmap(env.mm, SZ_512G, P), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 1, 1, 1);
	fake_expect_tables(&env, 1, 1, 2, 2);

	/*
	 * munmap [512G-4K, 512G): floor = L.end, ceiling 0: PT 512G-2M and PD [511G,512G)
	 * freed; PDPT [0,512G) kept (L).
	 */
	fake_snap_take(&env, &snap, v, SZ_512G);
	g_assert_cmpint(do_munmap(env.mm, v, P), ==, 0);
	fake_snap_check(&env, &snap);
	fake_expect_freed(&env, &snap, 0, 0, 1, 1);
	fake_expect_tables(&env, 1, 1, 1, 1);
	fake_env_finish(&env);
}

/*
 * A PD kept by a neighbour in the same 1 GiB, freed with the neighbour.
 */
static void test_pd_kept_by_neighbour(gconstpointer data)
{
	const uint64_t v = SZ_1G, n = 2 * SZ_1G - P;
	struct fake_env env;
	struct fake_snap snap;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x400000        1G        2G-4K 2G
	 * |L|    ...      |V|  ...  |N|
	 * PTs 0x400000, 1G, 2G-2M = 3; PDs [0,1G), [1G,2G) = 2; PDPT 1.
	 */
	fake_map(&env, 0x400000, P, MM_PROT_READ);
	fake_map(&env, v, P, MM_PROT_READ | MM_PROT_WRITE);
	fake_map(&env, n, P, MM_PROT_READ);
	fake_touch_range(&env, 0x400000, 0x401000, MM_PROT_READ);
	fake_touch_range(&env, v, v + P, MM_PROT_WRITE);
	fake_touch_range(&env, n, n + P, MM_PROT_READ);
	fake_expect_tables(&env, 1, 1, 2, 3);

	/*
	 * munmap V: floor 0x401000, ceiling 2G-4K. c = 2G-2M: PT 1G freed. PD [1G,2G):
	 * c' = round_down(2G-4K, 1G) = 1G, e - 1 = 1G+4K-1 > c' - 1: kept (N).
	 */
	fake_snap_take(&env, &snap, v, v + P);
	g_assert_cmpint(do_munmap(env.mm, v, P), ==, 0);
	fake_snap_check(&env, &snap);
	fake_expect_freed(&env, &snap, 0, 0, 0, 1);
	fake_expect_tables(&env, 1, 1, 2, 2);

	/* munmap N: floor 0x401000, ceiling 0: PT 2G-2M and PD [1G,2G) (1G >= floor). */
	fake_snap_take(&env, &snap, n, n + P);
	g_assert_cmpint(do_munmap(env.mm, n, P), ==, 0);
	fake_snap_check(&env, &snap);
	fake_expect_freed(&env, &snap, 0, 0, 1, 1);
	fake_expect_tables(&env, 1, 1, 1, 1);
	fake_env_finish(&env);
}

/*
 * One munmap over several VMAs and the holes between them.
 */
static void test_several_vmas_with_holes(gconstpointer data)
{
	static const uint64_t at[] = { 0x200000, 0x400000, 0x800000, SZ_1G, 2 * SZ_1G };
	struct fake_env env;
	struct fake_snap snap;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x200000 0x400000 0x800000   1G    2G
	 * |P|      |Q|      |R|        |S|   |T|      one page each, touched
	 * PTs 5 (one each); PDs [0,1G), [1G,2G), [2G,3G) = 3; PDPT 1.
	 */
	for (size_t i = 0; i < G_N_ELEMENTS(at); i++) {
		fake_map(&env, at[i], P, (i & 1) ? MM_PROT_READ : MM_PROT_READ | MM_PROT_WRITE);
		fake_touch_range(&env, at[i], at[i] + P, MM_PROT_READ);
	}
	fake_expect_tables(&env, 1, 1, 3, 5);

	/*
	 * |P|  ......................  |T|   munmap [0x300000, 2G): Q, R, S die.
	 *   floor = P.end = 0x201000, ceiling = T.start = 2G.
	 *   PTs of Q, R, S freed; PD [0,1G) kept (P); PD [1G,2G): 1G >= floor and
	 *   e <= round_down(2G, 1G): freed; PD [2G,3G) not reached.
	 */
	fake_snap_take(&env, &snap, 0x300000, 2 * SZ_1G);
	g_assert_cmpint(do_munmap(env.mm, 0x300000, 2 * SZ_1G - 0x300000), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 1, 3);
	fake_expect_tables(&env, 1, 1, 2, 2);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	fake_expect_mapped(&env, at[0], MM_PROT_READ | MM_PROT_WRITE);
	fake_expect_mapped(&env, at[4], MM_PROT_READ | MM_PROT_WRITE);
	for (size_t i = 1; i < 4; i++) {
		fake_expect_unmapped(&env, at[i]);
		expect_unmap_record(&env, at[i], "munmap", 0x300000, 2 * SZ_1G - 0x300000);
	}
	fake_env_finish(&env);
}

/*
 * The very top of the user address space: ceiling 0 means the top.
 */
static void test_top_of_user_space(gconstpointer data)
{
	struct fake_env env;
	struct fake_snap snap;
	uint64_t top, h;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	top = env.arch->task_size;
	h = top - 4 * P;
	/*
	 * 0x400000                       task_size-16K  task_size
	 * |L r--|  ...                   |H rw-        |
	 * PDPTs 2 (bottom, top); PDs 2; PTs 2.
	 */
	fake_map(&env, 0x400000, P, MM_PROT_READ);
	fake_map(&env, h, 4 * P, MM_PROT_READ | MM_PROT_WRITE);
	fake_touch_range(&env, 0x400000, 0x401000, MM_PROT_READ);
	fake_touch_range(&env, h, top, MM_PROT_WRITE);
	fake_write64(&env, top - 8, 0x1234);
	g_assert_cmphex(fake_read64(&env, top - 8), ==, 0x1234);
	fake_expect_tables(&env, 1, 2, 2, 2);

	/*
	 * munmap H, ending at task_size: floor 0x401000, ceiling 0 (no next): PT, PD and
	 * PDPT at the top all freed.
	 */
	fake_snap_take(&env, &snap, h, top);
	g_assert_cmpint(do_munmap(env.mm, h, top - h), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 1, 1, 1);
	fake_expect_tables(&env, 1, 1, 1, 1);
	fake_expect_fault(&env, top - 1, MM_PROT_READ, SEGV_MAPERR_LINUX);
	fake_env_finish(&env);
}

/*
 * MAP_FIXED over existing mappings goes through the same teardown (KERNEL-MM.md 3.7:
 * floor and ceiling from the neighbours, before the new VMA is inserted).
 */
static void test_map_fixed_teardown(gconstpointer data)
{
	struct fake_env env;
	struct fake_snap snap;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x400000 0x401000                    0x800000
	 * |X r--  |Y rw- ......................|        PTs 0x400000 (X, Y), 0x600000 (Y)
	 */
	fake_map(&env, 0x400000, P, MM_PROT_READ);
	fake_map(&env, 0x401000, 0x800000 - 0x401000, MM_PROT_READ | MM_PROT_WRITE);
	fake_touch_range(&env, 0x400000, 0x401000, MM_PROT_READ);
	fake_touch_range(&env, 0x401000, 0x800000, MM_PROT_WRITE);
	fake_write64(&env, 0x401000, 0x1111);
	fake_write64(&env, 0x402000, 0x2222);
	fake_write64(&env, 0x700000, 0x7777);
	fake_expect_tables(&env, 1, 1, 1, 2);

	/*
	 * |X|N|Y ...          MAP_FIXED rw- over [0x401000, 0x402000): floor 0x401000 (X),
	 *                     ceiling 0x402000 (rest of Y): no table freed. The old page is
	 *                     gone: reads zero. N merges with the rest of Y (same flags).
	 */
	fake_snap_take(&env, &snap, 0x401000, 0x402000);
	fake_map(&env, 0x401000, P, MM_PROT_READ | MM_PROT_WRITE);
	fake_expect_freed(&env, &snap, 0, 0, 0, 0);
	fake_expect_tables(&env, 1, 1, 1, 2);
	fake_snap_release(&snap);
	fake_expect_unmapped(&env, 0x401000);
	expect_unmap_record(&env, 0x401000, "mmap(MAP_FIXED)", 0x401000, P);
	g_assert_cmphex(fake_read64(&env, 0x401000), ==, 0);
	g_assert_cmphex(fake_read64(&env, 0x402000), ==, 0x2222);
	g_assert_cmpint(env.mm->map_count, ==, 2);

	/*
	 * |X|Y ...|M          MAP_FIXED rw- over [0x600000, 0x800000): floor 0x600000 (Y now
	 *                     ends there), ceiling 0: PT 0x600000 freed, PD kept (X).
	 */
	fake_snap_take(&env, &snap, 0x600000, 0x800000);
	fake_map(&env, 0x600000, SZ_2M, MM_PROT_READ | MM_PROT_WRITE);
	fake_expect_freed(&env, &snap, 0, 0, 0, 1);
	fake_expect_tables(&env, 1, 1, 1, 1);
	fake_snap_release(&snap);
	expect_unmap_record(&env, 0x700000, "mmap(MAP_FIXED)", 0x600000, SZ_2M);
	fake_expect_unmapped(&env, 0x700000);
	/* Demand-zero again, in a new PT. */
	fake_snap_take(&env, &snap, 0, 0);
	g_assert_cmphex(fake_read64(&env, 0x700000), ==, 0);
	fake_expect_alloced(&env, &snap, 0, 0, 0, 1);
	fake_snap_release(&snap);
	fake_expect_tables(&env, 1, 1, 1, 2);

	/*
	 * |R r-- ............|   MAP_FIXED r-- over everything [0x400000, 0x800000): floor 0,
	 *                        ceiling 0: both PTs, the PD and the PDPT freed.
	 */
	fake_snap_take(&env, &snap, 0x400000, 0x800000);
	fake_map(&env, 0x400000, 0x400000, MM_PROT_READ);
	fake_expect_freed(&env, &snap, 0, 1, 1, 2);
	fake_expect_tables(&env, 1, 0, 0, 0);
	fake_snap_release(&snap);
	g_assert_cmpint(env.mm->map_count, ==, 1);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 0);
	g_assert_cmphex(fake_read64(&env, 0x402000), ==, 0);
	fake_env_finish(&env);
}

/*
 * brk shrinking frees through the same teardown.
 */
static void test_brk_shrink(gconstpointer data)
{
	const uint64_t heap = 0x10000000;
	struct fake_env env;
	struct fake_snap snap;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x400000       0x10000000       +2M        +4M
	 * |L r--|  ...   |heap rw- ........|..........|      PTs 0x400000, heap, heap+2M
	 */
	fake_map(&env, 0x400000, P, MM_PROT_READ);
	fake_touch_range(&env, 0x400000, 0x401000, MM_PROT_READ);
	mm_set_brk(env.mm, heap);
	g_assert_cmphex(do_brk(env.mm, heap + 2 * SZ_2M), ==, heap + 2 * SZ_2M);
	fake_touch_range(&env, heap, heap + 2 * SZ_2M, MM_PROT_WRITE);
	fake_write64(&env, heap, 0x4848);
	fake_check(&env);
	fake_expect_tables(&env, 1, 1, 1, 3);

	/*
	 * |L|  ...   |h|................|     brk(heap + 4K): [heap+4K, heap+4M) unmapped;
	 *                                     floor heap+4K, ceiling 0: PT heap+2M freed,
	 *                                     PT heap kept (first heap page).
	 */
	fake_snap_take(&env, &snap, heap + P, heap + 2 * SZ_2M);
	g_assert_cmphex(do_brk(env.mm, heap + P), ==, heap + P);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 1);
	fake_expect_tables(&env, 1, 1, 1, 2);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	g_assert_cmphex(fake_read64(&env, heap), ==, 0x4848);
	fake_expect_fault(&env, heap + SZ_2M, MM_PROT_READ, SEGV_MAPERR_LINUX);
	{
		const struct mm_unmap_record *r = mm_find_unmap(env.mm, heap + SZ_2M);

		g_assert_nonnull(r);
		g_assert_cmpstr(r->op, ==, "brk");
		g_assert_cmphex(r->start, ==, heap + P);
		g_assert_cmphex(r->end, ==, heap + 2 * SZ_2M);
	}

	/* |L|  ...              brk(start_brk): the heap VMA goes, with PT heap. */
	fake_snap_take(&env, &snap, heap, heap + P);
	g_assert_cmphex(do_brk(env.mm, heap), ==, heap);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	fake_expect_freed(&env, &snap, 0, 0, 0, 1);
	fake_expect_tables(&env, 1, 1, 1, 1);
	g_assert_null(vma_lookup(env.mm, heap));
	g_assert_cmpint(env.mm->map_count, ==, 1);
	fake_env_finish(&env);
}

/*
 * "Clear, flush, then free", looked at directly.
 */
static void test_flush_before_free(gconstpointer data)
{
	struct fake_env env;
	uint64_t before, after;
	guint nr;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x400000 0x401000 0x402000    0x600000
	 * |K r--  |V rw-   |            |W rw-  |
	 */
	fake_map(&env, 0x400000, P, MM_PROT_READ);
	fake_map(&env, 0x401000, P, MM_PROT_READ | MM_PROT_WRITE);
	fake_map(&env, 0x600000, P, MM_PROT_READ | MM_PROT_WRITE);
	fake_touch_range(&env, 0x400000, 0x401000, MM_PROT_READ);
	fake_touch_range(&env, 0x401000, 0x402000, MM_PROT_WRITE);
	fake_touch_range(&env, 0x600000, 0x601000, MM_PROT_WRITE);
	fake_expect_tables(&env, 1, 1, 1, 2);

	/* munmap V: one data frame, no table. The flush sees the frame still in use. */
	before = fake_phys_in_use(&env);
	nr = env.flushes->len;
	g_assert_cmpint(do_munmap(env.mm, 0x401000, P), ==, 0);
	after = fake_phys_in_use(&env);
	g_assert_cmpuint(after, ==, before - 1);
	g_assert_cmpuint(fake_flushes_since(&env, nr), >=, 1);
	g_assert_cmpuint(fake_flush_at(&env, nr)->phys_in_use, ==, before);
	g_assert_cmpuint(fake_flush_at(&env, env.flushes->len - 1)->phys_in_use, >, after);
	{
		const struct fake_flush *f = fake_flush_at(&env, nr);

		g_assert_true(f->all || (f->start <= 0x401000 && f->end >= 0x402000));
	}

	/*
	 * munmap W: its data frame and its PT (floor 0x401000: PD kept). A walk-cache flush
	 * (freed_tables, or full) comes before both are freed.
	 */
	before = fake_phys_in_use(&env);
	nr = env.flushes->len;
	g_assert_cmpint(do_munmap(env.mm, 0x600000, P), ==, 0);
	after = fake_phys_in_use(&env);
	g_assert_cmpuint(after, ==, before - 2);
	g_assert_cmpuint(fake_flushes_since(&env, nr), >=, 1);
	g_assert_cmpuint(fake_flush_at(&env, nr)->phys_in_use, ==, before);
	{
		bool walk_flushed = false;

		for (guint i = nr; i < env.flushes->len; i++) {
			const struct fake_flush *f = fake_flush_at(&env, i);

			if ((f->all || f->freed_tables) && f->phys_in_use == before)
				walk_flushed = true;
		}
		g_assert_true(walk_flushed);
	}
	fake_check(&env);
	fake_env_finish(&env);
}

/*
 * One layout per base: K [base, +4K) r--, T [base+2M, +8K) rw- touched; munmap T frees
 * its data frames and its PT. Returns the flushes recorded during the munmap.
 */
static guint flush_shape(struct fake_env *env, uint64_t base)
{
	struct fake_snap snap;
	guint nr;

	fake_map(env, base, P, MM_PROT_READ);
	fake_map(env, base + SZ_2M, 2 * P, MM_PROT_READ | MM_PROT_WRITE);
	fake_touch_range(env, base, base + P, MM_PROT_READ);
	fake_touch_range(env, base + SZ_2M, base + SZ_2M + 2 * P, MM_PROT_WRITE);
	nr = env->flushes->len;
	fake_snap_take(env, &snap, base + SZ_2M, base + SZ_2M + 2 * P);
	g_assert_cmpint(do_munmap(env->mm, base + SZ_2M, 2 * P), ==, 0);
	fake_snap_check(env, &snap);
	fake_check(env);
	fake_expect_freed(env, &snap, 0, 0, 0, 1);
	fake_expect_unmapped(env, base + SZ_2M);
	return fake_flushes_since(env, nr);
}

static void test_no_tlb_flush(gconstpointer data)
{
	struct fake_env env;
	uint64_t skipped;
	guint n, nr;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* 4G: |K|  |T..|   with flushing: some flushes, none skipped. */
	skipped = env.mm->stats.tlb_flush_skipped;
	n = flush_shape(&env, 4 * SZ_1G);
	g_assert_cmpuint(n, >=, 1);
	g_assert_cmpuint(env.mm->stats.tlb_flush_skipped, ==, skipped);

	/* 8G: the same shape with --no-tlb-flush: nothing asked, as many skipped. */
	env.mm->no_tlb_flush = true;
	nr = env.flushes->len;
	g_assert_cmpuint(flush_shape(&env, 8 * SZ_1G), ==, 0);
	g_assert_cmpuint(env.flushes->len, ==, nr);
	g_assert_cmpuint(env.mm->stats.tlb_flush_skipped, ==, skipped + n);

	/* exit skips its flushes too */
	skipped = env.mm->stats.tlb_flush_skipped;
	nr = env.flushes->len;
	fake_env_exit(&env);
	g_assert_cmpuint(env.flushes->len, ==, nr);
	g_assert_cmpuint(env.mm->stats.tlb_flush_skipped, >, skipped);
	fake_env_finish(&env);
}

/*
 * After munmap the hole gives SEGV_MAPERR and names the munmap; the VMA's protection gives
 * SEGV_ACCERR.
 */
static void test_fault_codes(gconstpointer data)
{
	struct fake_env env;
	const struct mm_unmap_record *r;
	uint64_t seq1;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x400000         0x404000 0x405000 0x406000
	 * |X rw- (4 pages) |R r--   |N ---   |
	 */
	fake_map(&env, 0x400000, 4 * P, MM_PROT_READ | MM_PROT_WRITE);
	fake_map(&env, 0x404000, P, MM_PROT_READ);
	fake_map(&env, 0x405000, P, MM_PROT_NONE);
	fake_touch_range(&env, 0x400000, 0x404000, MM_PROT_WRITE);
	fake_touch_range(&env, 0x404000, 0x405000, MM_PROT_READ);

	/* Never mapped: MAPERR, and no unmap record. */
	fake_expect_fault(&env, 0x10000000, MM_PROT_READ, SEGV_MAPERR_LINUX);
	g_assert_null(mm_find_unmap(env.mm, 0x10000000));

	/*
	 * |X|..|X|R|N|      munmap(0x401000, 0x1800): the length rounds up to 2 pages.
	 */
	env.mm->caller_seq = 42;
	fake_munmap(&env, 0x401000, 0x1800);
	fake_expect_fault(&env, 0x401800, MM_PROT_READ, SEGV_MAPERR_LINUX);
	fake_expect_fault(&env, 0x402ff8, MM_PROT_WRITE, SEGV_MAPERR_LINUX);
	r = mm_find_unmap(env.mm, 0x402fff);
	g_assert_nonnull(r);
	g_assert_cmpstr(r->op, ==, "munmap");
	g_assert_cmphex(r->arg_addr, ==, 0x401000);
	g_assert_cmphex(r->arg_len, ==, 0x1800);
	g_assert_cmphex(r->start, ==, 0x401000);
	g_assert_cmphex(r->end, ==, 0x403000);
	g_assert_cmpuint(r->caller_seq, ==, 42);
	g_assert_cmpuint(r->seq, >, 0);
	seq1 = r->seq;
	g_assert_null(mm_find_unmap(env.mm, 0x400fff));
	g_assert_null(mm_find_unmap(env.mm, 0x403000));

	/* |X|Y.|X|R|N|     map again, then munmap(0x400000, 0x2000): the latest record wins. */
	fake_map(&env, 0x401000, P, MM_PROT_READ);
	env.mm->caller_seq = 43;
	fake_munmap(&env, 0x400000, 2 * P);
	r = mm_find_unmap(env.mm, 0x401000);
	g_assert_nonnull(r);
	g_assert_cmpstr(r->op, ==, "munmap");
	g_assert_cmphex(r->arg_addr, ==, 0x400000);
	g_assert_cmphex(r->arg_len, ==, 2 * P);
	g_assert_cmpuint(r->caller_seq, ==, 43);
	g_assert_cmpuint(r->seq, >, seq1);
	/* 0x402000 was unmapped by the first munmap only. */
	r = mm_find_unmap(env.mm, 0x402000);
	g_assert_nonnull(r);
	g_assert_cmpuint(r->seq, ==, seq1);

	/* Inside live VMAs: the protection says no. */
	fake_expect_fault(&env, 0x404000, MM_PROT_WRITE, SEGV_ACCERR_LINUX);
	fake_expect_fault(&env, 0x404010, MM_PROT_EXEC, SEGV_ACCERR_LINUX);
	fake_expect_fault(&env, 0x403000, MM_PROT_EXEC, SEGV_ACCERR_LINUX);
	fake_expect_fault(&env, 0x405000, MM_PROT_READ, SEGV_ACCERR_LINUX);
	fake_expect_fault(&env, 0x405008, MM_PROT_WRITE, SEGV_ACCERR_LINUX);
	fake_expect_fault(&env, 0x405000, MM_PROT_EXEC, SEGV_ACCERR_LINUX);
	/* A read of the read-only page still works, and nothing else changed. */
	fake_touch_prot(&env, 0x404000, MM_PROT_READ);
	fake_check(&env);
	fake_env_finish(&env);
}

static void test_exit_empty(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	fake_env_finish(&env);
}

/*
 * exit_mmap after mappings that were never touched: no table but the root to free.
 */
static void test_exit_untouched(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	fake_map(&env, 0x400000, 64 * SZ_1G, MM_PROT_READ | MM_PROT_WRITE);
	fake_map(&env, env.arch->task_size - SZ_1G, SZ_1G, MM_PROT_READ);
	fake_expect_tables(&env, 1, 0, 0, 0);
	fake_env_finish(&env);
}

/* ---- random layouts against a model ---- */

/*
 * The model: which pages are mapped (a sorted set of disjoint intervals), which pages were
 * touched, and which tables exist. By the floor/ceiling rule, a teardown frees exactly the
 * tables reached by the range that no surviving VMA intersects, and every table ever
 * created intersected a VMA, so after each teardown the tables are those that existed and
 * still intersect a mapped page. (See KERNEL-MM.md section 5: "its whole span is in
 * [floor, ceiling)".)
 */
struct model {
	GArray *ivals;            /* struct ival, sorted, disjoint */
	GHashTable *pages;        /* touched pages still mapped */
	GHashTable *tables[FAKE_LEVELS];  /* table bases per level (1..3 used) */
	const struct arch_mmu *arch;
};

struct ival {
	uint64_t start, end;
};

static guint u64_hash(gconstpointer p)
{
	uint64_t v = *(const uint64_t *)p;

	return (guint)(v ^ (v >> 29) ^ (v >> 41));
}

static gboolean u64_equal(gconstpointer a, gconstpointer b)
{
	return *(const uint64_t *)a == *(const uint64_t *)b;
}

static void set_add(GHashTable *set, uint64_t v)
{
	uint64_t *k = g_new(uint64_t, 1);

	*k = v;
	g_hash_table_add(set, k);
}

static void model_init(struct model *m, const struct arch_mmu *arch)
{
	m->arch = arch;
	m->ivals = g_array_new(FALSE, FALSE, sizeof(struct ival));
	m->pages = g_hash_table_new_full(u64_hash, u64_equal, g_free, NULL);
	for (unsigned l = 0; l < FAKE_LEVELS; l++)
		m->tables[l] = g_hash_table_new_full(u64_hash, u64_equal, g_free, NULL);
}

static void model_release(struct model *m)
{
	g_array_free(m->ivals, TRUE);
	g_hash_table_destroy(m->pages);
	for (unsigned l = 0; l < FAKE_LEVELS; l++)
		g_hash_table_destroy(m->tables[l]);
}

static bool model_mapped_any(const struct model *m, uint64_t start, uint64_t end)
{
	for (guint i = 0; i < m->ivals->len; i++) {
		const struct ival *v = &g_array_index(m->ivals, struct ival, i);

		if (v->start < end && start < v->end)
			return true;
	}
	return false;
}

/* Every page of [start, end) is mapped. */
static bool model_covered(const struct model *m, uint64_t start, uint64_t end)
{
	for (guint i = 0; i < m->ivals->len && start < end; i++) {
		const struct ival *v = &g_array_index(m->ivals, struct ival, i);

		if (v->end <= start)
			continue;
		if (v->start > start)
			return false;
		start = v->end;
	}
	return start >= end;
}

static gboolean page_in_range(gpointer key, gpointer value, gpointer data)
{
	const struct ival *r = data;
	uint64_t va = *(uint64_t *)key;

	return va >= r->start && va < r->end;
}

struct prune_ctx {
	const struct model *m;
	uint64_t span;
};

static gboolean table_orphan(gpointer key, gpointer value, gpointer data)
{
	const struct prune_ctx *p = data;
	uint64_t base = *(uint64_t *)key;

	return !model_mapped_any(p->m, base, base + p->span);
}

static void model_unmap(struct model *m, uint64_t start, uint64_t end)
{
	struct ival cut = { start, end };
	GArray *out = g_array_new(FALSE, FALSE, sizeof(struct ival));

	for (guint i = 0; i < m->ivals->len; i++) {
		struct ival v = g_array_index(m->ivals, struct ival, i);

		if (v.end <= start || v.start >= end) {
			g_array_append_val(out, v);
			continue;
		}
		if (v.start < start) {
			struct ival head = { v.start, start };

			g_array_append_val(out, head);
		}
		if (v.end > end) {
			struct ival tail = { end, v.end };

			g_array_append_val(out, tail);
		}
	}
	g_array_free(m->ivals, TRUE);
	m->ivals = out;
	g_hash_table_foreach_remove(m->pages, page_in_range, &cut);
	for (unsigned l = 1; l < FAKE_LEVELS; l++) {
		struct prune_ctx p = { m, arch_table_span(m->arch, l) };

		g_hash_table_foreach_remove(m->tables[l], table_orphan, &p);
	}
}

static gint ival_cmp(gconstpointer a, gconstpointer b)
{
	const struct ival *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void model_map(struct model *m, uint64_t start, uint64_t end)
{
	struct ival v = { start, end };

	model_unmap(m, start, end);
	g_array_append_val(m->ivals, v);
	g_array_sort(m->ivals, ival_cmp);
}

static void model_touch(struct model *m, uint64_t va)
{
	if (!g_hash_table_contains(m->pages, &va))
		set_add(m->pages, va);
	for (unsigned l = 1; l < FAKE_LEVELS; l++) {
		uint64_t base = va & ~(arch_table_span(m->arch, l) - 1);

		if (!g_hash_table_contains(m->tables[l], &base))
			set_add(m->tables[l], base);
	}
}

static void model_compare(struct fake_env *env, const struct model *m)
{
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	guint i = 0;
	uint64_t s = 0, e = 0;

	/* The VMAs cover exactly the model's intervals (merged where adjacent). */
	vma_iter_init(&vmi, env->mm, 0);
	while ((vma = vma_next(&vmi))) {
		if (vma->vm_start == e) {
			e = vma->vm_end;
			continue;
		}
		if (e) {
			const struct ival *v = &g_array_index(m->ivals, struct ival, i);

			g_assert_cmpuint(i, <, m->ivals->len);
			g_assert_cmphex(s, ==, v->start);
			while (i + 1 < m->ivals->len &&
			       g_array_index(m->ivals, struct ival, i + 1).start == v->end)
				v = &g_array_index(m->ivals, struct ival, ++i);
			g_assert_cmphex(e, ==, v->end);
			i++;
		}
		s = vma->vm_start;
		e = vma->vm_end;
	}
	if (e) {
		const struct ival *v = &g_array_index(m->ivals, struct ival, i);

		g_assert_cmpuint(i, <, m->ivals->len);
		g_assert_cmphex(s, ==, v->start);
		while (i + 1 < m->ivals->len &&
		       g_array_index(m->ivals, struct ival, i + 1).start == v->end)
			v = &g_array_index(m->ivals, struct ival, ++i);
		g_assert_cmphex(e, ==, v->end);
		i++;
	}
	g_assert_cmpuint(i, ==, m->ivals->len);

	fake_check(env);
	fake_expect_tables(env, 1, g_hash_table_size(m->tables[1]),
			   g_hash_table_size(m->tables[2]), g_hash_table_size(m->tables[3]));
	g_assert_cmpuint(env->mm->stats.frames_in_use, ==, g_hash_table_size(m->pages));
}

struct zone {
	uint64_t base, len;
};

static uint64_t rand_below(uint64_t n)
{
	uint64_t r = ((uint64_t)g_test_rand_int() << 32) ^ (uint32_t)g_test_rand_int();

	return r % n;
}

/* A page-aligned range inside zone @z, mostly small, sometimes a few MiB. */
static void rand_range(const struct zone *z, uint64_t *start, uint64_t *end)
{
	uint64_t pages = z->len / P, len;

	*start = z->base + rand_below(pages) * P;
	switch (g_test_rand_int_range(0, 4)) {
	case 0:
		len = (1 + rand_below(1024)) * P;
		break;
	case 1:
		len = (1 + rand_below(z->len / P)) * P;
		break;
	default:
		len = (1 + rand_below(16)) * P;
		break;
	}
	*end = MIN(*start + len, z->base + z->len);
}

static void random_layout(struct fake_env *env)
{
	static const unsigned prots[] = {
		MM_PROT_READ, MM_PROT_READ | MM_PROT_WRITE, MM_PROT_READ | MM_PROT_EXEC,
	};
	const uint64_t top = env->arch->task_size;
	const struct zone zones[] = {
		{ 0x200000, 16 * SZ_2M },               /* PTs sharing one PD */
		{ SZ_1G - 4 * SZ_2M, 8 * SZ_2M },       /* across a PD boundary */
		{ SZ_512G - 4 * SZ_2M, 8 * SZ_2M },     /* across a PDPT boundary */
		{ top - 8 * SZ_2M, 8 * SZ_2M },         /* the top */
		{ 4 * SZ_1G, SZ_1G },                   /* sparse */
	};
	struct model m;

	model_init(&m, env->arch);
	for (int step = 0; step < 40; step++) {
		const struct zone *z = &zones[g_test_rand_int_range(0, G_N_ELEMENTS(zones))];
		unsigned prot = prots[g_test_rand_int_range(0, G_N_ELEMENTS(prots))];
		uint64_t start, end;
		int ret;

		rand_range(z, &start, &end);
		switch (g_test_rand_int_range(0, 8)) {
		case 0:
		case 1:
		case 2:
			fake_map(env, start, end - start, prot);
			model_map(&m, start, end);
			/* and touch some of it */
			/* fall through */
		case 3:
		case 4:
			if (!m.ivals->len)
				break;
			for (int i = g_test_rand_int_range(1, 24); i > 0; i--) {
				const struct ival *v = &g_array_index(m.ivals, struct ival,
					g_test_rand_int_range(0, m.ivals->len));
				uint64_t va = v->start + rand_below((v->end - v->start) / P) * P;

				fake_touch_range(env, va, va + P, MM_PROT_READ);
				model_touch(&m, va);
			}
			break;
		case 5:
		case 6:
			fake_munmap(env, start, end - start);
			model_unmap(&m, start, end);
			break;
		default:
			/* mprotect moves VMA boundaries but never frees a table. */
			ret = do_mprotect(env->mm, start, end - start, prot);
			if (ret != (model_covered(&m, start, end) ? 0 : -ENOMEM))
				g_test_message("mprotect [0x%" G_GINT64_MODIFIER "x, 0x%"
					       G_GINT64_MODIFIER "x) = %d", start, end, ret);
			g_assert_cmpint(ret, ==, (model_covered(&m, start, end) ? 0 : -ENOMEM));
			if (!ret && g_hash_table_contains(m.pages, &start))
				fake_expect_mapped(env, start, prot);
			break;
		}
		model_compare(env, &m);
	}
	model_release(&m);
}

static void test_random_layouts(gconstpointer data)
{
	for (int run = 0; run < 25; run++) {
		struct fake_env env;

		fake_env_init(&env, data, FAKE_PHYS_SIZE);
		random_layout(&env);
		fake_env_finish(&env);
	}
}

/* ---- any number of levels ----------------------------------------------------------- */

/* Tables freed per level since @snap, and found by refwalk now, all levels of the format. */
static void expect_levels(struct fake_env *env, const struct fake_snap *snap,
			  const unsigned long *freed, const unsigned long *found)
{
	const struct arch_mmu *m = env->arch;
	unsigned long counts[ARCH_MAX_LEVELS];

	fake_count_tables(env, counts);
	for (unsigned l = 0; l < m->levels; l++) {
		g_test_message("level %u (%s): freed %" PRIu64 " (want %lu), found %lu (want %lu)", l,
			       m->level_name[l],
			       env->mm->stats.tables_freed[l] - snap->stats.tables_freed[l],
			       freed[l], counts[l], found[l]);
		g_assert_cmpuint(env->mm->stats.tables_freed[l] - snap->stats.tables_freed[l], ==,
				 freed[l]);
		g_assert_cmpuint(counts[l], ==, found[l]);
	}
}

static void unmap_judged(struct fake_env *env, struct fake_snap *snap, uint64_t start)
{
	fake_snap_take(env, snap, start, start + P);
	g_assert_cmpint(do_munmap(env->mm, start, P), ==, 0);
	fake_snap_check(env, snap);
	fake_check(env);
}

/*
 * Floor and ceiling at every table level L (1 .. last) of the format, S the span of one
 * table at L, T0 the start of a table T at L whose table above it also holds the page
 * X = T0 - P before it:
 *
 *   X = T0 - P | Y = T0 ........ Z = T0 + S - P | (next table at L)
 *
 * munmap Y: floor T0 - P + P = T0, ceiling Z: Y's tables below L go, T stays (Z uses it);
 * munmap Z: floor T0 exactly = round_down(Z, S): T and Z's tables below go, the table above
 *           stays (X); then a ceiling exactly at the end of the range: W at T0 + S, V the
 *           last page of T, munmap V: T goes.
 */
static void test_floor_ceiling_every_level(gconstpointer data)
{
	const struct arch_mmu *m = data;
	unsigned last = m->levels - 1;

	for (unsigned L = 1; L <= last; L++) {
		uint64_t S = arch_table_span(m, L);
		uint64_t A = L >= 2 ? arch_table_span(m, L - 1) : 0, T0 = A + S;
		unsigned long freed[ARCH_MAX_LEVELS], found[ARCH_MAX_LEVELS];
		struct fake_env env;
		struct fake_snap snap;

		g_test_message("table level %u (%s), span 0x%" PRIx64 ", T0 0x%" PRIx64, L,
			       m->level_name[L], S, T0);
		fake_env_init(&env, m, FAKE_PHYS_SIZE);
		fake_map(&env, T0 - P, P, MM_PROT_READ | MM_PROT_WRITE);
		fake_map(&env, T0, P, MM_PROT_READ);
		fake_map(&env, T0 + S - P, P, MM_PROT_READ | MM_PROT_WRITE);
		fake_touch(&env, T0 - P, MM_PROT_WRITE, NULL);
		fake_touch(&env, T0, MM_PROT_READ, NULL);
		fake_touch(&env, T0 + S - P, MM_PROT_WRITE, NULL);

		/* munmap Y */
		unmap_judged(&env, &snap, T0);
		for (unsigned l = 0; l <= last; l++) {
			freed[l] = l > L ? 1 : 0;
			found[l] = l < L ? 1 : 2;
		}
		expect_levels(&env, &snap, freed, found);
		fake_snap_release(&snap);

		/* munmap Z */
		unmap_judged(&env, &snap, T0 + S - P);
		for (unsigned l = 0; l <= last; l++) {
			freed[l] = l >= L ? 1 : 0;
			found[l] = 1;
		}
		expect_levels(&env, &snap, freed, found);
		fake_snap_release(&snap);

		/* The ceiling exactly at the range's end: W at T0 + S, V at T0 + S - P. */
		fake_map(&env, T0 + S, P, MM_PROT_READ);
		fake_map(&env, T0 + S - P, P, MM_PROT_READ | MM_PROT_WRITE);
		fake_touch(&env, T0 + S, MM_PROT_READ, NULL);
		fake_touch(&env, T0 + S - P, MM_PROT_WRITE, NULL);
		unmap_judged(&env, &snap, T0 + S - P);
		for (unsigned l = 0; l <= last; l++) {
			freed[l] = l >= L ? 1 : 0;
			found[l] = l < L ? 1 : 2;	/* X's and W's */
		}
		expect_levels(&env, &snap, freed, found);
		fake_snap_release(&snap);
		fake_env_finish(&env);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	fake_add_test("/mm/teardown/worked-example", test_worked_example);
	fake_add_test("/mm/munmap/shared-with-both-neighbours-frees-nothing",
		      test_shared_with_both_neighbours);
	fake_add_test("/mm/munmap/last-vma-in-pt-frees-it", test_last_vma_in_pt);
	fake_add_test("/mm/munmap/floor-and-ceiling-on-pmd-boundaries", test_boundaries_exact);
	fake_add_test("/mm/munmap/holes-in-one-vma-free-inner-pts", test_split_frees_inner_pts);
	fake_add_test("/mm/munmap/ceiling-in-first-pmd-frees-nothing", test_ceiling_in_first_pmd);
	fake_add_test("/mm/munmap/vma-across-1g-boundary", test_across_1g);
	fake_add_test("/mm/munmap/vma-across-512g-boundary", test_across_512g);
	fake_add_test("/mm/munmap/pd-kept-by-neighbour", test_pd_kept_by_neighbour);
	fake_add_test("/mm/munmap/several-vmas-with-holes", test_several_vmas_with_holes);
	fake_add_test("/mm/munmap/top-of-user-space", test_top_of_user_space);
	fake_add_test("/mm/mmap/fixed-replace-tears-down", test_map_fixed_teardown);
	fake_add_test("/mm/brk/shrink-tears-down", test_brk_shrink);
	fake_add_test("/mm/teardown/flush-before-free", test_flush_before_free);
	fake_add_test("/mm/teardown/no-tlb-flush-counts-skips", test_no_tlb_flush);
	fake_add_test("/mm/fault/maperr-accerr-and-unmap-record", test_fault_codes);
	fake_add_test("/mm/exit/empty", test_exit_empty);
	fake_add_test("/mm/exit/untouched-mappings", test_exit_untouched);
	fake_add_test("/mm/exit/random-layouts", test_random_layouts);
	fake_add_test_any_levels("/mm/munmap/floor-ceiling-every-level",
				 test_floor_ceiling_every_level);
	return g_test_run();
}
