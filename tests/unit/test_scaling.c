// SPDX-License-Identifier: MIT
/*
 * test_scaling.c - costs follow what is mapped, counted in operations (mm_stats), not time:
 *  - N one-page mmaps that cannot merge (alternating protections) look at O(N) VMAs in
 *    all, not O(N^2): the gap search starts from its cache;
 *  - after munmaps open holes the search still finds the highest hole (the cache is reset);
 *  - MAP_POPULATE of a 64 TiB PROT_NONE range faults nothing and visits no page.
 */
#include "fake.h"

#define ANON (MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX)

static void test_many_mmaps(gconstpointer data)
{
	const unsigned n = 20000;
	struct fake_env env;
	int64_t first = 0, prev = 0, hole;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	for (unsigned i = 0; i < n; i++) {
		unsigned prot = i & 1 ? MM_PROT_READ : MM_PROT_READ | MM_PROT_WRITE;
		int64_t a = do_mmap(env.mm, 0, SZ_4K, prot, ANON, 0);

		g_assert_cmpint(a, >, 0);
		/* Top-down, each right below the one before. */
		if (i)
			g_assert_cmpint(a, ==, prev - (int64_t)SZ_4K);
		else
			first = a;
		prev = a;
	}
	g_assert_cmpint(env.mm->map_count, >=, (int)n);
	/* Each search looks at a bounded number of VMAs: a few per mmap, not n / 2. */
	g_assert_cmpuint(env.mm->stats.gap_search_steps, <=, 4 * (uint64_t)n);

	/* A hole opened high up is the next one used: the cache does not hide it. */
	hole = first - 100 * (int64_t)SZ_4K;
	g_assert_cmpint(do_munmap(env.mm, (uint64_t)hole, SZ_4K), ==, 0);
	g_assert_cmpint(do_mmap(env.mm, 0, SZ_4K, MM_PROT_EXEC, ANON, 0), ==, hole);
	/* A request larger than the cached length searches from the top again. */
	g_assert_cmpint(do_munmap(env.mm, (uint64_t)(first - 3 * SZ_4K), 2 * SZ_4K), ==, 0);
	g_assert_cmpint(do_mmap(env.mm, 0, 2 * SZ_4K, MM_PROT_EXEC, ANON, 0), ==,
			first - 3 * (int64_t)SZ_4K);
	fake_check(&env);
	fake_env_finish(&env);
}

static void test_populate_prot_none(gconstpointer data)
{
	const uint64_t len = UINT64_C(64) << 40;
	struct fake_env env;
	uint64_t tables;
	int64_t a;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	tables = env.mm->stats.tables_in_use;
	a = do_mmap(env.mm, 0, len, 0, ANON | MAP_NORESERVE_LINUX | MAP_POPULATE_LINUX, 0);
	g_assert_cmpint(a, >, 0);
	g_assert_cmpuint(env.mm->stats.populate_pages, ==, 0);
	g_assert_cmpuint(env.mm->stats.populate_vmas_skipped, ==, 1);
	g_assert_cmpuint(env.mm->stats.faults, ==, 0);
	g_assert_cmpuint(env.mm->stats.tables_in_use, ==, tables);

	/* An accessible populated mapping visits exactly its pages. */
	a = do_mmap(env.mm, 0, 16 * SZ_4K, MM_PROT_READ, ANON | MAP_POPULATE_LINUX, 0);
	g_assert_cmpint(a, >, 0);
	g_assert_cmpuint(env.mm->stats.populate_pages, ==, 16);
	fake_check(&env);
	fake_env_finish(&env);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	fake_add_test("/mm/scaling/many-one-page-mmaps", test_many_mmaps);
	fake_add_test("/mm/scaling/populate-prot-none", test_populate_prot_none);
	return g_test_run();
}
