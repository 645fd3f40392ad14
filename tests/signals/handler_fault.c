/* SPDX-License-Identifier: MIT */
/*
 * handler_fault - a fault inside the SIGSEGV handler, where SIGSEGV is blocked: Linux
 * resets it to SIG_DFL and kills the process (status 139), without a second handler run.
 */
#include "sigtest.h"

static uint8_t *hole;
static volatile int runs;

static void handler(int sig, siginfo_t *si, void *uc)
{
	if (++runs > 1) {
		say("handler ran twice\n");
		_exit(3);
	}
	say("in handler, faulting again\n");
	(void)((volatile uint8_t *)hole)[PAGE + 1];
	say("survived?\n");
	_exit(2);
}

int main(void)
{
	hole = map(2, PROT_READ | PROT_WRITE);
	munmap(hole, 2 * PAGE);
	on(SIGSEGV, handler, 0);
	printf("faulting\n");
	fflush(stdout);
	(void)((volatile uint8_t *)hole)[0x10];
	printf("not reached\n");
	return 0;
}
