/* SPDX-License-Identifier: MIT */
/* /proc/self/status and /proc/self/smaps: the fields are there and make sense. */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"

static long field(const char *name)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, strlen(name)) && line[strlen(name)] == ':')
			v = strtol(line + strlen(name) + 1, NULL, 10);
	}
	if (f)
		fclose(f);
	return v;
}

int main(void)
{
	long rss0, rss1, size0, size1, page = sysconf(_SC_PAGESIZE);
	char line[512];
	int rss_lines = 0, size_lines = 0;
	unsigned char *p;
	FILE *f;

	printf("Pid present: %d\n", field("Pid") > 0);
	printf("Threads: %ld\n", field("Threads"));
	printf("VmPTE > 0: %d\n", field("VmPTE") > 0);
	size0 = field("VmSize");
	rss0 = field("VmRSS");
	p = mmap(NULL, 1024 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size1 = field("VmSize");
	printf("VmSize grew by the mapping: %d\n", size1 - size0 >= 1024 * page / 1024);
	memset(p, 1, 1024 * page);
	rss1 = field("VmRSS");
	printf("VmRSS grew by the pages touched: %d\n", rss1 - rss0 >= 1000 * page / 1024);
	munmap(p, 1024 * page);
	printf("VmRSS shrank again: %d\n", field("VmRSS") < rss1 - 900 * page / 1024);

	f = fopen("/proc/self/smaps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		rss_lines += !strncmp(line, "Rss:", 4);
		size_lines += !strncmp(line, "Size:", 5);
	}
	if (f)
		fclose(f);
	printf("smaps: Size lines %d, as many Rss lines %d\n", size_lines > 3, rss_lines == size_lines);
	f = fopen("/proc/self/status", "r");
	printf("status opened: %d\n", f != NULL);
	if (f) {
		int c, n = 0;

		while ((c = fgetc(f)) != EOF)
			n++;
		printf("status readable to the end: %d\n", n > 50);
		fclose(f);
	}
	return 0;
}
