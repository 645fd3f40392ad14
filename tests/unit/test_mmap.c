// SPDX-License-Identifier: MIT
/*
 * test_mmap.c - mmap placement and arguments, demand-zero faults, brk, user copies,
 * mm_poke, frame reuse, running out of guest memory and allocation failures.
 *
 * Counts are written root first: {root, PDPT, PD, PT}.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

#define P SZ_4K
#define RW (MM_PROT_READ | MM_PROT_WRITE)
#define RO MM_PROT_READ
#define ANON (MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX)

static int64_t map_anywhere(struct fake_env *env, uint64_t len, unsigned prot)
{
	int64_t a = do_mmap(env->mm, 0, len, prot, ANON, 0);

	g_assert_cmpint(a, >, 0);
	g_assert_cmpint(a % (int64_t)P, ==, 0);
	fake_check(env);
	return a;
}

/* ---- placement ---- */

static void test_top_down(gconstpointer data)
{
	struct fake_env env;
	uint64_t base;
	int64_t a1, a2, a3, h1, h2, h3;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	base = env.mm->mmap_base;
	g_assert_cmpuint(base, ==, env.arch->mmap_base);

	/*
	 *                     a3        a2    a1          mmap_base
	 * ...                 |C rw- 4 |B r--|A rw- 3    |
	 */
	a1 = map_anywhere(&env, 3 * P, RW);
	a2 = map_anywhere(&env, 2 * P, RO);
	a3 = map_anywhere(&env, 4 * P, RW);
	g_assert_cmphex(a1, ==, base - 3 * P);
	g_assert_cmphex(a2, ==, a1 - 2 * P);
	g_assert_cmphex(a3, ==, a2 - 4 * P);
	g_assert_cmpint(env.mm->map_count, ==, 3);

	/*
	 * |C |..|A |      munmap B: a 2-page hole, the highest gap below mmap_base.
	 * |C |.X|A |      1 page r-x: at the top of the hole.
	 * |C |.X|A |  then 2 pages: the hole has 1 page left, so below C.
	 * |D|C |YX|A |    then 1 page: fills the hole.
	 */
	fake_munmap(&env, a2, 2 * P);
	h1 = map_anywhere(&env, P, RO | MM_PROT_EXEC);
	g_assert_cmphex(h1, ==, a1 - P);
	h2 = map_anywhere(&env, 2 * P, RO);
	g_assert_cmphex(h2, ==, a3 - 2 * P);
	h3 = map_anywhere(&env, P, RO);
	g_assert_cmphex(h3, ==, a2);
	for (uint64_t va = h2; va < base; va += P)
		g_assert_nonnull(vma_lookup(env.mm, va));
	fake_env_finish(&env);
}

static void test_hint(gconstpointer data)
{
	const uint64_t hint = 0x50000000;
	struct fake_env env;
	int64_t a, b, c;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* hint free: honoured */
	a = do_mmap(env.mm, hint, 4 * P, RW, ANON, 0);
	g_assert_cmphex(a, ==, hint);
	/* hint taken (overlap of one page): ignored, top-down placement instead */
	b = do_mmap(env.mm, hint + 3 * P, 2 * P, RO, ANON, 0);
	g_assert_cmphex(b, ==, env.mm->mmap_base - 2 * P);
	/* hint free again right after the first: honoured (and merged, same flags) */
	c = do_mmap(env.mm, hint + 4 * P, P, RW, ANON, 0);
	g_assert_cmphex(c, ==, hint + 4 * P);
	g_assert_cmphex(vma_lookup(env.mm, hint)->vm_end, ==, hint + 5 * P);
	/* a hint whose end is beyond task_size: ignored */
	c = do_mmap(env.mm, env.arch->task_size - P, 2 * P, RW, ANON, 0);
	g_assert_cmphex(c, ==, b - 2 * P);
	fake_check(&env);
	fake_env_finish(&env);
}

