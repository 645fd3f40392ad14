/* SPDX-License-Identifier: MIT */
/*
 * segv_munmap - catch SIGSEGV after munmap, read si_code and si_addr, recover with
 * siglongjmp and fault again on another hole: what test suites do to check munmap.
 */
#include "sigtest.h"

static sigjmp_buf env;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr;

static void handler(int sig, siginfo_t *si, void *uc)
{
	got_sig = si->si_signo;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	if (sig != si->si_signo)
		say("signo mismatch\n");
	siglongjmp(env, 1);
}

static void touch(uint8_t *base, size_t off, int write)
{
	got_sig = 0;
	if (sigsetjmp(env, 1) == 0) {
		if (write)
			((volatile uint8_t *)base)[off] = 1;
		else
			(void)((volatile uint8_t *)base)[off];
		printf("%s at +0x%zx: no fault\n", write ? "write" : "read", off);
	} else {
		printf("%s at +0x%zx: %s %s si_addr=+0x%lx\n", write ? "write" : "read", off,
		       got_sig == SIGSEGV ? "SIGSEGV" : "other", code_name(got_sig, got_code),
		       (unsigned long)(got_addr - (uintptr_t)base));
	}
}

int main(void)
{
	uint8_t *base = map(6, PROT_READ | PROT_WRITE);
	sigset_t set;

	memset(base, 7, 6 * PAGE);
	on(SIGSEGV, handler, 0);
	if (munmap(base + PAGE, PAGE) || munmap(base + 3 * PAGE, 2 * PAGE))
		die("munmap");
	touch(base, 0x10, 0);
	touch(base, PAGE + 0x123, 0);
	touch(base, 2 * PAGE + 8, 1);
	touch(base, 3 * PAGE + 0x800, 1);
	touch(base, 4 * PAGE + 0xff8, 0);
	touch(base, 5 * PAGE, 0);
	/* siglongjmp restored the mask: SIGSEGV is not blocked any more. */
	sigprocmask(SIG_BLOCK, NULL, &set);
	printf("SIGSEGV blocked after siglongjmp: %d\n", sigismember(&set, SIGSEGV));
	munmap(base, 6 * PAGE);
	touch(base, 2 * PAGE + 8, 0);
	printf("done\n");
	return 0;
}
