// SPDX-License-Identifier: MIT
/*
 * test_vma.c - the VMA tree through the public API: lookups, iteration, merging, splits by
 * munmap, mprotect and mm_name_range, and the maps format.
 *
 * Drawings: one column = 4 KiB page, numbered from BASE (PG(n) is page n).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

#define P SZ_4K
#define BASE UINT64_C(0x10000000)
#define PG(n) (BASE + (uint64_t)(n) * P)

#define RW (MM_PROT_READ | MM_PROT_WRITE)
#define RO MM_PROT_READ

struct range {
	uint64_t start, end;
	unsigned prot;
};

static void expect_vmas(struct fake_env *env, const struct range *want, size_t n)
{
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	size_t i = 0;

	vma_iter_init(&vmi, env->mm, 0);
	while ((vma = vma_next(&vmi))) {
		if (i >= n || vma->vm_start != want[i].start || vma->vm_end != want[i].end ||
		    (vma->vm_flags & VM_ACCESS_FLAGS) != want[i].prot)
			g_test_message("VMA %zu: got [0x%" G_GINT64_MODIFIER "x, 0x%"
				       G_GINT64_MODIFIER "x) prot %u", i, vma->vm_start,
				       vma->vm_end, (unsigned)(vma->vm_flags & VM_ACCESS_FLAGS));
		g_assert_cmpuint(i, <, n);
		g_assert_cmphex(vma->vm_start, ==, want[i].start);
		g_assert_cmphex(vma->vm_end, ==, want[i].end);
		g_assert_cmphex(vma->vm_flags & VM_ACCESS_FLAGS, ==, want[i].prot);
		/* Anonymous: vm_pgoff follows vm_start, through every split and merge. */
		if (!vma->vm_name)
			g_assert_cmphex(vma->vm_pgoff, ==, vma->vm_start >> env->arch->page_shift);
		i++;
	}
	g_assert_cmpuint(i, ==, n);
	g_assert_cmpint(env->mm->map_count, ==, (int)n);
	fake_check(env);
}

#define EXPECT_VMAS(env, ...)                                                          \
	expect_vmas(env, (const struct range[]){ __VA_ARGS__ },                        \
		    sizeof((const struct range[]){ __VA_ARGS__ }) / sizeof(struct range))

/* Write page n's number into each page of [first, last), touching them all. */
static void fill_pages(struct fake_env *env, unsigned first, unsigned last)
{
	for (unsigned n = first; n < last; n++)
		fake_write64(env, PG(n) + 8, 0xda7a0000u + n);
}

static void expect_pages(struct fake_env *env, unsigned first, unsigned last)
{
	for (unsigned n = first; n < last; n++)
		g_assert_cmphex(fake_read64(env, PG(n) + 8), ==, 0xda7a0000u + n);
}

static void expect_gone(struct fake_env *env, unsigned first, unsigned last)
{
	for (unsigned n = first; n < last; n++) {
		fake_expect_unmapped(env, PG(n));
		g_assert_null(vma_lookup(env->mm, PG(n)));
		fake_expect_fault(env, PG(n) + 8, MM_PROT_READ, SEGV_MAPERR_LINUX);
	}
}

/* ---- lookups ---- */

static void map3(struct fake_env *env)
{
	/*
	 *           10 12      20   25     30 31
	 * ..........AA........BBBBB.....C          A rw-, B r--, C rw-
	 */
	fake_map(env, PG(10), 2 * P, RW);
	fake_map(env, PG(20), 5 * P, RO);
	fake_map(env, PG(30), P, RW);
}

