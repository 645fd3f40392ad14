/* SPDX-License-Identifier: MIT */
/*
 * alarm.c - alarm(0) cancels and returns the seconds left; then an unhandled SIGALRM ends
 * a guest that spins without a syscall: status 142 and nothing on stderr, as on Linux.
 */
#include "sigtest.h"

int main(void)
{
	unsigned left;

	left = alarm(5);
	printf("first alarm: %u\n", left);
	left = alarm(0);
	printf("alarm(0) after alarm(5): %u\n", left);
	left = alarm(0);
	printf("alarm(0) again: %u\n", left);
	alarm(3);
	left = alarm(1);
	printf("alarm(1) after alarm(3): %u\n", left);
	fflush(stdout);
	for (volatile unsigned long i = 0;; i++)
		;
}
