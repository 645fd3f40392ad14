/* SPDX-License-Identifier: MIT */
/*
 * /proc/self/maps after each munmap: the lines of one region, addresses as page offsets
 * from its start, with their permissions; and the program's own file-backed lines.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"

static long page;

static void show(const char *what, uintptr_t base, uintptr_t end)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	printf("-- %s\n", what);
	if (!f) {
		printf("fopen: %s\n", abi_errname(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) != 3)
			continue;
		if (e <= base || s >= end)
			continue;
		printf("%+ld..%+ld %s\n", (long)(s - base) / page, (long)(e - base) / page, perms);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	(void)argc;
	char line[512], *self = strrchr(argv[0], '/');
	uintptr_t b;
	unsigned char *p;
	FILE *f;
	int exe_lines = 0, exe_x = 0, heap = 0, stack = 0;

	page = sysconf(_SC_PAGESIZE);
	self = self ? self + 1 : argv[0];
	/* Guard pages on both sides, so that nothing merges with the region. */
	p = mmap(NULL, 34 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p += page;
	b = (uintptr_t)p;
	SHOW(mprotect(p - page, page, PROT_NONE));
	SHOW(mprotect(p + 32 * page, page, PROT_NONE));
	show("fresh", b, b + 32 * page);
	SHOW(mprotect(p + 8 * page, 8 * page, PROT_READ));
	show("mprotect 8..16 read-only", b, b + 32 * page);
	SHOW(munmap(p + 2 * page, page));
	show("munmap 2", b, b + 32 * page);
	SHOW(munmap(p + 10 * page, 4 * page));
	show("munmap 10..14", b, b + 32 * page);
	SHOW(munmap(p + 20 * page, 12 * page));
	show("munmap 20..32", b, b + 32 * page);
	SHOW(munmap(p, 2 * page));
	show("munmap 0..2", b, b + 32 * page);
	SHOW(mprotect(p + 3 * page, 5 * page, PROT_NONE));
	show("mprotect 3..8 none", b, b + 32 * page);
	SHOW(munmap(p - page, page));
	SHOW(munmap(p + 32 * page, page));
	SHOW(munmap(p, 32 * page));
	show("munmap all", b - page, b + 33 * page);

	f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, '/');

		if (name && !strncmp(name + 1, self, strlen(self)) && name[1 + strlen(self)] == '\n') {
			exe_lines++;
			exe_x += strstr(line, " r-xp ") != NULL;
		}
		heap += strstr(line, "[heap]") != NULL;
		stack += strstr(line, "[stack]") != NULL;
	}
	if (f)
		fclose(f);
	printf("program lines: %d, executable one: %d, stack: %d\n", exe_lines > 0, exe_x, stack);
	(void)heap;
	return 0;
}