static void test_find_vma(gconstpointer data)
{
	struct fake_env env;
	struct vm_area_struct *a, *b, *c;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map3(&env);
	a = vma_lookup(env.mm, PG(10));
	b = vma_lookup(env.mm, PG(20));
	c = vma_lookup(env.mm, PG(30));
	g_assert_nonnull(a);
	g_assert_nonnull(b);
	g_assert_nonnull(c);
	g_assert_true(a != b && b != c);
	g_assert_cmphex(a->vm_start, ==, PG(10));
	g_assert_cmphex(a->vm_end, ==, PG(12));
	g_assert_cmphex(a->vm_flags & VM_ACCESS_FLAGS, ==, VM_READ | VM_WRITE);
	g_assert_cmphex(b->vm_flags & VM_ACCESS_FLAGS, ==, VM_READ);
	g_assert_cmphex(a->vm_pgoff, ==, PG(10) >> 12);
	g_assert_null(a->vm_name);
	g_assert_false(a->vm_flags & VM_SHARED);

	/* find_vma: the first VMA ending above addr. */
	g_assert_true(find_vma(env.mm, 0) == a);
	g_assert_true(find_vma(env.mm, PG(10)) == a);
	g_assert_true(find_vma(env.mm, PG(12) - 1) == a);
	g_assert_true(find_vma(env.mm, PG(12)) == b);
	g_assert_true(find_vma(env.mm, PG(24) + 0xfff) == b);
	g_assert_true(find_vma(env.mm, PG(25)) == c);
	g_assert_true(find_vma(env.mm, PG(30) + 5) == c);
	g_assert_null(find_vma(env.mm, PG(31)));
	g_assert_null(find_vma(env.mm, env.arch->task_size - 1));

	/* vma_lookup: the VMA containing addr. */
	g_assert_null(vma_lookup(env.mm, 0));
	g_assert_null(vma_lookup(env.mm, PG(10) - 1));
	g_assert_true(vma_lookup(env.mm, PG(11) + 7) == a);
	g_assert_null(vma_lookup(env.mm, PG(12)));
	g_assert_true(vma_lookup(env.mm, PG(24) + 0xfff) == b);
	g_assert_null(vma_lookup(env.mm, PG(25)));
	g_assert_null(vma_lookup(env.mm, PG(31)));
	g_assert_null(vma_lookup(env.mm, env.arch->task_size - 1));
	fake_env_finish(&env);
}

static void test_iterator(gconstpointer data)
{
	struct fake_env env;
	struct vma_iterator vmi;
	struct vm_area_struct *a, *b, *c;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map3(&env);
	a = vma_lookup(env.mm, PG(10));
	b = vma_lookup(env.mm, PG(20));
	c = vma_lookup(env.mm, PG(30));

	/* In address order. */
	vma_iter_init(&vmi, env.mm, 0);
	g_assert_true(vma_next(&vmi) == a);
	g_assert_true(vma_next(&vmi) == b);
	g_assert_true(vma_next(&vmi) == c);
	g_assert_null(vma_next(&vmi));

	/* Starting points: the first VMA ending above addr. */
	vma_iter_init(&vmi, env.mm, PG(11));
	g_assert_true(vma_next(&vmi) == a);
	vma_iter_init(&vmi, env.mm, PG(12));
	g_assert_true(vma_next(&vmi) == b);
	vma_iter_init(&vmi, env.mm, PG(26));
	g_assert_true(vma_next(&vmi) == c);
	vma_iter_init(&vmi, env.mm, PG(31));
	g_assert_null(vma_next(&vmi));

	/* Stepping back. */
	vma_iter_init(&vmi, env.mm, 0);
	g_assert_true(vma_next(&vmi) == a);
	g_assert_true(vma_next(&vmi) == b);
	g_assert_true(vma_next(&vmi) == c);
	g_assert_true(vma_prev(&vmi) == b);
	g_assert_true(vma_prev(&vmi) == a);
	g_assert_null(vma_prev(&vmi));

	/* From a gap, vma_prev gives the VMA below it. */
	vma_iter_init(&vmi, env.mm, PG(26));
	g_assert_true(vma_prev(&vmi) == b);
	g_assert_true(vma_prev(&vmi) == a);
	g_assert_null(vma_prev(&vmi));
	fake_env_finish(&env);
}

/* ---- merging ---- */

static void test_merge_adjacent(gconstpointer data)
{
	struct fake_env env;
	int64_t a1, a2, a3;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* ..........AAA          */
	fake_map(&env, PG(10), 3 * P, RW);
	fill_pages(&env, 10, 13);
	/* ..........AAABB        same flags, adjacent: one VMA */
	fake_map(&env, PG(13), 2 * P, RW);
	EXPECT_VMAS(&env, { PG(10), PG(15), RW });
	/* ........CCAAABB        and below */
	fake_map(&env, PG(8), 2 * P, RW);
	EXPECT_VMAS(&env, { PG(8), PG(15), RW });
	expect_pages(&env, 10, 13);
	fill_pages(&env, 8, 15);
	expect_pages(&env, 8, 15);

	/* Top-down placement: each new one ends where the previous starts, and they merge. */
	a1 = do_mmap(env.mm, 0, 2 * P, RW, MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX, 0);
	a2 = do_mmap(env.mm, 0, 2 * P, RW, MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX, 0);
	a3 = do_mmap(env.mm, 0, 2 * P, RW, MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX, 0);
	g_assert_cmpint(a1, >, 0);
	g_assert_cmpint(a2, ==, a1 - (int64_t)(2 * P));
	g_assert_cmpint(a3, ==, a2 - (int64_t)(2 * P));
	EXPECT_VMAS(&env, { PG(8), PG(15), RW }, { (uint64_t)a3, (uint64_t)a1 + 2 * P, RW });
	fake_env_finish(&env);
}

