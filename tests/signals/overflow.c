/* SPDX-License-Identifier: MIT */
/*
 * overflow - a stack overflow with a SIGSEGV handler but no alternate stack: the frame for
 * the handler cannot be written either, so Linux forces SIGSEGV with SIG_DFL: killed, 139,
 * and the handler never runs.
 */
#include "sigtest.h"

static void handler(int sig, siginfo_t *si, void *uc)
{
	say("handler ran\n");
	_exit(3);
}

#pragma GCC diagnostic ignored "-Winfinite-recursion"
static unsigned long recurse(unsigned long n)
{
	volatile uint8_t pad[512];

	pad[0] = (uint8_t)n;
	return recurse(n + 1) + pad[0];
}

int main(void)
{
	on(SIGSEGV, handler, 0);
	printf("recursing\n");
	fflush(stdout);
	recurse(0);
	return 0;
}
