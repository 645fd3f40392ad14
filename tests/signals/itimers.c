/* SPDX-License-Identifier: MIT */
/*
 * itimers.c - setitimer ticks interrupt a tight register-heavy loop that makes no
 * syscall. The loop's result is computed again without timers for the same number of
 * steps: an instruction run twice or skipped at a stop would change it. ITIMER_REAL,
 * ITIMER_VIRTUAL and ITIMER_PROF each in turn; getitimer shows sane remaining time.
 */
#include <sys/time.h>

#include "sigtest.h"

static volatile sig_atomic_t ticks;
static volatile int code_ok = 1;

static void tick(int sig, siginfo_t *si, void *uc)
{
	if (si->si_code != SI_KERNEL)
		code_ok = 0;
	ticks++;
}

struct mix {
	uint64_t a, b, c, d, e, f;
};

/* Runs until *stop says so or @limit steps; returns the steps done. */
static __attribute__((noinline)) uint64_t run(struct mix *m, uint64_t limit,
					      volatile sig_atomic_t *stop, int want)
{
	uint64_t a = m->a, b = m->b, c = m->c, d = m->d, e = m->e, f = m->f, n = 0;

	while (n < limit && (!stop || *stop < want)) {
		a += b ^ (c >> 3);
		b = (b << 7 | b >> 57) + d;
		c ^= a * 0x9e3779b97f4a7c15ull;
		d = d * 31 + (e ^ n);
		e += f ^ (a >> 11);
		f = (f ^ c) + 0x632be59bd9b4e019ull;
		n++;
	}
	m->a = a; m->b = b; m->c = c; m->d = d; m->e = e; m->f = f;
	return n;
}

static void one(int which, int sig, const char *name)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct mix m1 = { 1, 2, 3, 4, 5, 6 }, m2 = m1;
	uint64_t n;

	ticks = 0;
	on(sig, tick, SA_RESTART);
	if (setitimer(which, &it, NULL))
		die("setitimer");
	n = run(&m1, UINT64_MAX, &ticks, 5);
	setitimer(which, &off, NULL);
	run(&m2, n, NULL, 0);
	printf("%s: ticks >= 5: %d, si_code SI_KERNEL: %d, checksum matches: %d\n", name,
	       ticks >= 5, code_ok, !memcmp(&m1, &m2, sizeof(m1)));
}

int main(void)
{
	struct itimerval it = { { 2, 500000 }, { 10, 0 } }, old, cur;

	one(ITIMER_REAL, SIGALRM, "ITIMER_REAL");
	one(ITIMER_VIRTUAL, SIGVTALRM, "ITIMER_VIRTUAL");
	one(ITIMER_PROF, SIGPROF, "ITIMER_PROF");

	if (setitimer(ITIMER_REAL, &it, &old))
		die("setitimer");
	printf("old value was disarmed: %d\n", !old.it_value.tv_sec && !old.it_value.tv_usec);
	if (getitimer(ITIMER_REAL, &cur))
		die("getitimer");
	printf("interval kept: %d\n", cur.it_interval.tv_sec == 2 &&
	       cur.it_interval.tv_usec == 500000);
	printf("value in (9, 10] s: %d\n", (cur.it_value.tv_sec == 9 && cur.it_value.tv_usec > 0) ||
	       (cur.it_value.tv_sec == 10 && cur.it_value.tv_usec == 0));
	it.it_value.tv_usec = 1000000;
	printf("usec 1000000: %s\n", setitimer(ITIMER_REAL, &it, NULL) ? "EINVAL" : "accepted");
	printf("which 3: %s\n", setitimer(3, &it, NULL) ? "EINVAL" : "accepted");
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, &old);
	printf("disarm returns the old interval: %d\n", old.it_interval.tv_sec == 2);
	getitimer(ITIMER_REAL, &cur);
	printf("disarmed: %d\n", !cur.it_value.tv_sec && !cur.it_value.tv_usec);
	return 0;
}