static void test_fixed_replaces(gconstpointer data)
{
	const uint64_t x = 0x30000000;
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* |X rw- 4 pages, written| */
	fake_map(&env, x, 4 * P, RW);
	for (unsigned i = 0; i < 4; i++)
		fake_write64(&env, x + i * P, 0x1000 + i);
	/* |X|R r-- |X|     MAP_FIXED over [1,3): old data gone, reads zero, r-- */
	fake_map(&env, x + P, 2 * P, RO);
	g_assert_cmpint(env.mm->map_count, ==, 3);
	g_assert_cmphex(fake_read64(&env, x), ==, 0x1000);
	g_assert_cmphex(fake_read64(&env, x + P), ==, 0);
	g_assert_cmphex(fake_read64(&env, x + 2 * P), ==, 0);
	g_assert_cmphex(fake_read64(&env, x + 3 * P), ==, 0x1003);
	fake_expect_mapped(&env, x + P, RO);
	fake_expect_fault(&env, x + 2 * P, MM_PROT_WRITE, SEGV_ACCERR_LINUX);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 4);
	fake_env_finish(&env);
}

static void test_fixed_noreplace(gconstpointer data)
{
	const uint64_t x = 0x30000000;
	const unsigned fnr = ANON | MAP_FIXED_NOREPLACE_LINUX;
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* |X rw- 4 pages| */
	fake_map(&env, x, 4 * P, RW);
	fake_write64(&env, x, 0xabc);
	g_assert_cmpint(do_mmap(env.mm, x, P, RO, fnr, 0), ==, -EEXIST);
	g_assert_cmpint(do_mmap(env.mm, x + 3 * P, 2 * P, RO, fnr, 0), ==, -EEXIST);
	g_assert_cmpint(do_mmap(env.mm, x - P, 2 * P, RO, fnr, 0), ==, -EEXIST);
	g_assert_cmpint(do_mmap(env.mm, x - P, 6 * P, RO, fnr, 0), ==, -EEXIST);
	g_assert_cmpint(env.mm->map_count, ==, 1);
	g_assert_cmphex(fake_read64(&env, x), ==, 0xabc);
	/* adjacent, no overlap: exactly there */
	g_assert_cmphex(do_mmap(env.mm, x + 4 * P, P, RO, fnr, 0), ==, x + 4 * P);
	g_assert_cmphex(do_mmap(env.mm, x - P, P, RO, fnr, 0), ==, x - P);
	g_assert_cmpint(env.mm->map_count, ==, 3);
	fake_check(&env);
	fake_env_finish(&env);
}

static void test_bad_args(gconstpointer data)
{
	struct fake_env env;
	uint64_t top;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	top = env.arch->task_size;
	g_assert_cmpint(do_mmap(env.mm, 0, 0, RW, ANON, 0), ==, -EINVAL);
	g_assert_cmpint(do_mmap(env.mm, 0x30000001, P, RW, ANON | MAP_FIXED_LINUX, 0), ==,
			-EINVAL);
	g_assert_cmpint(do_mmap(env.mm, 0x30000800, P, RW, ANON | MAP_FIXED_NOREPLACE_LINUX, 0),
			==, -EINVAL);
	g_assert_cmpint(do_mmap(env.mm, 0, P, RW, MAP_ANONYMOUS_LINUX, 0), ==, -EINVAL);
	/*
	 * Unknown prot bits are ignored by mmap, as on Linux (checked natively: mmap with
	 * PROT_READ | 0x100 succeeds); mprotect rejects them (test_vma).
	 */
	{
		int64_t a = do_mmap(env.mm, 0, P, RW | 0x8, ANON, 0);
		int64_t b = do_mmap(env.mm, 0, P, 0x100, ANON, 0);

		g_assert_cmpint(a, >, 0);
		g_assert_cmpint(b, >, 0);
		g_assert_cmphex(vma_lookup(env.mm, (uint64_t)a)->vm_flags & VM_ACCESS_FLAGS, ==,
				VM_READ | VM_WRITE);
		g_assert_cmphex(vma_lookup(env.mm, (uint64_t)b)->vm_flags & VM_ACCESS_FLAGS, ==, 0);
		g_assert_cmpint(do_munmap(env.mm, (uint64_t)a, P), ==, 0);
		g_assert_cmpint(do_munmap(env.mm, (uint64_t)b, P), ==, 0);
	}
	/* too big, and PAGE_ALIGN(len) wrapping to 0 */
	g_assert_cmpint(do_mmap(env.mm, 0, top + P, RW, ANON, 0), ==, -ENOMEM);
	g_assert_cmpint(do_mmap(env.mm, 0, UINT64_MAX, RW, ANON, 0), ==, -ENOMEM);
	g_assert_cmpint(do_mmap(env.mm, 0, UINT64_MAX - P + 2, RW, ANON, 0), ==, -ENOMEM);
	/* MAP_FIXED beyond task_size */
	g_assert_cmpint(do_mmap(env.mm, top - P, 2 * P, RW, ANON | MAP_FIXED_LINUX, 0), ==,
			-ENOMEM);
	g_assert_cmpint(do_mmap(env.mm, top, P, RW, ANON | MAP_FIXED_LINUX, 0), ==, -ENOMEM);
	g_assert_cmpint(do_mmap(env.mm, UINT64_MAX & ~(P - 1), 2 * P, RW,
				ANON | MAP_FIXED_LINUX, 0), ==, -ENOMEM);
	/* a file mapping: not here */
	g_assert_cmpint(do_mmap(env.mm, 0, P, RW, MAP_PRIVATE_LINUX, 0), ==, -EBADF);
	g_assert_cmpint(env.mm->map_count, ==, 0);
	/* the last page of user space, exactly: fine */
	g_assert_cmphex(do_mmap(env.mm, top - P, P, RW, ANON | MAP_FIXED_LINUX, 0), ==, top - P);
	fake_check(&env);
	fake_env_finish(&env);
}

