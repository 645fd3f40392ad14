/* SPDX-License-Identifier: MIT */
/*
 * posix_timers.c - timer_create with SIGEV_SIGNAL (a real-time signal, si_code SI_TIMER
 * and si_value in the handler) on CLOCK_MONOTONIC and CLOCK_REALTIME (absolute),
 * SIGEV_NONE, timer_gettime's remaining time, timer_getoverrun and timer_delete. The
 * guest spins without syscalls while it waits.
 */
#include <errno.h>
#include <time.h>

#include "sigtest.h"

static volatile sig_atomic_t hits;
static volatile int last_code, last_value;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	last_code = si->si_code;
	last_value = si->si_value.sival_int;
	hits++;
}

static void spin_until(int want)
{
	while (hits < want)
		;
}

static int64_t ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000ll + t->tv_nsec;
}

int main(void)
{
	struct sigevent ev;
	struct itimerspec its, cur;
	struct timespec now;
	timer_t t1, t2, t3;

	on(SIGRTMIN + 1, on_timer, 0);
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN + 1;
	ev.sigev_value.sival_int = 42;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t1))
		die("timer_create");
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = 5;
	timer_settime(t1, 0, &its, NULL);
	timer_gettime(t1, &cur);
	printf("monotonic: remaining in (4, 5] s: %d, no interval: %d\n",
	       ns(&cur.it_value) > 4000000000ll && ns(&cur.it_value) <= 5000000000ll,
	       !ns(&cur.it_interval));
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 5000000;
	its.it_interval.tv_nsec = 5000000;
	timer_settime(t1, 0, &its, &cur);
	printf("old value returned: %d\n", ns(&cur.it_value) > 4000000000ll);
	spin_until(3);
	printf("periodic: 3 signals, si_code SI_TIMER: %d, si_value 42: %d\n",
	       last_code == SI_TIMER, last_value == 42);
	printf("overrun >= 0: %d\n", timer_getoverrun(t1) >= 0);
	timer_gettime(t1, &cur);
	printf("interval 5 ms: %d\n", ns(&cur.it_interval) == 5000000);
	if (timer_delete(t1))
		die("timer_delete");
	errno = 0;
	printf("gettime after delete: %s\n", timer_gettime(t1, &cur) && errno == EINVAL ?
	       "EINVAL" : "ok");

	/* CLOCK_REALTIME, absolute: 20 ms from now. */
	ev.sigev_value.sival_int = 7;
	if (timer_create(CLOCK_REALTIME, &ev, &t2))
		die("timer_create realtime");
	clock_gettime(CLOCK_REALTIME, &now);
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = now.tv_sec;
	its.it_value.tv_nsec = now.tv_nsec + 20000000;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000;
	}
	hits = 0;
	timer_settime(t2, TIMER_ABSTIME, &its, NULL);
	spin_until(1);
	printf("realtime absolute: fired, si_value 7: %d\n", last_value == 7);
	timer_gettime(t2, &cur);
	printf("one-shot disarmed after firing: %d\n", !ns(&cur.it_value));
	timer_delete(t2);

	/* SIGEV_NONE: no signal, but the time runs down. */
	ev.sigev_notify = SIGEV_NONE;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t3))
		die("timer_create none");
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 2000000;
	hits = 0;
	timer_settime(t3, 0, &its, NULL);
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (struct timespec t = now; ns(&t) - ns(&now) < 30000000;)
		clock_gettime(CLOCK_MONOTONIC, &t);
	timer_gettime(t3, &cur);
	printf("SIGEV_NONE: expired: %d, no signal: %d\n", !ns(&cur.it_value), hits == 0);
	timer_delete(t3);
	printf("bad clock: %s\n", timer_create(12345, &ev, &t3) ? "EINVAL" : "ok");
	return 0;
}
