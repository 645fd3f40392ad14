// SPDX-License-Identifier: MIT
/*
 * msg_guest MODE - the ways a guest ends or asks for something that mmuemu reports on
 * stderr (messages.sh checks the words):
 *  rt N     kill itself with signal N (a real-time one: named SIGRTMIN+n / SIGRTMAX-n)
 *  pipe     write to a pipe whose reader is gone: SIGPIPE, status 141, nothing on stderr
 *  nosys    call syscall 1000, 1000 again and 5000: each returns ENOSYS, each number is
 *           named once
 *  sigbus   read a MAP_PRIVATE file mapping past the end of its file
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(argv[1], "rt") && argc > 2) {
		syscall(SYS_kill, getpid(), atoi(argv[2]));
		return 3;
	}
	if (!strcmp(argv[1], "pipe")) {
		int p[2];

		if (pipe(p))
			return 4;
		close(p[0]);
		for (;;)
			if (write(p[1], "y\n", 2) < 0)
				return 5;
	}
	if (!strcmp(argv[1], "nosys")) {
		long a = syscall(1000), b = syscall(1000), c = syscall(5000);

		printf("syscall 1000: %ld %s\n", a, strerrorname_np(errno));
		printf("syscall 1000 again: %ld\nsyscall 5000: %ld %s\n", b, c,
		       strerrorname_np(errno));
		return 0;
	}
	if (!strcmp(argv[1], "sigbus")) {
		FILE *f = tmpfile();
		volatile char *p;

		if (!f || fputs("x", f) < 0 || fflush(f))
			return 6;
		p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fileno(f), 0);
		if (p == MAP_FAILED)
			return 7;
		return p[4096];
	}
	return 2;
}
