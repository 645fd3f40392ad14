/* SPDX-License-Identifier: MIT */
/*
 * interrupt.c - a timer's signal interrupts a sleep: pause, nanosleep (-1/EINTR and the
 * time left), clock_nanosleep (EINTR as its value, relative and TIMER_ABSTIME) and
 * sigsuspend (SIGALRM blocked outside, unblocked for the wait, blocked again after).
 * The relative sleeps are 3.5 s, so that 2 s are left whatever the few microseconds
 * between alarm() and the sleep (a whole 3 s would leave 1.99... or 2.00...).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t count;

static void h(int s)
{
	count++;
	write(1, "alrm\n", 5);
}

static int alrm_blocked(void)
{
	sigset_t cur;

	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, SIGALRM);
}

int main(void)
{
	struct timespec ts = { 3, 500000000 }, now;
	sigset_t block, empty;
	int r;

	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGALRM, h);
	alarm(1);
	r = pause();
	printf("pause %d %s count %d\n", r, strerror(errno), (int)count);

	alarm(1);
	r = nanosleep(&ts, &ts);
	printf("nanosleep %d %s left %ld count %d\n", r, strerror(errno), (long)ts.tv_sec,
	       (int)count);

	ts.tv_sec = 3;
	ts.tv_nsec = 500000000;
	alarm(1);
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts);
	printf("clock_nanosleep %d left %ld count %d\n", r, (long)ts.tv_sec, (int)count);

	clock_gettime(CLOCK_MONOTONIC, &now);
	now.tv_sec += 3;
	alarm(1);
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &now, NULL);
	printf("clock_nanosleep abs %d count %d\n", r, (int)count);

	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	alarm(1);
	r = sigsuspend(&empty);
	printf("sigsuspend %d %s count %d blocked %d\n", r, strerror(errno), (int)count,
	       alrm_blocked());

	/* Pending before the call: at once. */
	raise(SIGALRM);
	printf("raised, count %d\n", (int)count);
	r = sigsuspend(&empty);
	printf("sigsuspend pending %d count %d blocked %d\n", r, (int)count, alrm_blocked());

	/* A relative sleep that no signal interrupts ends with 0. */
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000;
	r = nanosleep(&ts, NULL);
	printf("short nanosleep %d count %d\n", r, (int)count);
	return 0;
}