static void test_no_room(gconstpointer data)
{
	const uint64_t lo = 0x10000;
	struct fake_env env;
	uint64_t top;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	top = env.arch->task_size;
	/*
	 * 0   64K                                   top-64K  top
	 * |...|XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX|.......|   16 free pages each end
	 */
	fake_map(&env, lo, top - 2 * lo, MM_PROT_NONE);
	g_assert_cmpint(do_mmap(env.mm, 0, 17 * P, RW, ANON, 0), ==, -ENOMEM);
	g_assert_cmpint(do_mmap(env.mm, 0x40000000, 17 * P, RW, ANON, 0), ==, -ENOMEM);
	g_assert_cmpint(env.mm->map_count, ==, 1);
	/* 16 pages still fit at the top */
	g_assert_cmphex(do_mmap(env.mm, 0, 16 * P, RW, ANON, 0), ==, top - lo);
	fake_check(&env);
	fake_env_finish(&env);
}

/* ---- demand-zero faults ---- */

static void test_demand_zero(gconstpointer data)
{
	const uint64_t x = 0x20000000, y = 0x20200000, z = 0x20400000;
	struct fake_env env;
	uint8_t buf[4096];
	unsigned prot;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x20000000          0x20200000  0x20400000
	 * |X rw- 4 pages|      |Y r--|     |Z r-x|
	 */
	fake_map(&env, x, 4 * P, RW);
	fake_map(&env, y, P, RO);
	fake_map(&env, z, P, RO | MM_PROT_EXEC);
	g_assert_cmpuint(env.mm->stats.faults, ==, 0);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, 1);

	/*
	 * First touch, a read of a writable page: one fault, one frame, and a PDPT, a PD and
	 * a PT; the page is clean, so the emulator may not cache WRITE.
	 */
	prot = fake_touch_prot(&env, x + 0x10, MM_PROT_READ);
	g_assert_cmphex(prot, ==, MM_PROT_READ);
	g_assert_cmpuint(env.mm->stats.faults, ==, 1);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 1);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, 1 + 3 + 1);
	fake_expect_tables(&env, 1, 1, 1, 1);
	g_assert_cmpint(copy_from_user(env.mm, buf, x, sizeof(buf)), ==, 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		g_assert_cmpuint(buf[i], ==, 0);

	/* A write now: no new fault; the page becomes dirty and WRITE may be cached. */
	prot = fake_touch_prot(&env, x + 0x18, MM_PROT_WRITE);
	g_assert_cmphex(prot, ==, RW);
	g_assert_cmpuint(env.mm->stats.faults, ==, 1);
	prot = fake_touch_prot(&env, x + 0x20, MM_PROT_READ);
	g_assert_cmphex(prot, ==, RW);

	/* Second page, written first: one more fault and frame, no table. */
	prot = fake_touch_prot(&env, x + P, MM_PROT_WRITE);
	g_assert_cmphex(prot, ==, RW);
	g_assert_cmpuint(env.mm->stats.faults, ==, 2);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	fake_expect_tables(&env, 1, 1, 1, 1);

	/* Y, 2 MiB further: a new PT only. Read-only: READ. */
	prot = fake_touch_prot(&env, y, MM_PROT_READ);
	g_assert_cmphex(prot, ==, MM_PROT_READ);
	fake_expect_tables(&env, 1, 1, 1, 2);
	/* Z: executable. */
	prot = fake_touch_prot(&env, z + 4, MM_PROT_EXEC);
	g_assert_cmphex(prot, ==, MM_PROT_READ | MM_PROT_EXEC);
	fake_expect_mapped(&env, z, MM_PROT_READ | MM_PROT_EXEC);
	fake_expect_tables(&env, 1, 1, 1, 3);
	g_assert_cmpuint(env.mm->stats.faults, ==, 4);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 4);
	g_assert_cmpuint(env.mm->stats.faults_segv, ==, 0);
	/* Every page has its own frame. */
	g_assert_cmphex(fake_expect_mapped(&env, x, RW) / P, !=,
			fake_expect_mapped(&env, x + P, RW) / P);
	fake_env_finish(&env);
}