static void test_no_merge_different_prot(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* ..........AAABBCCDD      A rw-, B r--, C rw-, D rwx */
	fake_map(&env, PG(10), 3 * P, RW);
	fake_map(&env, PG(13), 2 * P, RO);
	fake_map(&env, PG(15), 2 * P, RW);
	fake_map(&env, PG(17), 2 * P, RW | MM_PROT_EXEC);
	EXPECT_VMAS(&env, { PG(10), PG(13), RW }, { PG(13), PG(15), RO }, { PG(15), PG(17), RW },
		    { PG(17), PG(19), RW | MM_PROT_EXEC });
	fake_env_finish(&env);
}

static void test_merge_fills_hole(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* ..........AA..BB   then MAP_FIXED [12,14): one VMA [10,16) */
	fake_map(&env, PG(10), 2 * P, RW);
	fake_map(&env, PG(14), 2 * P, RW);
	fill_pages(&env, 10, 12);
	fill_pages(&env, 14, 16);
	EXPECT_VMAS(&env, { PG(10), PG(12), RW }, { PG(14), PG(16), RW });
	fake_map(&env, PG(12), 2 * P, RW);
	EXPECT_VMAS(&env, { PG(10), PG(16), RW });
	expect_pages(&env, 10, 12);
	expect_pages(&env, 14, 16);
	g_assert_cmphex(fake_read64(&env, PG(12) + 8), ==, 0);
	fake_env_finish(&env);
}

/* ---- munmap ---- */

static void setup_v(struct fake_env *env)
{
	/* ..........VVVVVVVVVV      V [10,20) rw-, every page written */
	fake_map(env, PG(10), 10 * P, RW);
	fill_pages(env, 10, 20);
}

static void test_munmap_head(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	setup_v(&env);
	/* ..........xxVVVVVVVV      munmap [10,12) */
	fake_munmap(&env, PG(10), 2 * P);
	EXPECT_VMAS(&env, { PG(12), PG(20), RW });
	expect_gone(&env, 10, 12);
	expect_pages(&env, 12, 20);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 8);
	fake_env_finish(&env);
}

static void test_munmap_tail(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	setup_v(&env);
	/* ..........VVVVVVVVxx      munmap [18,20) */
	fake_munmap(&env, PG(18), 2 * P);
	EXPECT_VMAS(&env, { PG(10), PG(18), RW });
	expect_gone(&env, 18, 20);
	expect_pages(&env, 10, 18);
	fake_env_finish(&env);
}

static void test_munmap_middle(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	setup_v(&env);
	/* ..........VVVxxVVVVV      munmap [13,15): two VMAs */
	fake_munmap(&env, PG(13), 2 * P);
	EXPECT_VMAS(&env, { PG(10), PG(13), RW }, { PG(15), PG(20), RW });
	expect_gone(&env, 13, 15);
	expect_pages(&env, 10, 13);
	expect_pages(&env, 15, 20);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 8);
	fake_env_finish(&env);
}

static void test_munmap_several(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* ..........AAAA..BBBB..CCCC      A rw-, B r--, C rw- */
	fake_map(&env, PG(10), 4 * P, RW);
	fake_map(&env, PG(16), 4 * P, RO);
	fake_map(&env, PG(22), 4 * P, RW);
	fill_pages(&env, 10, 14);
	fill_pages(&env, 22, 26);
	fake_touch_range(&env, PG(16), PG(20), MM_PROT_READ);
	/* ..........AAxxxxxxxxxxxxCC      munmap [12,24) */
	fake_munmap(&env, PG(12), 12 * P);
	EXPECT_VMAS(&env, { PG(10), PG(12), RW }, { PG(24), PG(26), RW });
	expect_gone(&env, 12, 24);
	expect_pages(&env, 10, 12);
	expect_pages(&env, 24, 26);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 4);
	fake_env_finish(&env);
}

