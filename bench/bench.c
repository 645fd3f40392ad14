/* SPDX-License-Identifier: MIT */
/*
 * bench - workloads for timing mmuemu against native runs and qemu-user.
 *
 *   bench mm N        N rounds of: mmap 16 pages, write each (16 demand faults), munmap
 *                     (a teardown with a TLB flush). Costs fall on the mm layer.
 *   bench compute N   N rounds of integer arithmetic on registers and a 16 KiB table:
 *                     costs fall on the translated code and TLB hits.
 *   bench maps N      N one-page mmaps that cannot merge (alternating protections), one
 *                     read each, then N munmaps: the cost of the VMA tree and of the gap
 *                     search with N VMAs (65523 is just under Linux's max_map_count).
 *
 * Both print one checksum line, the same on every runner, so a run that went wrong shows.
 */
#include "guest.h"

#define MM_PAGES 16
#define TABLE_WORDS 2048

static uint64_t table[TABLE_WORDS];

static uint64_t parse_u64(const char *s)
{
	uint64_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

static uint64_t bench_mm(uint64_t rounds)
{
	uint64_t sum = 0, r;
	unsigned int i;

	for (r = 0; r < rounds; r++) {
		uintptr_t p = guest_mmap(0, MM_PAGES * PAGE_SIZE_LINUX,
					 PROT_READ_LINUX | PROT_WRITE_LINUX,
					 MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX, "mmap");

		for (i = 0; i < MM_PAGES; i++)
			poke(p + i * PAGE_SIZE_LINUX, r + i);
		for (i = 0; i < MM_PAGES; i++)
			sum += peek(p + i * PAGE_SIZE_LINUX);
		guest_munmap(p, MM_PAGES * PAGE_SIZE_LINUX, "munmap");
	}
	return sum;
}

static uint64_t bench_maps(uint64_t n)
{
	uint64_t sum = 0, i, first = 0;

	for (i = 0; i < n; i++) {
		unsigned int prot = i & 1 ? PROT_READ_LINUX : PROT_READ_LINUX | PROT_WRITE_LINUX;
		uintptr_t p = guest_mmap(0, PAGE_SIZE_LINUX, prot,
					 MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX, "mmap");

		if (!i)
			first = p;
		sum += peek(p) + (first - p) / PAGE_SIZE_LINUX;
	}
	for (i = 0; i < n; i++)
		guest_munmap(first - i * PAGE_SIZE_LINUX, PAGE_SIZE_LINUX, "munmap");
	return sum;
}

static uint64_t bench_compute(uint64_t rounds)
{
	uint64_t x = 0x9e3779b97f4a7c15ull, sum = 0, r;

	for (r = 0; r < TABLE_WORDS; r++)
		table[r] = r * 0x100000001b3ull;
	for (r = 0; r < rounds; r++) {
		/* xorshift64, then a table read and write that depend on it */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += table[x % TABLE_WORDS] ^ x;
		table[r % TABLE_WORDS] += sum;
	}
	return sum;
}

int main(int argc, char **argv)
{
	uint64_t rounds, sum;

	if (argc != 3)
		goto usage;
	rounds = parse_u64(argv[2]);
	if (guest_streq(argv[1], "mm"))
		sum = bench_mm(rounds);
	else if (guest_streq(argv[1], "maps"))
		sum = bench_maps(rounds);
	else if (guest_streq(argv[1], "compute"))
		sum = bench_compute(rounds);
	else
		goto usage;

	pr_str(argv[1]);
	pr_str(" ");
	pr_dec(rounds);
	pr_str(": checksum ");
	pr_hex(sum);
	pr_end();
	return 0;

usage:
	pr_str("usage: bench mm|maps|compute ROUNDS");
	pr_end_fd(2);
	return 2;
}
