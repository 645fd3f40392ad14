/* SPDX-License-Identifier: MIT */
/*
 * segv_accerr - SEGV_ACCERR: a write to a PROT_READ page, a read of a PROT_NONE page and a
 * call into a page without PROT_EXEC; si_addr is the exact byte (the call: the target).
 */
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

static void report(const char *what, uint8_t *base)
{
	printf("%s: %s %s si_addr=+0x%lx\n", what, got_sig == SIGSEGV ? "SIGSEGV" : "other",
	       code_name(got_sig, got_code), (unsigned long)(got_addr - (uintptr_t)base));
}

int main(void)
{
	uint8_t *ro = map(2, PROT_READ | PROT_WRITE);

	ro[0x40] = 5;
	if (mprotect(ro, PAGE, PROT_READ) || mprotect(ro + PAGE, PAGE, PROT_NONE))
		die("mprotect");
	on(SIGSEGV, handler, 0);
	if (sigsetjmp(env, 1) == 0) {
		printf("read of the read-only page: %d\n", ((volatile uint8_t *)ro)[0x40]);
		((volatile uint8_t *)ro)[0x41] = 1;
		printf("write: no fault\n");
	} else {
		report("write to PROT_READ", ro);
	}
	if (sigsetjmp(env, 1) == 0) {
		(void)((volatile uint8_t *)ro)[PAGE + 0x321];
		printf("read: no fault\n");
	} else {
		report("read of PROT_NONE", ro);
	}
	if (mprotect(ro + PAGE, PAGE, PROT_READ | PROT_WRITE))
		die("mprotect");
	if (sigsetjmp(env, 1) == 0) {
		((void (*)(void))(ro + PAGE + 0x100))();
		printf("call: no fault\n");
	} else {
		report("call into PROT_READ|PROT_WRITE", ro);
	}
	printf("done\n");
	return 0;
}