static void test_munmap_hole(gconstpointer data)
{
	struct fake_env env;
	struct mm_stats before;
	guint nr;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* ..........AAAA......BBBB     munmap [15,19), all hole: 0, nothing changes */
	fake_map(&env, PG(10), 4 * P, RW);
	fake_map(&env, PG(20), 4 * P, RW);
	fill_pages(&env, 10, 14);
	fill_pages(&env, 20, 24);
	before = env.mm->stats;
	nr = env.flushes->len;
	g_assert_cmpint(do_munmap(env.mm, PG(15), 4 * P), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(14), RW }, { PG(20), PG(24), RW });
	g_assert_cmpuint(env.flushes->len, ==, nr);
	g_assert_cmpuint(env.mm->stats.pte_cleared, ==, before.pte_cleared);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, before.frames_in_use);
	g_assert_cmpuint(env.mm->stats.tables_in_use, ==, before.tables_in_use);
	g_assert_cmpuint(env.mm->stats.tlb_flush_skipped, ==, before.tlb_flush_skipped);
	g_assert_null(mm_find_unmap(env.mm, PG(16)));
	expect_pages(&env, 10, 14);
	expect_pages(&env, 20, 24);
	fake_env_finish(&env);
}

static void test_munmap_partial_overlaps(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* ..........AAAA......BBBB      A [10,14) rw-, B [20,24) r-- */
	fake_map(&env, PG(10), 4 * P, RW);
	fake_map(&env, PG(20), 4 * P, RO);
	fill_pages(&env, 10, 14);
	/* ........xxxxAA......BBBB      munmap [8,12): starts in a hole */
	fake_munmap(&env, PG(8), 4 * P);
	EXPECT_VMAS(&env, { PG(12), PG(14), RW }, { PG(20), PG(24), RO });
	/* ............AA......BBxxxx    munmap [22,26): ends in a hole */
	fake_munmap(&env, PG(22), 4 * P);
	EXPECT_VMAS(&env, { PG(12), PG(14), RW }, { PG(20), PG(22), RO });
	/* ............Axxxxxxxxx.B      munmap [13,21): tail of A, hole, head of B */
	fake_munmap(&env, PG(13), 8 * P);
	EXPECT_VMAS(&env, { PG(12), PG(13), RW }, { PG(21), PG(22), RO });
	expect_pages(&env, 12, 13);
	expect_gone(&env, 13, 14);
	fake_env_finish(&env);
}

static void test_munmap_bad_args(gconstpointer data)
{
	struct fake_env env;
	uint64_t top;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	top = env.arch->task_size;
	setup_v(&env);
	/* do_vmi_munmap: unaligned start, start > TASK_SIZE, len > TASK_SIZE - start, len 0. */
	g_assert_cmpint(do_munmap(env.mm, PG(10) + 1, P), ==, -EINVAL);
	g_assert_cmpint(do_munmap(env.mm, PG(10), 0), ==, -EINVAL);
	g_assert_cmpint(do_munmap(env.mm, top + P, P), ==, -EINVAL);
	g_assert_cmpint(do_munmap(env.mm, top - P, 2 * P), ==, -EINVAL);
	g_assert_cmpint(do_munmap(env.mm, PG(10), UINT64_MAX), ==, -EINVAL);
	g_assert_cmpint(do_munmap(env.mm, PG(10), UINT64_MAX - P), ==, -EINVAL);
	EXPECT_VMAS(&env, { PG(10), PG(20), RW });
	expect_pages(&env, 10, 20);
	/* The last page of user space, unmapped: fine, nothing to do. */
	g_assert_cmpint(do_munmap(env.mm, top - P, P), ==, 0);
	/* An unaligned length rounds up. */
	fake_munmap(&env, PG(18), 1);
	EXPECT_VMAS(&env, { PG(10), PG(18), RW }, { PG(19), PG(20), RW });
	fake_env_finish(&env);
}

/* ---- mprotect ---- */

static void test_mprotect_splits(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	setup_v(&env);
	/* ..........RRVVVVVVVV      head [10,12) r-- */
	g_assert_cmpint(do_mprotect(env.mm, PG(10), 2 * P, RO), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(12), RO }, { PG(12), PG(20), RW });
	/* ..........RRVVVVVVRR      tail [18,20) r-- */
	g_assert_cmpint(do_mprotect(env.mm, PG(18), 2 * P, RO), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(12), RO }, { PG(12), PG(18), RW }, { PG(18), PG(20), RO });
	/* ..........RRVVNVVVRR      middle [14,15) --- */
	g_assert_cmpint(do_mprotect(env.mm, PG(14), P, MM_PROT_NONE), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(12), RO }, { PG(12), PG(14), RW },
		    { PG(14), PG(15), MM_PROT_NONE }, { PG(15), PG(18), RW }, { PG(18), PG(20), RO });
	for (unsigned n = 10; n < 20; n++)
		if (n != 14)
			fake_expect_mapped(&env, PG(n), (n < 12 || n >= 18) ? RO : RW);
	fake_expect_unmapped(&env, PG(14));
	expect_pages(&env, 10, 14);
	expect_pages(&env, 15, 20);
	fake_env_finish(&env);
}

