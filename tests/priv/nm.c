/* SPDX-License-Identifier: MIT */
/*
 * nm.c [handled] - floating point after every syscall, run by mmuemu under
 * --inject=lazy-fpu, where each first FPU or SSE instruction after a syscall raises #NM
 * (CR0.TS), as under a kernel that switches FPU state lazily. Linux clears a stray TS and
 * carries on (exc_device_not_available()), so the program must print what it prints
 * natively: with "handled", handlers for SIGSEGV, SIGFPE and SIGILL are installed and must
 * never run; without, nothing may kill it. x86_64 only.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_sig(int sig)
{
	caught = sig;
	_exit(3);
}

int main(int argc, char **argv)
{
	volatile double x = 1.5, acc = 0;
	volatile long double lx = 2.25L;
	volatile float f = 0.5f;

	if (argc > 1 && !strcmp(argv[1], "handled")) {
		signal(SIGSEGV, on_sig);
		signal(SIGFPE, on_sig);
		signal(SIGILL, on_sig);
	}
	for (int i = 0; i < 20; i++) {
		getppid();		/* a syscall: the next FPU use traps */
		acc += x * i;		/* SSE2 */
		getppid();
		lx = lx * 1.5L;		/* x87 */
		getppid();
		f = f + 0.25f;		/* SSE */
	}
	printf("acc %.3f lx %.3Lf f %.3f caught %d\n", acc, lx, f, caught);
	return 0;
}