/* ---- brk ---- */

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

static void test_brk(gconstpointer data)
{
	const uint64_t start = 0x10001000;
	struct fake_env env;
	struct vm_area_struct *heap;
	char *maps, *want;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* exec puts the break after the last segment, page-aligned up */
	mm_set_brk(env.mm, 0x10000123);
	g_assert_cmphex(env.mm->start_brk, ==, start);
	g_assert_cmphex(env.mm->brk, ==, start);
	g_assert_cmphex(do_brk(env.mm, 0), ==, start);
	g_assert_cmpint(env.mm->map_count, ==, 0);

	/* |heap rw- 4 pages|     brk(start + 3 pages + 5) */
	g_assert_cmphex(do_brk(env.mm, start + 3 * P + 5), ==, start + 3 * P + 5);
	g_assert_cmphex(env.mm->brk, ==, start + 3 * P + 5);
	heap = vma_lookup(env.mm, start);
	g_assert_nonnull(heap);
	g_assert_cmphex(heap->vm_start, ==, start);
	g_assert_cmphex(heap->vm_end, ==, start + 4 * P);
	g_assert_cmphex(heap->vm_flags & VM_ACCESS_FLAGS, ==, VM_READ | VM_WRITE);
	maps = dump_maps(&env);
	want = g_strdup_printf("%-73s[heap]\n", "10001000-10005000 rw-p 00000000 00:00 0 ");
	g_assert_cmpstr(maps, ==, want);
	g_free(want);
	free(maps);
	for (unsigned i = 0; i < 4; i++)
		fake_write64(&env, start + i * P, 0x4ea9 + i);

	/* |h|...      brk(start + 1 page): pages 1-3 zapped */
	g_assert_cmphex(do_brk(env.mm, start + P), ==, start + P);
	g_assert_cmphex(vma_lookup(env.mm, start)->vm_end, ==, start + P);
	for (unsigned i = 1; i < 4; i++) {
		fake_expect_unmapped(&env, start + i * P);
		fake_expect_fault(&env, start + i * P, MM_PROT_READ, SEGV_MAPERR_LINUX);
	}
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 1);
	fake_check(&env);

	/* |heap    |  grown again: the old pages read zero, the first kept its data */
	g_assert_cmphex(do_brk(env.mm, start + 4 * P), ==, start + 4 * P);
	g_assert_cmphex(fake_read64(&env, start), ==, 0x4ea9);
	for (unsigned i = 1; i < 4; i++)
		g_assert_cmphex(fake_read64(&env, start + i * P), ==, 0);
	g_assert_cmpint(env.mm->map_count, ==, 1);

	/* below start_brk: ignored, the current break is returned */
	g_assert_cmphex(do_brk(env.mm, start - P), ==, start + 4 * P);
	g_assert_cmphex(do_brk(env.mm, 0x1000), ==, start + 4 * P);

	/* |heap    |....|X|    into another mapping: refused */
	fake_map(&env, start + 16 * P, P, RO);
	g_assert_cmphex(do_brk(env.mm, start + 20 * P), ==, start + 4 * P);
	g_assert_cmphex(do_brk(env.mm, start + 17 * P), ==, start + 4 * P);
	g_assert_cmphex(vma_lookup(env.mm, start)->vm_end, ==, start + 4 * P);
	g_assert_cmphex(env.mm->brk, ==, start + 4 * P);
	/*
	 * |heap          |X|   Linux wants a page between the break and the next mapping
	 * (newbrk + PAGE_SIZE > vm_start_gap(next) is refused): 16 pages is refused, 15 is
	 * allowed.
	 */
	g_assert_cmphex(do_brk(env.mm, start + 16 * P), ==, start + 4 * P);
	g_assert_cmphex(do_brk(env.mm, start + 15 * P), ==, start + 15 * P);
	g_assert_cmphex(vma_lookup(env.mm, start)->vm_end, ==, start + 15 * P);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	g_assert_cmphex(fake_read64(&env, start), ==, 0x4ea9);
	fake_check(&env);
	fake_env_finish(&env);
}