static void test_mprotect_merges_back(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	setup_v(&env);
	/* ..........VVVRRVVVVV   then back to rw-: one VMA again */
	g_assert_cmpint(do_mprotect(env.mm, PG(13), 2 * P, RO), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(13), RW }, { PG(13), PG(15), RO }, { PG(15), PG(20), RW });
	g_assert_cmpint(do_mprotect(env.mm, PG(13), 2 * P, RW), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(20), RW });
	/* ..........RRRRRVVVVV   head, then the rest: one r-- VMA */
	g_assert_cmpint(do_mprotect(env.mm, PG(10), 5 * P, RO), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(15), RO }, { PG(15), PG(20), RW });
	g_assert_cmpint(do_mprotect(env.mm, PG(15), 5 * P, RO), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(20), RO });
	/* The whole VMA at once: no split. */
	g_assert_cmpint(do_mprotect(env.mm, PG(10), 10 * P, RW), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(20), RW });
	expect_pages(&env, 10, 20);
	fake_env_finish(&env);
}

static void test_mprotect_merges_into_next(gconstpointer data)
{
	const unsigned rx = RO | MM_PROT_EXEC;
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* ..........XXXXXXXXXXYYYYYYYYYY      X [10,20) r--, Y [20,30) r-x */
	fake_map(&env, PG(10), 10 * P, RO);
	fake_map(&env, PG(20), 10 * P, rx);
	fake_touch_range(&env, PG(10), PG(30), MM_PROT_READ);
	/*
	 * ..........XXXXXYYYYYYYYYYYYYYY      mprotect [15,25) r-x: X's tail joins Y, which
	 *                                     already covers the rest of the range: 0.
	 */
	g_assert_cmpint(do_mprotect(env.mm, PG(15), 10 * P, rx), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(15), RO }, { PG(15), PG(30), rx });
	fake_expect_mapped(&env, PG(15), rx);
	fake_expect_mapped(&env, PG(14), RO);
	/* and the mirror: Y's head joins X */
	g_assert_cmpint(do_mprotect(env.mm, PG(12), 6 * P, RO), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(18), RO }, { PG(18), PG(30), rx });
	fake_env_finish(&env);
}

static bool flushed(struct fake_env *env, guint from, uint64_t va)
{
	for (guint i = from; i < env->flushes->len; i++) {
		const struct fake_flush *f = fake_flush_at(env, i);

		if (f->all || (va >= f->start && va < f->end))
			return true;
	}
	return false;
}

static void test_mprotect_rewrites_leaves(gconstpointer data)
{
	const uint64_t val = 0x0123456789abcdefu;
	struct fake_env env;
	uint64_t pa, got, pte_written, frames;
	guint nr;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* ..........VVVV     V [10,14) rw-; pages 10 and 11 written, 12 and 13 untouched */
	fake_map(&env, PG(10), 4 * P, RW);
	fake_write64(&env, PG(10) + 16, val);
	fake_write64(&env, PG(11), val + 1);
	pa = fake_expect_mapped(&env, PG(10) + 16, RW);
	frames = fake_phys_in_use(&env);

	/* ..........RRRR     mprotect r--: the two present leaves are rewritten and flushed */
	pte_written = env.mm->stats.pte_written;
	nr = env.flushes->len;
	g_assert_cmpint(do_mprotect(env.mm, PG(10), 4 * P, RO), ==, 0);
	g_assert_cmpuint(env.mm->stats.pte_written - pte_written, ==, 2);
	g_assert_true(flushed(&env, nr, PG(10)));
	g_assert_true(flushed(&env, nr, PG(11)));
	g_assert_cmphex(fake_expect_mapped(&env, PG(10) + 16, RO), ==, pa);
	fake_expect_mapped(&env, PG(11), RO);
	fake_expect_unmapped(&env, PG(12));
	g_assert_cmpuint(fake_phys_in_use(&env), ==, frames);
	g_assert_cmpint(copy_to_user(env.mm, PG(10) + 16, &got, sizeof(got)), ==, -EFAULT);
	g_assert_cmphex(fake_read64(&env, PG(10) + 16), ==, val);
	g_assert_cmphex(fake_read64(&env, PG(11)), ==, val + 1);
	fake_expect_fault(&env, PG(10), MM_PROT_WRITE, SEGV_ACCERR_LINUX);
	/* A read of an untouched page still faults in (a zero page). */
	g_assert_cmphex(fake_read64(&env, PG(12)), ==, 0);
	fake_expect_mapped(&env, PG(12), RO);

	/* ..........VVVV     back to rw-: writes work again, same frame */
	g_assert_cmpint(do_mprotect(env.mm, PG(10), 4 * P, RW), ==, 0);
	g_assert_cmphex(fake_expect_mapped(&env, PG(10) + 16, RW), ==, pa);
	fake_write64(&env, PG(10) + 16, val ^ 1);
	g_assert_cmphex(fake_read64(&env, PG(10) + 16), ==, val ^ 1);
	g_assert_cmphex(fake_expect_mapped(&env, PG(10) + 16, RW), ==, pa);
	fake_touch_prot(&env, PG(12), MM_PROT_WRITE);
	fake_check(&env);
	fake_env_finish(&env);
}

