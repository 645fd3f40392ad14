/* SPDX-License-Identifier: MIT */
/*
 * abort - abort() through glibc: a SIGABRT handler that returns runs once, then abort()
 * restores SIG_DFL and raises again: killed by SIGABRT, status 134.
 */
#include "sigtest.h"

static void handler(int sig, siginfo_t *si, void *uc)
{
	say(si->si_code == SI_TKILL ? "SIGABRT handler (SI_TKILL)\n" : "SIGABRT handler\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	on(SIGABRT, handler, 0);
	printf("aborting\n");
	abort();
	printf("not reached\n");
	return 0;
}
