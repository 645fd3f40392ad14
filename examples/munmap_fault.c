/* SPDX-License-Identifier: MIT */
/*
 * munmap_fault - a read from a page that munmap(2) took away must be a SIGSEGV.
 *
 *   0 1 2        (one column = one 4 KiB page of the mapping)
 *   A A A        mmap 3 pages, write a distinct value into each
 *   A . A        munmap page 1: pages 0 and 2 keep their values
 *   A x A        read page 1: SIGSEGV (SEGV_MAPERR), exit status 139
 *
 * Nothing printed depends on where the mapping landed, so the output is the same natively,
 * under qemu-user and under mmuemu. Under mmuemu the fault report on stderr names the
 * munmap that unmapped the address.
 */
#include "guest.h"

#define NR_PAGES 3

static uint64_t page_value(unsigned int i)
{
	return 0x6d6d75656d750000ull + 0x100 * (i + 1);
}

int main(int argc, char **argv)
{
	uintptr_t base;
	unsigned int i;

	base = guest_mmap(0, NR_PAGES * PAGE_SIZE_LINUX, PROT_READ_LINUX | PROT_WRITE_LINUX,
			  MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX, "mmap");
	pr_str("mapped 3 pages");
	pr_end();

	for (i = 0; i < NR_PAGES; i++) {
		poke(base + i * PAGE_SIZE_LINUX, page_value(i));
		pr_str("page ");
		pr_dec(i);
		pr_str(" <- ");
		pr_hex(page_value(i));
		pr_end();
	}

	guest_munmap(base + PAGE_SIZE_LINUX, PAGE_SIZE_LINUX, "munmap");
	pr_str("unmapped page 1");
	pr_end();

	for (i = 0; i < NR_PAGES; i += 2) {
		uint64_t v = peek(base + i * PAGE_SIZE_LINUX);

		pr_str("page ");
		pr_dec(i);
		pr_str(" -> ");
		pr_hex(v);
		pr_str(v == page_value(i) ? " (kept)" : " (WRONG)");
		pr_end();
		if (v != page_value(i))
			return 1;
	}

	pr_str("touching page 1 at offset ");
	pr_hex(PAGE_SIZE_LINUX);
	pr_end();
	peek(base + PAGE_SIZE_LINUX);

	pr_str("error: the read of the unmapped page did not fault");
	pr_end_fd(2);
	return 2;
}
