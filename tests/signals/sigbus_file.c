/* SPDX-License-Identifier: MIT */
/*
 * sigbus_file FILE - SIGBUS past the end of a file mapping: FILE is made one page long
 * and mapped two pages long; the second page is past EOF.
 */
#include <fcntl.h>

#include "sigtest.h"

static sigjmp_buf env;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr;

static void handler(int sig, siginfo_t *si, void *uc)
{
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	siglongjmp(env, 1);
}

int main(int argc, char **argv)
{
	static char buf[PAGE];
	uint8_t *p;
	int fd;

	if (argc < 2)
		die("usage: sigbus_file FILE");
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(buf, 'a', sizeof(buf));
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		printf("SKIP: no file to map\n");
		return 77;
	}
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		printf("SKIP: no file mapping\n");
		return 77;
	}
	on(SIGBUS, handler, 0);
	on(SIGSEGV, handler, 0);
	printf("first page: %c\n", p[100]);
	for (int i = 0; i < 2; i++) {
		if (sigsetjmp(env, 1) == 0) {
			if (i)
				((volatile uint8_t *)p)[PAGE + 0x20] = 1;
			else
				(void)((volatile uint8_t *)p)[PAGE + 0x10];
			printf("no fault\n");
		} else {
			printf("%s past EOF: %s %s si_addr=+0x%lx\n", i ? "write" : "read",
			       got_sig == SIGBUS ? "SIGBUS" : "other", code_name(got_sig, got_code),
			       (unsigned long)(got_addr - (uintptr_t)p));
		}
	}
	munmap(p, 2 * PAGE);
	close(fd);
	unlink(argv[1]);
	printf("done\n");
	return 0;
}
