// SPDX-License-Identifier: MIT
/*
 * test_unmaplog.c - the unmap log is a bounded ring: after three times MM_UNMAP_LOG_SIZE
 * munmaps it holds MM_UNMAP_LOG_SIZE records, the latest MM_UNMAP_LOG_SIZE unmaps are
 * found (newest first when two cover an address), and older ones are gone.
 */
#include "fake.h"

#define RW (MM_PROT_READ | MM_PROT_WRITE)
#define BASE UINT64_C(0x10000000)

static void test_unmap_log_ring(gconstpointer data)
{
	const uint64_t total = 3 * MM_UNMAP_LOG_SIZE;
	const struct mm_unmap_record *r;
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	for (uint64_t i = 0; i < total; i++) {
		fake_map(&env, BASE + i * SZ_4K, SZ_4K, RW);
		g_assert_cmpint(do_munmap(env.mm, BASE + i * SZ_4K, SZ_4K), ==, 0);
	}
	g_assert_cmpuint(((GArray *)env.mm->unmap_log)->len, ==, MM_UNMAP_LOG_SIZE);
	g_assert_cmpuint(env.mm->nr_unmap_logged, ==, total);

	/* The newest and the oldest kept are found, with their own range. */
	r = mm_find_unmap(env.mm, BASE + (total - 1) * SZ_4K);
	g_assert_nonnull(r);
	g_assert_cmpuint(r->start, ==, BASE + (total - 1) * SZ_4K);
	r = mm_find_unmap(env.mm, BASE + (total - MM_UNMAP_LOG_SIZE) * SZ_4K + 8);
	g_assert_nonnull(r);
	g_assert_cmpuint(r->start, ==, BASE + (total - MM_UNMAP_LOG_SIZE) * SZ_4K);
	/* The one before has given way, and so has the first. */
	g_assert_null(mm_find_unmap(env.mm, BASE + (total - MM_UNMAP_LOG_SIZE - 1) * SZ_4K));
	g_assert_null(mm_find_unmap(env.mm, BASE));

	/* A later unmap of the same address is the one found. */
	fake_map(&env, BASE + (total - 1) * SZ_4K, 2 * SZ_4K, RW);
	g_assert_cmpint(do_munmap(env.mm, BASE + (total - 1) * SZ_4K, 2 * SZ_4K), ==, 0);
	r = mm_find_unmap(env.mm, BASE + (total - 1) * SZ_4K);
	g_assert_nonnull(r);
	g_assert_cmpuint(r->end - r->start, ==, 2 * SZ_4K);
	g_assert_cmpuint(((GArray *)env.mm->unmap_log)->len, ==, MM_UNMAP_LOG_SIZE);
	fake_env_finish(&env);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	fake_add_test("/mm/unmap-log/ring", test_unmap_log_ring);
	return g_test_run();
}
