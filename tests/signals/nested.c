/* SPDX-License-Identifier: MIT */
/*
 * nested - signals inside handlers: SA_NODEFER lets a handler take its own signal again at
 * once; without it the second one waits until the handler returns (rt_sigreturn restores
 * the mask). Also: a blocked signal stays pending until unblocked, si_code and si_pid of
 * kill and raise, uc_sigmask holding the interrupted mask.
 */
#include <ucontext.h>

#include "sigtest.h"

static volatile int depth, calls;

static void put(const char *s, int n)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s %d\n", s, n);
	say(buf);
}

static void nodefer(int sig, siginfo_t *si, void *uc)
{
	int me = ++depth;

	put("  nodefer enter", me);
	if (me < 3)
		raise(SIGUSR1);
	put("  nodefer leave", me);
	depth--;
}

static void deferred(int sig, siginfo_t *si, void *uc)
{
	int me = ++calls;
	ucontext_t *u = uc;

	put("  deferred enter", me);
	put("  uc_sigmask has SIGUSR2", sigismember(&u->uc_sigmask, SIGUSR2));
	put("  uc_sigmask has SIGHUP", sigismember(&u->uc_sigmask, SIGHUP));
	if (me == 1)
		raise(SIGUSR2);
	put("  deferred leave", me);
}

static void info(int sig, siginfo_t *si, void *uc)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "  %s: %s pid_is_me=%d\n", sig == SIGHUP ? "SIGHUP" : "?",
		 code_name(sig, si->si_code), si->si_pid == getpid());
	say(buf);
}

int main(void)
{
	sigset_t set, pend;

	setvbuf(stdout, NULL, _IONBF, 0);
	on(SIGUSR1, nodefer, SA_NODEFER);
	on(SIGUSR2, deferred, 0);
	on(SIGHUP, info, 0);

	printf("SA_NODEFER:\n");
	raise(SIGUSR1);
	printf("without SA_NODEFER:\n");
	raise(SIGUSR2);

	printf("blocked:\n");
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGHUP);
	sigpending(&pend);
	printf("  pending SIGHUP=%d SIGUSR1=%d\n", sigismember(&pend, SIGHUP),
	       sigismember(&pend, SIGUSR1));
	printf("  unblocking\n");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	sigpending(&pend);
	printf("  pending after: %d\n", sigismember(&pend, SIGHUP));
	printf("raise:\n");
	raise(SIGHUP);
	printf("blocked while SIGUSR2 runs:\n");
	sigprocmask(SIG_BLOCK, &set, NULL);
	calls = 5;
	raise(SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("done\n");
	return 0;
}
