/* SPDX-License-Identifier: MIT */
/* What a libc asks at start-up and a little after, printed where it cannot vary. */
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"

static __thread int tls_value = 42;

int main(int argc, char **argv)
{
	(void)argc;
	struct utsname u;
	struct rlimit rl;
	struct timespec t0, t1, req = { 0, 2000000 };
	struct timeval tv;
	struct rusage ru;
	struct sysinfo si;
	cpu_set_t set;
	unsigned char rnd[64] = { 0 };
	char exe[4096], *base;
	long n;

	printf("tls %d\n", tls_value);
	tls_value++;
	printf("tls %d\n", tls_value);
	SHOW(uname(&u));
	printf("sysname %s machine %s\n", u.sysname, u.machine);
	SHOW(getrlimit(RLIMIT_STACK, &rl));
	printf("stack limit >= 8M: %d\n", rl.rlim_cur >= 8u << 20);
	SHOW(getrlimit(RLIMIT_NOFILE, &rl));
	SHOW(getrlimit(1000, &rl));
	SHOW(getrandom(rnd, sizeof(rnd), 0));
	n = 0;
	for (size_t i = 0; i < sizeof(rnd); i++)
		n += rnd[i] != 0;
	printf("random bytes mostly set: %d\n", n > 40);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	base = strrchr(argv[0], '/');
	printf("exe absolute %d, ends with argv[0]'s name %d\n", exe[0] == '/',
	       strstr(exe, base ? base : argv[0]) != NULL);
	SHOW(readlink("/proc/self/exe", exe, 0));
	SHOW(getpid() == getpid() && getpid() > 0);
	SHOW(getppid() > 0);
	SHOW(syscall(SYS_gettid) == getpid());
	SHOW(getuid() == geteuid() && getgid() == getegid());
	SHOW(clock_gettime(CLOCK_MONOTONIC, &t0));
	SHOW(nanosleep(&req, NULL));
	SHOW(clock_gettime(CLOCK_MONOTONIC, &t1));
	printf("slept: %d\n", (t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec >= 2000000);
	SHOW(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
	SHOW(gettimeofday(&tv, NULL));
	printf("time agrees: %d\n", labs((long)time(NULL) - (long)tv.tv_sec) <= 2);
	SHOW(clock_gettime(CLOCK_REALTIME, &t0));
	SHOW(syscall(SYS_clock_gettime, 12345, &t0));
	SHOW(sched_getaffinity(0, sizeof(set), &set));
	printf("cpus >= 1: %d\n", CPU_COUNT(&set) >= 1);
	SHOW(sched_yield());
	SHOW(getrusage(RUSAGE_SELF, &ru));
	SHOW(sysinfo(&si));
	printf("memory > 0: %d\n", si.totalram > 0 && si.mem_unit > 0);
	SHOW(syscall(SYS_rseq, NULL, 0, 0, 0) == -1);
	SHOW(syscall(SYS_set_tid_address, NULL) > 0);
#ifdef __x86_64__
	{
		unsigned long fs = 0, gs = 0, v = 0x1234000;

		SHOW(syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs));
		printf("fs set: %d\n", fs != 0);
		SHOW(syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, v));
		SHOW(syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &gs));
		printf("gs: %lx\n", gs);
		SHOW(syscall(SYS_arch_prctl, 0x1003, (void *)16));
		SHOW(syscall(SYS_arch_prctl, 0x9999, 0));
	}
#endif
	{
		char *big = malloc(10 << 20), *small = malloc(100);

		memset(big, 1, 10 << 20);
		printf("malloc: %d %d\n", big != NULL, small != NULL);
		free(big);
		free(small);
	}
	SHOW(syscall(9999));
	exit(3);
}
