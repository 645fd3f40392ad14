// SPDX-License-Identifier: MIT
/*
 * abi_guest - small ABI points checked against native x86_64 and qemu-aarch64 (run_ref.sh
 * compares stdout and the exit status):
 *  - a PROT_WRITE-only MAP_PRIVATE file mapping reads (x86 and arm64 give read with write),
 *    also after mprotect(PROT_WRITE), before and after its first write;
 *  - mmap(MAP_SHARED_VALIDATE | MAP_ANONYMOUS), a file offset whose end overflows;
 *  - getrandom() with invalid flags;
 *  - clock_gettime() on the CPU-time clocks, the process's and thread's own and the
 *    per-process and per-thread ids of the guest itself.
 * Each line prints a result or an errno name, never a value that differs between runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif

static void show(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: ok\n", what);
}

static void write_only_file(void)
{
	char path[] = "/tmp/mmuemu-abi-XXXXXX";
	int fd = mkstemp(path);
	volatile char *p;

	if (fd < 0 || write(fd, "hello, file", 11) != 11)
		exit(1);
	unlink(path);

	p = mmap(NULL, 4096, PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		exit(2);
	printf("PROT_WRITE private: reads '%c%c%c%c%c'\n", p[0], p[1], p[2], p[3], p[4]);
	p[0] = 'j';
	printf("PROT_WRITE private after a write: reads '%c%c%c%c%c'\n", p[0], p[1], p[2], p[3],
	       p[4]);
	munmap((void *)p, 4096);

	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED || mprotect((void *)p, 4096, PROT_WRITE))
		exit(3);
	printf("mprotect(PROT_WRITE) private: reads '%c%c%c%c%c'\n", p[0], p[1], p[2], p[3], p[4]);
	munmap((void *)p, 4096);

	/* Read first while PROT_READ (the page is cached), then mprotect(PROT_WRITE). */
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		exit(4);
	printf("touched: '%c'\n", p[7]);
	if (mprotect((void *)p, 4096, PROT_WRITE))
		exit(5);
	printf("touched, then mprotect(PROT_WRITE): reads '%c%c%c%c'\n", p[7], p[8], p[9], p[10]);
	munmap((void *)p, 4096);

	p = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		exit(6);
	printf("PROT_WRITE shared: reads '%c%c%c%c%c'\n", p[0], p[1], p[2], p[3], p[4]);
	munmap((void *)p, 4096);

	/* Offsets: pgoff + pages must not wrap (EOVERFLOW); a huge offset alone maps. */
	show("mmap offset whose end overflows",
	     (long)mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, (off_t)0x7ffffffffffff000) ==
	     -1 ? -1 : 0);
	close(fd);
}

static void cpu_clocks(void)
{
	struct timespec ts;
	clockid_t id;

	show("clock_gettime(CLOCK_PROCESS_CPUTIME_ID)",
	     clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts));
	show("clock_gettime(CLOCK_THREAD_CPUTIME_ID)", clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts));
	if (clock_getcpuclockid(getpid(), &id) == 0)
		show("clock_gettime(clock_getcpuclockid(getpid()))", clock_gettime(id, &ts));
	if (clock_getcpuclockid(0, &id) == 0)
		show("clock_gettime(clock_getcpuclockid(0))", clock_gettime(id, &ts));
	if (pthread_getcpuclockid(pthread_self(), &id) == 0)
		show("clock_gettime(pthread_getcpuclockid(self))", clock_gettime(id, &ts));
	/* The per-thread id of the guest's own tid (CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED). */
	id = (clockid_t)((~(unsigned)gettid() << 3) | 4 | 2);
	show("clock_gettime(per-thread sched clock of gettid())", clock_gettime(id, &ts));
	show("clock_getres(CLOCK_PROCESS_CPUTIME_ID)", clock_getres(CLOCK_PROCESS_CPUTIME_ID, &ts));
	/* A CPU clock id of a pid that does not exist. */
	id = (clockid_t)((~(unsigned)999999 << 3) | 2);
	show("clock_gettime(CPU clock of pid 999999)", clock_gettime(id, &ts));
	/* Clock type 3 is invalid. */
	id = (clockid_t)((~(unsigned)getpid() << 3) | 3);
	show("clock_gettime(CPU clock type 3)", clock_gettime(id, &ts));
}

int main(void)
{
	char buf[8];
	void *p;

	setvbuf(stdout, NULL, _IONBF, 0);
	write_only_file();

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0);
	show("mmap(MAP_SHARED_VALIDATE | MAP_ANONYMOUS)", p == MAP_FAILED ? -1 : 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x800000,
		 -1, 0);
	show("mmap(MAP_SHARED_VALIDATE | MAP_ANONYMOUS | unknown flag)", p == MAP_FAILED ? -1 : 0);

	show("getrandom(flags 0x100)", getrandom(buf, sizeof(buf), 0x100));
	show("getrandom(GRND_NONBLOCK | GRND_RANDOM)",
	     getrandom(buf, sizeof(buf), GRND_NONBLOCK | GRND_RANDOM));
	show("getrandom(GRND_INSECURE)", getrandom(buf, sizeof(buf), 0x4));
	show("getrandom(GRND_INSECURE | GRND_RANDOM)", getrandom(buf, sizeof(buf), 0x4 | 0x2));

	cpu_clocks();
	return 0;
}