static void test_mprotect_hole(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* ..........AA..BB      A [10,12) rw-, B [14,16) rw- */
	fake_map(&env, PG(10), 2 * P, RW);
	fake_map(&env, PG(14), 2 * P, RW);
	fill_pages(&env, 10, 12);
	fill_pages(&env, 14, 16);
	/*
	 * ..........RR..BB      mprotect [10,16) r--: the hole gives -ENOMEM after A was
	 *                       changed (Linux applies it VMA by VMA and stops at the hole).
	 */
	g_assert_cmpint(do_mprotect(env.mm, PG(10), 6 * P, RO), ==, -ENOMEM);
	EXPECT_VMAS(&env, { PG(10), PG(12), RO }, { PG(14), PG(16), RW });
	fake_expect_mapped(&env, PG(10), RO);
	fake_expect_mapped(&env, PG(14), RW);
	/* ..........RR..BB      starting in the hole: -ENOMEM, nothing changed */
	g_assert_cmpint(do_mprotect(env.mm, PG(12), 4 * P, RO), ==, -ENOMEM);
	EXPECT_VMAS(&env, { PG(10), PG(12), RO }, { PG(14), PG(16), RW });
	fake_expect_mapped(&env, PG(14), RW);
	/* all hole */
	g_assert_cmpint(do_mprotect(env.mm, PG(20), P, RO), ==, -ENOMEM);
	/* ..........RR..BBx     ending in a hole */
	g_assert_cmpint(do_mprotect(env.mm, PG(14), 3 * P, RO), ==, -ENOMEM);
	EXPECT_VMAS(&env, { PG(10), PG(12), RO }, { PG(14), PG(16), RO });
	expect_pages(&env, 10, 12);
	expect_pages(&env, 14, 16);
	fake_env_finish(&env);
}

static void test_mprotect_none_keeps_data(gconstpointer data)
{
	struct fake_env env;
	uint64_t pa0, pa1, frames, got;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* ..........VV      rw-, both pages written */
	fake_map(&env, PG(10), 2 * P, RW);
	fill_pages(&env, 10, 12);
	pa0 = fake_expect_mapped(&env, PG(10), RW);
	pa1 = fake_expect_mapped(&env, PG(11), RW);
	frames = fake_phys_in_use(&env);

	/* ..........NN      PROT_NONE: no valid translation, but the frames stay. */
	g_assert_cmpint(do_mprotect(env.mm, PG(10), 2 * P, MM_PROT_NONE), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(12), MM_PROT_NONE });
	fake_expect_unmapped(&env, PG(10));
	fake_expect_unmapped(&env, PG(11));
	g_assert_cmpint(fake_count_leaves(&env), ==, 2);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, frames);
	fake_expect_fault(&env, PG(10), MM_PROT_READ, SEGV_ACCERR_LINUX);
	fake_expect_fault(&env, PG(11) + 8, MM_PROT_WRITE, SEGV_ACCERR_LINUX);
	g_assert_cmpint(copy_from_user(env.mm, &got, PG(10) + 8, sizeof(got)), ==, -EFAULT);

	/* ..........VV      back: same frames, same data */
	g_assert_cmpint(do_mprotect(env.mm, PG(10), 2 * P, RW), ==, 0);
	g_assert_cmphex(fake_expect_mapped(&env, PG(10), RW), ==, pa0);
	g_assert_cmphex(fake_expect_mapped(&env, PG(11), RW), ==, pa1);
	expect_pages(&env, 10, 12);
	fake_env_finish(&env);
}

