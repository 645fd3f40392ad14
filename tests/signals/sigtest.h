/* SPDX-License-Identifier: MIT */
/*
 * sigtest.h - helpers shared by the signal guests. Each guest prints only what is the
 * same on every run and under every runner (native, qemu-aarch64, mmuemu): offsets into
 * its own mappings, never absolute addresses.
 */
#ifndef SIGTEST_H
#define SIGTEST_H

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static void die(const char *what)
{
	printf("FAIL: %s\n", what);
	fflush(stdout);
	exit(1);
}

static void on(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		die("sigaction");
}

/* write(2) from a handler: no stdio there. */
static void say(const char *s)
{
	ssize_t r = write(1, s, strlen(s));

	(void)r;
}

static const char *code_name(int sig, int code)
{
	if (code == SI_USER)
		return "SI_USER";
	if (code == SI_TKILL)
		return "SI_TKILL";
	if (code == SI_KERNEL)
		return "SI_KERNEL";
	switch (sig) {
	case SIGSEGV:
		return code == SEGV_MAPERR ? "SEGV_MAPERR" : code == SEGV_ACCERR ? "SEGV_ACCERR" : "?";
	case SIGBUS:
		return code == BUS_ADRERR ? "BUS_ADRERR" : code == BUS_ADRALN ? "BUS_ADRALN" : "?";
	case SIGILL:
		return code == ILL_ILLOPC ? "ILL_ILLOPC" : code == ILL_ILLOPN ? "ILL_ILLOPN" : "?";
	case SIGFPE:
		return code == FPE_INTDIV ? "FPE_INTDIV" : "?";
	case SIGTRAP:
		return code == TRAP_BRKPT ? "TRAP_BRKPT" : "?";
	default:
		return "?";
	}
}

static uint8_t *map(size_t pages, int prot)
{
	void *p = mmap(NULL, pages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

#endif
