/* SPDX-License-Identifier: MIT */
/*
 * altstack - a stack overflow caught on the alternate stack: infinite recursion runs into
 * the end of the stack, the SIGSEGV handler (SA_ONSTACK) runs on the sigaltstack, checks
 * where it is, and siglongjmps back. sigaltstack's own rules are checked on the way.
 */
#include <errno.h>

#include <ucontext.h>

#include "sigtest.h"

#define ALT_SIZE (64 * 1024)
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)	/* Linux 4.7; not in every libc's headers */
#endif

static sigjmp_buf env;
static uint8_t *alt;
static volatile int on_alt, ss_onstack, eperm, got_code, uc_flags, uc_sp_ok;
static volatile unsigned long depth;

static void handler(int sig, siginfo_t *si, void *uc)
{
	stack_t ss, cur;
	uint8_t here;

	on_alt = &here > alt && &here < alt + ALT_SIZE;
	got_code = si->si_code;
	uc_flags = ((ucontext_t *)uc)->uc_stack.ss_flags;
	uc_sp_ok = ((ucontext_t *)uc)->uc_stack.ss_sp == alt;
	if (sigaltstack(NULL, &cur) == 0)
		ss_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	eperm = sigaltstack(&ss, NULL) < 0 && errno == EPERM;
	siglongjmp(env, 1);
}

#pragma GCC diagnostic ignored "-Winfinite-recursion"
static unsigned long recurse(unsigned long n)
{
	volatile uint8_t pad[512];

	pad[0] = (uint8_t)n;
	depth = n;
	return recurse(n + 1) + pad[0];
}

/*
 * Linux: the access below the stack finds no VMA, SEGV_MAPERR. qemu-user (the arm64 and
 * riscv64 reference) guards the guest stack with a PROT_NONE page and reports SEGV_ACCERR:
 * shown as Linux's.
 */
static int overflow_code(int code)
{
#if defined(__aarch64__) || defined(__riscv)
	if (code == SEGV_ACCERR)
		return SEGV_MAPERR;
#endif
	return code;
}

/* SS_AUTODISARM: the stack is disabled while the handler runs, back after rt_sigreturn. */
static void usr1(int sig, siginfo_t *si, void *uc)
{
	stack_t cur;
	uint8_t here;
	char buf[128];

	sigaltstack(NULL, &cur);
	snprintf(buf, sizeof(buf), "  SIGUSR1 on_altstack=%d now: flags=%#x size=%zu uc_stack: "
		 "flags=%#x\n", &here > alt && &here < alt + ALT_SIZE, (unsigned)cur.ss_flags,
		 cur.ss_size, (unsigned)((ucontext_t *)uc)->uc_stack.ss_flags);
	say(buf);
}

int main(void)
{
	stack_t ss, old;

	alt = map(ALT_SIZE / PAGE, PROT_READ | PROT_WRITE);
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = alt;
	ss.ss_size = 1024;
	printf("tiny stack: %s\n", sigaltstack(&ss, NULL) < 0 && errno == ENOMEM ? "ENOMEM" : "?");
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0x1234;
	printf("bad flags: %s\n", sigaltstack(&ss, NULL) < 0 && errno == EINVAL ? "EINVAL" : "?");
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		die("sigaltstack");
	if (sigaltstack(NULL, &old))
		die("sigaltstack query");
	printf("set: sp=+0x%lx size=%zu flags=%d\n", (unsigned long)((uint8_t *)old.ss_sp - alt),
	       old.ss_size, old.ss_flags);
	on(SIGSEGV, handler, SA_ONSTACK);
	for (int round = 1; round <= 2; round++) {
		if (sigsetjmp(env, 1) == 0) {
			recurse(0);
			printf("recursion ended?\n");
		} else {
			printf("round %d: overflow caught: %s on_altstack=%d SS_ONSTACK=%d "
			       "change_while_on=%s deep=%d uc_stack: flags=%d sp_ok=%d\n", round,
			       code_name(SIGSEGV, overflow_code(got_code)), on_alt, ss_onstack,
			       eperm ? "EPERM" : "?", depth > 1000, uc_flags, uc_sp_ok);
		}
	}
	if (sigaltstack(NULL, &old))
		die("sigaltstack query");
	printf("after: flags=%d\n", old.ss_flags);
#if defined(__x86_64__)
	/* (qemu-user 7.2, the arm64 reference, refuses SS_AUTODISARM: x86_64 only.) */
	ss.ss_flags = SS_AUTODISARM;
	if (sigaltstack(&ss, NULL))
		die("SS_AUTODISARM");
	on(SIGUSR1, usr1, SA_ONSTACK);
	printf("SS_AUTODISARM:\n");
	fflush(stdout);
	raise(SIGUSR1);
	if (sigaltstack(NULL, &old))
		die("sigaltstack query");
	printf("  after sigreturn: flags=%#x size=%zu\n", (unsigned)old.ss_flags, old.ss_size);
#endif
	ss.ss_flags = SS_DISABLE;
	if (sigaltstack(&ss, NULL) || sigaltstack(NULL, &old))
		die("disable");
	printf("disabled: flags=%d size=%zu\n", old.ss_flags, old.ss_size);
	return 0;
}