static void test_stack_name(gconstpointer data)
{
	const uint64_t s = 0x7f0000000000;
	struct fake_env env;
	char *maps, *want;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	fake_map(&env, s, 4 * P, RW);
	env.mm->start_stack = s + 2 * P + 0x10;
	maps = dump_maps(&env);
	want = g_strdup_printf("%-73s[stack]\n", "7f0000000000-7f0000004000 rw-p 00000000 00:00 0 ");
	g_assert_cmpstr(maps, ==, want);
	g_free(want);
	free(maps);
	fake_env_finish(&env);
}

/* ---- user copies ---- */

static void test_copy_user(gconstpointer data)
{
	const uint64_t x = 0x30000000, r = 0x30010000;
	struct fake_env env;
	uint8_t out[64], in[64];

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * 0x30000000        0x30002000 ...  0x30010000
	 * |X rw- 2 pages    |hole      ...  |R r--|
	 */
	fake_map(&env, x, 2 * P, RW);
	fake_map(&env, r, P, RO);
	for (unsigned i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 1);

	/* across the page boundary */
	g_assert_cmpint(copy_to_user(env.mm, x + P - 32, out, sizeof(out)), ==, 0);
	memset(in, 0, sizeof(in));
	g_assert_cmpint(copy_from_user(env.mm, in, x + P - 32, sizeof(in)), ==, 0);
	g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
	fake_expect_mapped(&env, x, RW);
	fake_expect_mapped(&env, x + P, RW);
	/* zero bytes: nothing to do */
	g_assert_cmpint(copy_to_user(env.mm, 0x1000, out, 0), ==, 0);
	g_assert_cmpint(copy_from_user(env.mm, in, 0x1000, 0), ==, 0);

	/* into the hole: -EFAULT, and nothing mapped there */
	g_assert_cmpint(copy_to_user(env.mm, x + 2 * P - 4, out, 8), ==, -EFAULT);
	g_assert_cmpint(copy_from_user(env.mm, in, x + 2 * P - 4, 8), ==, -EFAULT);
	g_assert_cmpint(copy_from_user(env.mm, in, x + 2 * P, 8), ==, -EFAULT);
	g_assert_cmpint(copy_to_user(env.mm, x + 5 * P, out, 8), ==, -EFAULT);
	fake_expect_unmapped(&env, x + 2 * P);
	/* the bytes before the hole were accessible: what is there is still readable */
	g_assert_cmpint(copy_from_user(env.mm, in, x + 2 * P - 4, 4), ==, 0);

	/* read-only: reads work, writes fault */
	g_assert_cmpint(copy_from_user(env.mm, in, r, 8), ==, 0);
	g_assert_cmpint(copy_to_user(env.mm, r, out, 8), ==, -EFAULT);
	/* from a writable page into the read-only one */
	fake_map(&env, r - P, P, RW);
	g_assert_cmpint(copy_to_user(env.mm, r - 4, out, 8), ==, -EFAULT);
	g_assert_cmpint(copy_from_user(env.mm, in, r - 4, 8), ==, 0);
	fake_check(&env);
	fake_env_finish(&env);
}

