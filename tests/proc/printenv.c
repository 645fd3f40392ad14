/* SPDX-License-Identifier: MIT */
/* printenv.c - the environment, one variable a line, as envp and /proc/self/environ give it. */
#include <stdio.h>
#include <string.h>

#include "proctest.h"

extern char **environ;

int main(void)
{
	static char buf[1 << 20];
	size_t n = read_file("/proc/self/environ", buf, sizeof(buf)), w = 0;
	int same = 1;

	for (char **e = environ; *e; e++) {
		printf("%s\n", *e);
		same &= w + strlen(*e) < n && !strcmp(buf + w, *e);
		w += strlen(*e) + 1;
	}
	printf("# /proc/self/environ is envp: %d\n", same && w == n);
	return 0;
}
