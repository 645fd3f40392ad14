/* SPDX-License-Identifier: MIT */
/* mincore: residency of anonymous pages as they are touched, zapped and unmapped. */
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"

static void show(const char *what, unsigned char *p, long page, int n)
{
	unsigned char vec[16];

	if (mincore(p, (size_t)n * page, vec)) {
		printf("%s: -1 %s\n", what, abi_errname(errno));
		return;
	}
	printf("%s: ", what);
	for (int i = 0; i < n; i++)
		putchar(vec[i] & 1 ? '1' : '0');
	putchar('\n');
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *p, *q, vec[4];
	volatile unsigned char sink;

	p = mmap(NULL, 12 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show("fresh", p, page, 12);
	p[0] = 1;
	p[3 * page] = 1;
	p[11 * page + 5] = 1;
	show("three written", p, page, 12);
	SHOW(madvise(p, 4 * page, MADV_DONTNEED));
	show("after DONTNEED", p, page, 12);
	q = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	show("MAP_POPULATE", q, page, 4);
	SHOW(munmap(p + 5 * page, page));
	show("hole", p, page, 12);
	SHOW(mincore(p + 1, page, vec));
	SHOW(mincore(p, page, (unsigned char *)8));
	sink = p[6 * page];
	(void)sink;
	show("read of a fresh page", p + 6 * page, page, 1);
	munmap(p, 12 * page);
	munmap(q, 4 * page);
	return 0;
}