static void test_strncpy_user(gconstpointer data)
{
	const uint64_t x = 0x30000000;
	struct fake_env env;
	char buf[32];

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* |X rw- 1 page|hole */
	fake_map(&env, x, P, RW);
	g_assert_cmpint(copy_to_user(env.mm, x, "hello", 6), ==, 0);
	memset(buf, 'x', sizeof(buf));
	g_assert_cmpint(strncpy_from_user(env.mm, buf, x, sizeof(buf)), ==, 5);
	g_assert_cmpstr(buf, ==, "hello");
	g_assert_cmpint(strncpy_from_user(env.mm, buf, x, 6), ==, 5);
	g_assert_cmpint(strncpy_from_user(env.mm, buf, x, 5), ==, -ENAMETOOLONG);
	g_assert_cmpint(strncpy_from_user(env.mm, buf, x + 5, 4), ==, 0);

	/* ends right before the hole: fine; runs into it without a NUL: -EFAULT */
	g_assert_cmpint(copy_to_user(env.mm, x + P - 4, "abc", 4), ==, 0);
	g_assert_cmpint(strncpy_from_user(env.mm, buf, x + P - 4, sizeof(buf)), ==, 3);
	g_assert_cmpstr(buf, ==, "abc");
	g_assert_cmpint(copy_to_user(env.mm, x + P - 4, "abcd", 4), ==, 0);
	g_assert_cmpint(strncpy_from_user(env.mm, buf, x + P - 4, sizeof(buf)), ==, -EFAULT);
	/* ... unless the limit comes first */
	g_assert_cmpint(strncpy_from_user(env.mm, buf, x + P - 4, 4), ==, -ENAMETOOLONG);
	g_assert_cmpint(strncpy_from_user(env.mm, buf, x + P, sizeof(buf)), ==, -EFAULT);

	/* PROT_NONE: -EFAULT */
	g_assert_cmpint(do_mprotect(env.mm, x, P, MM_PROT_NONE), ==, 0);
	g_assert_cmpint(strncpy_from_user(env.mm, buf, x, sizeof(buf)), ==, -EFAULT);
	fake_env_finish(&env);
}

/* ---- mm_poke ---- */

static bool invalidated(struct fake_env *env, guint from, uint64_t paddr)
{
	for (guint i = from; i < env->invals->len; i++) {
		const struct fake_inval *v = &g_array_index(env->invals, struct fake_inval, i);

		if (paddr >= v->paddr && paddr < v->paddr + v->len)
			return true;
	}
	return false;
}

static void test_poke(gconstpointer data)
{
	const uint64_t x = 0x400000;
	struct fake_env env;
	char buf[8];
	guint nr;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/* |X r-x 2 pages, untouched|hole */
	fake_map(&env, x, 2 * P, RO | MM_PROT_EXEC);
	nr = env.invals->len;
	g_assert_cmpint(mm_poke(env.mm, x + P - 2, "abcd", 4), ==, 0);
	g_assert_cmpint(copy_from_user(env.mm, buf, x + P - 2, 4), ==, 0);
	g_assert_cmpmem(buf, 4, "abcd", 4);
	/* the protection did not change */
	fake_expect_mapped(&env, x, RO | MM_PROT_EXEC);
	fake_expect_mapped(&env, x + P, RO | MM_PROT_EXEC);
	g_assert_cmphex(vma_lookup(env.mm, x)->vm_flags & VM_ACCESS_FLAGS, ==,
			VM_READ | VM_EXEC);
	g_assert_cmpint(copy_to_user(env.mm, x, "z", 1), ==, -EFAULT);
	/* translated code of every byte written was invalidated */
	for (uint64_t va = x + P - 2; va < x + P + 2; va++)
		g_assert_true(invalidated(&env, nr, fake_expect_mapped(&env, va,
								       RO | MM_PROT_EXEC)));

	/* overwrite in place */
	nr = env.invals->len;
	g_assert_cmpint(mm_poke(env.mm, x + 0x10, "xyz", 3), ==, 0);
	g_assert_cmpint(copy_from_user(env.mm, buf, x + 0x10, 3), ==, 0);
	g_assert_cmpmem(buf, 3, "xyz", 3);
	g_assert_true(invalidated(&env, nr, fake_expect_mapped(&env, x + 0x11,
							       RO | MM_PROT_EXEC)));

	/* no VMA: -EFAULT, nothing written */
	g_assert_cmpint(mm_poke(env.mm, x + 2 * P - 1, "ab", 2), ==, -EFAULT);
	g_assert_cmpint(mm_poke(env.mm, 0x10000000, "ab", 2), ==, -EFAULT);
	fake_expect_unmapped(&env, x + 2 * P);
	fake_check(&env);
	fake_env_finish(&env);
}

/* ---- frames ---- */

