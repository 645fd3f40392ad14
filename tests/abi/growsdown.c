/* SPDX-License-Identifier: MIT */
/* MAP_GROWSDOWN: a touch below the mapping grows it, as the stack grows. */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"

static long page;

static void show(const char *what, uintptr_t base, uintptr_t end)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	printf("-- %s\n", what);
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) == 3 && e > base && s < end)
			printf("growsdown %+ld..%+ld %s\n", (long)(s - base) / page,
			       (long)(e - base) / page, perms);
	}
	if (f)
		fclose(f);
}

int main(void)
{
	unsigned char *r, *g;
	uintptr_t top;

	page = sysconf(_SC_PAGESIZE);
	/* Room far from any other mapping: more than the stack guard gap below. */
	r = mmap(NULL, 2048 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SHOW(munmap(r, 2048 * page));
	top = (uintptr_t)r + 2040 * page;
	g = mmap((void *)(top - 4 * page), 4 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1, 0);
	SHOW(g == (unsigned char *)(top - 4 * page));
	g[0] = 1;
	show("mapped 4 pages", top - 16 * page, top);
	g[-1] = 2;
	show("touched 1 byte below", top - 16 * page, top);
	g[-5 * (long)page] = 3;
	show("touched 5 pages below", top - 16 * page, top);
	printf("values %d %d %d, below reads zero %d\n", g[0], g[-1], g[-5 * page], g[-3 * page]);
	SHOW(munmap((void *)(top - 16 * page), 16 * page));
	return 0;
}
