// SPDX-License-Identifier: MIT
/*
 * test_scaling.c - costs follow what is mapped, counted in operations (mm_stats), not time:
 *  - N one-page mmaps that cannot merge (alternating protections) look at O(N) VMAs in
 *    all, not O(N^2): the gap search starts from its cache;
 *  - after munmaps open holes the search still finds the highest hole (the cache is reset);
 *  - MAP_POPULATE of a 64 TiB PROT_NONE range faults nothing and visits no page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * rss and smaps of a 1 TiB mapping with two pages touched, one at each end, count those two
 * and read a few thousand entries at most, not 2^28 pages.
 */
static void test_rss_of_huge_mapping(gconstpointer data)
{
	const uint64_t start = UINT64_C(0x100000000000), len = UINT64_C(1) << 40;
	struct mm_rss rss = { 0 };
	struct fake_env env;
	uint64_t before, lookups;
	char *buf = NULL;
	size_t size = 0;
	FILE *out;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	fake_map(&env, start, len, MM_PROT_READ | MM_PROT_WRITE);
	fake_write64(&env, start, 1);
	fake_write64(&env, start + len - 8, 2);
	before = env.mm->stats.range_entries_read;
	lookups = env.mm->stats.leaf_lookups;
	mm_count_rss(env.mm, start, start + len, &rss);
	/* The pages of the two last-level tables that exist, not the 2^28 of the range. */
	g_assert_cmpuint(env.mm->stats.leaf_lookups - lookups, <=, 2 * 512 + 2);
	g_assert_cmpuint(rss.rss, ==, 2);
	g_assert_cmpuint(rss.dirty, ==, 2);
	g_test_message("count_rss read %" G_GUINT64_FORMAT " entries",
		       env.mm->stats.range_entries_read - before);
	g_assert_cmpuint(env.mm->stats.range_entries_read - before, <, 4 * 512 * 7);

	before = env.mm->stats.range_entries_read;
	lookups = env.mm->stats.leaf_lookups;
	out = open_memstream(&buf, &size);
	mm_dump_smaps(env.mm, out);
	fclose(out);
	g_assert_nonnull(strstr(buf, "Rss:                   8 kB"));
	g_assert_cmpuint(env.mm->stats.leaf_lookups - lookups, <=, 2 * 512 + 2);
	g_assert_cmpuint(env.mm->stats.range_entries_read - before, <, 4 * 512 * 7);
	free(buf);
	fake_env_finish(&env);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	fake_add_test("/mm/scaling/many-one-page-mmaps", test_many_mmaps);
	fake_add_test("/mm/scaling/populate-prot-none", test_populate_prot_none);
	fake_add_test("/mm/scaling/rss-of-huge-mapping", test_rss_of_huge_mapping);
	return g_test_run();
}