static void test_frames_reused(gconstpointer data)
{
	struct fake_env env;

	/* 1 MiB: 255 frames to hand out, far fewer than 1000 cycles of 4 pages + 3 tables */
	fake_env_init(&env, data, UINT64_C(1) << 20);
	for (int i = 0; i < 1000; i++) {
		int64_t a = do_mmap(env.mm, 0, 4 * P, RW, ANON, 0);

		g_assert_cmphex(a, ==, env.mm->mmap_base - 4 * P);
		fake_touch_range(&env, a, a + 4 * P, MM_PROT_WRITE);
		/* alone in the address space: everything but the root goes */
		g_assert_cmpint(do_munmap(env.mm, a, 4 * P), ==, 0);
		g_assert_cmpuint(fake_phys_in_use(&env), ==, 1);
	}
	fake_check(&env);
	g_assert_cmpuint(env.mm->stats.frames_peak, ==, 4);
	g_assert_cmpuint(env.mm->stats.tables_peak, ==, 4);
	g_assert_cmpuint(env.mm->stats.faults, ==, 4000);
	g_assert_cmpuint(env.mm->stats.tables_alloc[3], ==, 1000);
	fake_env_finish(&env);
}

static void test_oom(gconstpointer data)
{
	const uint64_t x = SZ_1G;
	struct mm_fault fault;
	struct fake_env env;
	uint64_t va;
	unsigned ok = 0;

	/* 2 MiB: 512 frames, frame 0 never handed out: 511 */
	fake_env_init(&env, data, SZ_2M);
	/* |X rw- 1024 pages = 4 MiB, from 1G| */
	fake_map(&env, x, 1024 * P, RW);

	/*
	 * Touch in order: root 1 + PDPT + PD + PT = 4 tables, so 511 - 4 = 507 pages fit;
	 * the 508th gives -ENOMEM with fault->oom.
	 */
	for (va = x; va < x + 1024 * P; va += P) {
		if (fake_touch(&env, va, MM_PROT_WRITE, &fault))
			break;
		ok++;
	}
	g_assert_cmpuint(ok, ==, 507);
	g_assert_cmpint(fake_touch(&env, va, MM_PROT_WRITE, &fault), ==, -ENOMEM);
	g_assert_true(fault.oom);
	g_assert_cmphex(fault.addr, ==, va);
	g_assert_cmpuint(env.mm->stats.faults_segv, ==, 0);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 507);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, 511);
	g_assert_cmpint(mm_poke(env.mm, va, "a", 1), ==, -ENOMEM);
	g_assert_cmpint(copy_to_user(env.mm, va, "a", 1), ==, -EFAULT);
	fake_check(&env);

	/*
	 * munmap the first 10 pages (the PT is shared with the rest: no table freed). Then
	 * pages 507-511 take 5 frames, page 512 a PT and a frame, 513-515 the last three;
	 * page 516 fails.
	 */
	fake_munmap(&env, x, 10 * P);
	for (ok = 0; va < x + 1024 * P; va += P) {
		if (fake_touch(&env, va, MM_PROT_WRITE, &fault))
			break;
		ok++;
	}
	g_assert_cmpuint(ok, ==, 9);
	g_assert_cmphex(va, ==, x + 516 * P);
	g_assert_true(fault.oom);
	fake_expect_tables(&env, 1, 1, 1, 2);
	fake_env_finish(&env);
}

/* ---- allocation failures ---- */

struct inject {
	unsigned failures;
};

static void inject_touch(struct fake_env *env, struct inject *in, uint64_t va, mm_access_t a)
{
	struct mm_fault fault;
	int ret = fake_touch(env, va, a, &fault);

	if (ret) {
		g_assert_cmpint(ret, ==, -ENOMEM);
		g_assert_true(fault.oom);
		in->failures++;
	}
	fake_check(env);
}

