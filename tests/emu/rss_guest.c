/* SPDX-License-Identifier: MIT */
/*
 * rss_guest N - N pairs of mmap and munmap of one page, each touched, so that every pair
 * allocates a table path and a frame and logs one unmap. rss.py runs it for 10^4 and for
 * 10^6 pairs and compares mmuemu's peak RSS: what mm/ keeps per unmap must be bounded.
 */
#include "guest.h"

int main(int argc, char **argv)
{
	const int prot = PROT_READ_LINUX | PROT_WRITE_LINUX;
	const int flags = MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX;
	unsigned long n = 0;

	for (const char *s = argc > 1 ? argv[1] : "0"; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (unsigned long)(*s - '0');
	for (unsigned long i = 0; i < n; i++) {
		uintptr_t p = guest_mmap(0, PAGE_SIZE_LINUX, prot, flags, "mmap");

		*(volatile uint64_t *)p = i;
		guest_munmap(p, PAGE_SIZE_LINUX, "munmap");
	}
	pr_str("pairs: ");
	pr_dec(n);
	pr_end();
	return 0;
}