static void test_mprotect_bad_args(gconstpointer data)
{
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	setup_v(&env);
	g_assert_cmpint(do_mprotect(env.mm, PG(10) + 1, P, RO), ==, -EINVAL);
	/* PROT_SEM (0x8) is valid for Linux's mprotect and changes nothing; 0x100 is not. */
	g_assert_cmpint(do_mprotect(env.mm, PG(10), P, 0x100), ==, -EINVAL);
	g_assert_cmpint(do_mprotect(env.mm, PG(10), P, RO | 0x8), ==, 0);
	g_assert_cmphex(vma_lookup(env.mm, PG(10))->vm_flags & VM_ACCESS_FLAGS, ==, VM_READ);
	g_assert_cmpint(do_mprotect(env.mm, PG(10), P, RW), ==, 0);	/* and back: one VMA */
	/* len 0 is a successful no-op; an end that wraps is -ENOMEM. */
	g_assert_cmpint(do_mprotect(env.mm, PG(10), 0, RO), ==, 0);
	g_assert_cmpint(do_mprotect(env.mm, PG(10), UINT64_MAX - PG(10), RO), ==, -ENOMEM);
	EXPECT_VMAS(&env, { PG(10), PG(20), RW });
	expect_pages(&env, 10, 20);
	/* An unaligned length rounds up. */
	g_assert_cmpint(do_mprotect(env.mm, PG(10), 1, RO), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(11), RO }, { PG(11), PG(20), RW });
	fake_env_finish(&env);
}

/* ---- names ---- */

static void test_name_range(gconstpointer data)
{
	struct fake_env env;
	struct vm_area_struct *vma;
	char name[32];

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* ..........VVVVVVVVVV      r-- */
	fake_map(&env, PG(10), 10 * P, RO);
	/* ..........VVnnnVVVVV      name [12,15): split at both ends; the name is copied */
	strcpy(name, "/bin/prog");
	g_assert_cmpint(mm_name_range(env.mm, PG(12), PG(15), name), ==, 0);
	strcpy(name, "clobbered");
	EXPECT_VMAS(&env, { PG(10), PG(12), RO }, { PG(12), PG(15), RO }, { PG(15), PG(20), RO });
	g_assert_null(vma_lookup(env.mm, PG(10))->vm_name);
	vma = vma_lookup(env.mm, PG(14));
	g_assert_nonnull(vma);
	g_assert_cmpstr(vma->vm_name, ==, "/bin/prog");
	g_assert_null(vma_lookup(env.mm, PG(15))->vm_name);

	/* ..........mmnnnVVVVV  a whole VMA: no split */
	g_assert_cmpint(mm_name_range(env.mm, PG(10), PG(12), "/lib/ld.so"), ==, 0);
	EXPECT_VMAS(&env, { PG(10), PG(12), RO }, { PG(12), PG(15), RO }, { PG(15), PG(20), RO });
	g_assert_cmpstr(vma_lookup(env.mm, PG(11))->vm_name, ==, "/lib/ld.so");
	g_assert_cmpstr(vma_lookup(env.mm, PG(12))->vm_name, ==, "/bin/prog");

	/* munmap the middle of a named VMA: both halves keep the name */
	g_assert_cmpint(mm_name_range(env.mm, PG(15), PG(20), "/lib/libc.so"), ==, 0);
	fake_munmap(&env, PG(16), P);
	g_assert_cmpstr(vma_lookup(env.mm, PG(15))->vm_name, ==, "/lib/libc.so");
	g_assert_cmpstr(vma_lookup(env.mm, PG(17))->vm_name, ==, "/lib/libc.so");

	/*
	 * ..........mmnnnl.lll......WW..   [31,34) is not fully mapped: -EINVAL. Whether the
	 * mapped part [31,32) got the name is not specified (Linux's anon-name prctl names
	 * what is mapped and reports the hole); nothing outside the range changes.
	 */
	fake_map(&env, PG(30), 2 * P, RW);
	g_assert_cmpint(mm_name_range(env.mm, PG(31), PG(34), "/lib/x"), ==, -EINVAL);
	g_assert_null(vma_lookup(env.mm, PG(30))->vm_name);
	g_assert_null(vma_lookup(env.mm, PG(32)));
	g_assert_cmphex(find_vma(env.mm, PG(30))->vm_start, ==, PG(30));
	g_assert_cmpstr(vma_lookup(env.mm, PG(19))->vm_name, ==, "/lib/libc.so");
	fake_check(&env);
	fake_env_finish(&env);
}