/* A little life of an address space; every allocation in it may fail. */
static void inject_script(struct fake_env *env, struct inject *in)
{
	const uint64_t fixed = 0x40000000, ro = 0x400000;
	int64_t a;
	int ret;

	/* mmap allocates no frame */
	a = do_mmap(env->mm, 0, 8 * P, RW, ANON, 0);
	g_assert_cmpint(a, >, 0);
	for (int i = 0; i < 8; i++)
		inject_touch(env, in, a + i * P, MM_PROT_WRITE);
	fake_map(env, fixed, 2 * P, RW);
	inject_touch(env, in, fixed, MM_PROT_READ);
	inject_touch(env, in, fixed + P, MM_PROT_WRITE);
	g_assert_cmpint(do_mprotect(env->mm, a + 2 * P, 2 * P, RO), ==, 0);
	ret = copy_to_user(env->mm, fixed + P - 4, "12345678", 8);
	g_assert_true(ret == 0 || ret == -EFAULT);
	in->failures += ret != 0;
	fake_map(env, ro, 3 * P, RO);
	ret = mm_poke(env->mm, ro + P - 1, "xy", 2);
	g_assert_true(ret == 0 || ret == -ENOMEM);
	in->failures += ret != 0;
	fake_check(env);
	mm_set_brk(env->mm, 0x10000000);
	g_assert_cmphex(do_brk(env->mm, 0x10000000 + 3 * P), ==, 0x10000000 + 3 * P);
	for (int i = 0; i < 3; i++)
		inject_touch(env, in, 0x10000000 + i * P, MM_PROT_WRITE);
	fake_munmap(env, a + P, 3 * P);
	fake_map(env, fixed + P, P, RO);
	inject_touch(env, in, fixed + P, MM_PROT_READ);
	g_assert_cmphex(do_brk(env->mm, 0x10000000 + P), ==, 0x10000000 + P);
	for (int i = 4; i < 8; i++)
		inject_touch(env, in, a + i * P, MM_PROT_READ);
	fake_check(env);
}

static void test_fail_after(gconstpointer data)
{
	const struct arch_mmu *arch = data;
	struct mm_phys *phys;
	struct mm_struct *mm = NULL;
	int64_t n;

	/* mm_create itself: the root table */
	g_assert_cmpint(mm_phys_create(FAKE_PHYS_SIZE, arch->page_shift, &phys), ==, 0);
	mm_phys_fail_after(phys, 0);
	g_assert_cmpint(mm_create(arch, phys, NULL, &mm), ==, -ENOMEM);
	g_assert_cmpuint(mm_phys_frames_in_use(phys), ==, 0);
	mm_phys_fail_after(phys, -1);
	g_assert_cmpint(mm_create(arch, phys, NULL, &mm), ==, 0);
	mm_destroy(mm);
	g_assert_cmpuint(mm_phys_frames_in_use(phys), ==, 0);
	mm_phys_destroy(phys);

	for (n = 0; n < 200; n++) {
		struct fake_env env;
		struct inject in = { 0 };

		fake_env_init(&env, data, FAKE_PHYS_SIZE);
		mm_phys_fail_after(env.phys, n);
		inject_script(&env, &in);
		mm_phys_fail_after(env.phys, -1);
		fake_check(&env);
		fake_env_finish(&env);
		if (!in.failures)
			break;
	}
	/* The script allocates fewer than 200 pages: some run went through unharmed. */
	g_assert_cmpint(n, <, 200);
	g_assert_cmpint(n, >=, 20);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	fake_add_test("/mm/mmap/top-down-fills-holes", test_top_down);
	fake_add_test("/mm/mmap/hint-honoured-when-free", test_hint);
	fake_add_test("/mm/mmap/fixed-replaces", test_fixed_replaces);
	fake_add_test("/mm/mmap/fixed-noreplace-eexist", test_fixed_noreplace);
	fake_add_test("/mm/mmap/bad-arguments", test_bad_args);
	fake_add_test("/mm/mmap/no-room-enomem", test_no_room);
	fake_add_test("/mm/fault/demand-zero-and-tlb-prot", test_demand_zero);
	fake_add_test("/mm/brk/grow-shrink-refuse", test_brk);
	fake_add_test("/mm/maps/stack-name", test_stack_name);
	fake_add_test("/mm/uaccess/copy-across-pages-and-holes", test_copy_user);
	fake_add_test("/mm/uaccess/strncpy-from-user", test_strncpy_user);
	fake_add_test("/mm/poke/read-only-vma-invalidates-code", test_poke);
	fake_add_test("/mm/phys/frames-reused", test_frames_reused);
	fake_add_test("/mm/phys/out-of-guest-memory", test_oom);
	fake_add_test("/mm/phys/fail-after-every-allocation", test_fail_after);
	return g_test_run();
}
