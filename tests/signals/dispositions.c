/* SPDX-License-Identifier: MIT */
/*
 * dispositions - SIG_IGN, default-ignored signals, sigaction's old action, SA_RESETHAND;
 * ends killed by SIGUSR2's default action once SA_RESETHAND has put it back (status 140).
 */
#include "sigtest.h"

static volatile int hits;

static void handler(int sig, siginfo_t *si, void *uc)
{
	hits++;
	say("  handler ran\n");
}

int main(void)
{
	struct sigaction sa, old;

	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGUSR1, SIG_IGN);
	raise(SIGUSR1);
	kill(getpid(), SIGUSR1);
	printf("SIGUSR1 ignored: still here\n");
	raise(SIGCHLD);
	raise(SIGURG);
	raise(SIGWINCH);
	printf("SIGCHLD, SIGURG, SIGWINCH ignored by default\n");

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGUSR2, NULL, &old);
	printf("installed: is_handler=%d SA_RESETHAND=%d SA_SIGINFO=%d\n",
	       old.sa_sigaction == handler, !!(old.sa_flags & SA_RESETHAND),
	       !!(old.sa_flags & SA_SIGINFO));
	raise(SIGUSR2);
	sigaction(SIGUSR2, NULL, &old);
	printf("after one delivery: hits=%d SIG_DFL=%d\n", hits, old.sa_handler == SIG_DFL);

	/* A handler of SIGUSR1 again: pending ignored signals were dropped, none runs now. */
	on(SIGUSR1, handler, 0);
	printf("hits=%d\n", hits);
	signal(SIGUSR1, SIG_DFL);
	sigaction(SIGUSR1, NULL, &old);
	printf("SIGUSR1 back to SIG_DFL=%d\n", old.sa_handler == SIG_DFL);
	printf("raising SIGUSR2 with its default action\n");
	raise(SIGUSR2);
	printf("still alive?\n");
	return 0;
}