/* ---- /proc/PID/maps ---- */

static char *dump_maps(struct fake_env *env)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	g_assert_nonnull(f);
	mm_dump_maps(env->mm, f);
	fclose(f);
	return buf;
}

static void test_maps_format(gconstpointer data)
{
	struct fake_env env;
	char **lines, *text, *named, line[256];
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	unsigned i = 0;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x400000 r-x "/bin/true", 0x401000-0x403000 rw-, 0x10000000 rwx,
	 * 0x7ffff0000000 ---.
	 */
	fake_map(&env, 0x400000, P, MM_PROT_READ | MM_PROT_EXEC);
	g_assert_cmpint(mm_name_range(env.mm, 0x400000, 0x401000, "/bin/true"), ==, 0);
	fake_map(&env, 0x401000, 2 * P, RW);
	fake_map(&env, 0x10000000, P, RW | MM_PROT_EXEC);
	fake_map(&env, UINT64_C(0x7ffff0000000), P, MM_PROT_NONE);

	text = dump_maps(&env);
	lines = g_strsplit(text, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 5);
	g_assert_cmpstr(lines[4], ==, "");

	/*
	 * Linux's show_map_vma(): "start-end perms offset maj:min inode " (addresses at least
	 * 8 hex digits, a space after the inode even when no name follows); a name is padded
	 * to column 73.
	 */
	named = g_strdup_printf("%-73s%s", "00400000-00401000 r-xp 00000000 00:00 0 ",
				"/bin/true");
	g_assert_cmpuint(strlen(lines[0]), ==, strlen(named));
	/* A named anonymous VMA has no file offset to show: 0, as Linux's [vdso]. */
	g_assert_cmpstr(lines[0], ==, named);
	g_free(named);
	g_assert_cmpstr(lines[1], ==, "00401000-00403000 rw-p 00000000 00:00 0 ");
	g_assert_cmpstr(lines[2], ==, "10000000-10001000 rwxp 00000000 00:00 0 ");
	g_assert_cmpstr(lines[3], ==, "7ffff0000000-7ffff0001000 ---p 00000000 00:00 0 ");

	/* mm_format_vma() gives the same lines, without the newline. */
	vma_iter_init(&vmi, env.mm, 0);
	while ((vma = vma_next(&vmi))) {
		mm_format_vma(env.mm, vma, line, sizeof(line));
		g_assert_cmpstr(line, ==, lines[i]);
		i++;
	}
	g_assert_cmpuint(i, ==, 4);
	g_strfreev(lines);
	free(text);
	fake_env_finish(&env);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	fake_add_test("/mm/vma/find-vma-and-lookup", test_find_vma);
	fake_add_test("/mm/vma/iterator-order", test_iterator);
	fake_add_test("/mm/vma/merge-adjacent-same-flags", test_merge_adjacent);
	fake_add_test("/mm/vma/no-merge-different-prot", test_no_merge_different_prot);
	fake_add_test("/mm/vma/merge-fills-hole", test_merge_fills_hole);
	fake_add_test("/mm/munmap/head", test_munmap_head);
	fake_add_test("/mm/munmap/tail", test_munmap_tail);
	fake_add_test("/mm/munmap/middle-splits-in-two", test_munmap_middle);
	fake_add_test("/mm/munmap/several-vmas", test_munmap_several);
	fake_add_test("/mm/munmap/hole-changes-nothing", test_munmap_hole);
	fake_add_test("/mm/munmap/partial-overlaps", test_munmap_partial_overlaps);
	fake_add_test("/mm/munmap/bad-arguments", test_munmap_bad_args);
	fake_add_test("/mm/mprotect/splits-head-tail-middle", test_mprotect_splits);
	fake_add_test("/mm/mprotect/restored-prot-merges-back", test_mprotect_merges_back);
	fake_add_test("/mm/mprotect/tail-merges-into-next", test_mprotect_merges_into_next);
	fake_add_test("/mm/mprotect/rewrites-present-leaves", test_mprotect_rewrites_leaves);
	fake_add_test("/mm/mprotect/hole-enomem-after-changing-the-start", test_mprotect_hole);
	fake_add_test("/mm/mprotect/prot-none-keeps-data", test_mprotect_none_keeps_data);
	fake_add_test("/mm/mprotect/bad-arguments", test_mprotect_bad_args);
	fake_add_test("/mm/vma/name-range-splits", test_name_range);
	fake_add_test("/mm/maps/format", test_maps_format);
	return g_test_run();
}
