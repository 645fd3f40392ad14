/* SPDX-License-Identifier: MIT */
/*
 * timer.c - the guest's timers: alarm, setitimer/getitimer (ITIMER_REAL, ITIMER_VIRTUAL,
 * ITIMER_PROF) and the POSIX timers (timer_create and the rest, SIGEV_SIGNAL and
 * SIGEV_NONE).
 *
 * A guest that spins without syscalls must still get its SIGALRM, so expiry is watched
 * from outside the engine: one host thread sleeps until the earliest deadline, then
 * sets @fired and kicks the engine (emu_engine_kick(), thread-safe). The kick stops
 * emulation at the start of the next translation block, a precise stop; the run loop, on
 * the guest's thread, calls emu_timer_expire() to queue the signals and delivers them
 * (signal.c). Until the guest's thread has taken the expiry (@fired cleared), the thread
 * kicks again every millisecond: a kick that lands while the engine is between two
 * uc_emu_start() calls is otherwise lost. The syscall exit path also takes expiries.
 *
 * Every deadline is kept on its own host clock in nanoseconds: CLOCK_REALTIME,
 * CLOCK_MONOTONIC, CLOCK_BOOTTIME, or the guest thread's CPU clock for ITIMER_VIRTUAL,
 * ITIMER_PROF and CPU-time POSIX timers (the guest's CPU time is its host thread's).
 * CPU clocks cannot be slept on from another thread, so while one is armed the thread
 * polls every EMU_TIMER_CPU_POLL_NS, like a kernel tick.
 * The sleeps (nanosleep, clock_nanosleep, pause, rt_sigsuspend) wait on @wake, which
 * the thread broadcasts with @fired: the sleeper takes the expiry itself and returns
 * -EINTR when a signal it does not block is pending. Not done: other blocking host
 * syscalls (read of a pipe, say) are not interrupted, and the signal is one pending instance per signal number (signal.c has no queue): a
 * second timer on the same signal counts an overrun instead.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "emu/emu.h"

#define EMU_TIMER_MAX 32
#define EMU_TIMER_CPU_POLL_NS 4000000
#define NSEC 1000000000ll

/* One timer: disarmed while @deadline is 0. */
struct emu_timer {
	bool used;
	bool cpu;                 /* on the guest thread's CPU clock */
	clockid_t clock;
	int sig;                  /* 0: SIGEV_NONE */
	int si_code;
	uint64_t value;           /* sigev_value */
	int64_t deadline, interval;
	int overrun;
};

/* [0..2]: the itimers; [3..]: POSIX timer id - 3. */
#define EMU_ITIMERS 3

struct emu_timers {
	pthread_t thread;
	bool started, quit;
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* on CLOCK_MONOTONIC: a timer was set, or quit */
	pthread_cond_t wake;      /* on CLOCK_MONOTONIC: @fired set, for a sleeping guest */
	clockid_t guest_cpu;      /* the guest thread's CPU clock */
	atomic_bool fired;
	struct emu_timer t[EMU_ITIMERS + EMU_TIMER_MAX];
};

static int64_t timer_now(const struct emu_timers *ts, const struct emu_timer *t)
{
	struct timespec now;

	clock_gettime(t->cpu ? ts->guest_cpu : t->clock, &now);
	return now.tv_sec * NSEC + now.tv_nsec;
}

static void *timer_thread(void *arg)
{
	struct emu *emu = arg;
	struct emu_timers *ts = emu->timers;

	pthread_mutex_lock(&ts->lock);
	while (!ts->quit) {
		int64_t wait = INT64_MAX;
		struct timespec until;

		if (atomic_load(&ts->fired)) {
			/* Not taken yet: kick again (see the top). */
			emu_engine_kick(emu);
			wait = 1000000;
		} else {
			for (unsigned i = 0; i < G_N_ELEMENTS(ts->t); i++) {
				struct emu_timer *t = &ts->t[i];
				int64_t left;

				if (!t->used || !t->deadline)
					continue;
				left = t->deadline - timer_now(ts, t);
				if (t->cpu && left > EMU_TIMER_CPU_POLL_NS)
					left = EMU_TIMER_CPU_POLL_NS;
				if (left < wait)
					wait = left;
			}
			if (wait <= 0) {
				atomic_store(&ts->fired, true);
				pthread_cond_broadcast(&ts->wake);
				emu_engine_kick(emu);
				continue;
			}
		}
		if (wait == INT64_MAX) {
			pthread_cond_wait(&ts->cond, &ts->lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		wait += until.tv_nsec;
		until.tv_sec += wait / NSEC;
		until.tv_nsec = wait % NSEC;
		pthread_cond_timedwait(&ts->cond, &ts->lock, &until);
	}
	pthread_mutex_unlock(&ts->lock);
	return NULL;
}

static struct emu_timers *timer_state(struct emu *emu)
{
	struct emu_timers *ts = emu->timers;
	pthread_condattr_t ca;

	if (ts)
		return ts;
	ts = g_new0(struct emu_timers, 1);
	pthread_mutex_init(&ts->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ts->cond, &ca);
	pthread_cond_init(&ts->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_getcpuclockid(pthread_self(), &ts->guest_cpu))
		ts->guest_cpu = CLOCK_THREAD_CPUTIME_ID;
	for (unsigned i = 0; i < EMU_ITIMERS; i++) {
		ts->t[i].used = true;
		ts->t[i].si_code = SI_KERNEL_LINUX;
		ts->t[i].cpu = i != ITIMER_REAL_LINUX;
		ts->t[i].clock = CLOCK_MONOTONIC;
	}
	ts->t[ITIMER_REAL_LINUX].sig = SIGALRM_LINUX;
	ts->t[ITIMER_VIRTUAL_LINUX].sig = SIGVTALRM_LINUX;
	ts->t[ITIMER_PROF_LINUX].sig = SIGPROF_LINUX;
	emu->timers = ts;
	return ts;
}

/* Called with the lock held, after a deadline changed. */
static void timer_changed(struct emu *emu, struct emu_timers *ts)
{
	if (!ts->started) {
		ts->started = !pthread_create(&ts->thread, NULL, timer_thread, emu);
		if (!ts->started)
			emu_warn("%s: cannot start the timer thread: timers will not fire",
				 emu->comm);
	}
	pthread_cond_signal(&ts->cond);
}

void emu_timer_exit(struct emu *emu)
{
	struct emu_timers *ts = emu->timers;

	if (!ts)
		return;
	pthread_mutex_lock(&ts->lock);
	ts->quit = true;
	pthread_cond_signal(&ts->cond);
	pthread_mutex_unlock(&ts->lock);
	if (ts->started)
		pthread_join(ts->thread, NULL);
	pthread_cond_destroy(&ts->cond);
	pthread_cond_destroy(&ts->wake);
	pthread_mutex_destroy(&ts->lock);
	g_free(ts);
	emu->timers = NULL;
}

/* SI_TIMER's siginfo: si_tid, si_overrun, si_value (the same on x86_64 and arm64). */
static void timer_info(uint8_t *info, int sig, int code, int id, int overrun, uint64_t value)
{
	int32_t w[5] = { (int32_t)htole32((uint32_t)sig), 0, (int32_t)htole32((uint32_t)code),
			 0, (int32_t)htole32((uint32_t)id) };
	int32_t ov = (int32_t)htole32((uint32_t)overrun);
	uint64_t v = htole64(value);

	memset(info, 0, ARCH_SIGINFO_SIZE);
	memcpy(info, w, sizeof(w));
	memcpy(info + 20, &ov, 4);
	memcpy(info + 24, &v, 8);
}

void emu_timer_expire(struct emu *emu)
{
	struct emu_timers *ts = emu->timers;

	if (!ts || !atomic_exchange(&ts->fired, false))
		return;
	pthread_mutex_lock(&ts->lock);
	for (unsigned i = 0; i < G_N_ELEMENTS(ts->t); i++) {
		struct emu_timer *t = &ts->t[i];
		uint8_t info[ARCH_SIGINFO_SIZE];
		int64_t now, n = 1;
		int id = (int)i - EMU_ITIMERS;

		if (!t->used || !t->deadline || (now = timer_now(ts, t)) < t->deadline)
			continue;
		if (t->interval) {
			n += (now - t->deadline) / t->interval;
			t->deadline += n * t->interval;
		} else {
			t->deadline = 0;
		}
		if (!t->sig)
			continue;
		if (t->si_code == SI_KERNEL_LINUX) {
			emu_signal_send(emu, t->sig, SI_KERNEL_LINUX);
			continue;
		}
		timer_info(info, t->sig, t->si_code, id, (int)MIN(n - 1, INT32_MAX), t->value);
		if (emu_signal_queue(emu, t->sig, info))
			t->overrun = (int)MIN(n - 1, INT32_MAX);
		else
			t->overrun = (int)MIN(t->overrun + n, INT32_MAX);
	}
	pthread_cond_signal(&ts->cond);
	pthread_mutex_unlock(&ts->lock);
}

/* ---- time values ---- */

static int64_t ts_to_ns(int64_t sec, int64_t frac, int64_t per_sec)
{
	if (sec > INT64_MAX / NSEC - 1)
		return INT64_MAX / 2;
	return sec * NSEC + frac * (NSEC / per_sec);
}

/* Read 4 words (interval, value) as @per_sec fractions (1000000 for timeval). */
static int timer_read_pair(struct emu *emu, uint64_t addr, int64_t per_sec, int64_t *interval,
			   int64_t *value)
{
	int64_t w[4];

	if (copy_from_user(emu->proc->mm, w, addr, sizeof(w)))
		return -EFAULT;
	for (int i = 0; i < 4; i++)
		w[i] = (int64_t)le64toh((uint64_t)w[i]);
	if (w[0] < 0 || w[2] < 0 || w[1] < 0 || w[1] >= per_sec || w[3] < 0 || w[3] >= per_sec)
		return -EINVAL;
	*interval = ts_to_ns(w[0], w[1], per_sec);
	*value = ts_to_ns(w[2], w[3], per_sec);
	return 0;
}

static int timer_write_pair(struct emu *emu, uint64_t addr, int64_t per_sec, int64_t interval,
			    int64_t value)
{
	int64_t unit = NSEC / per_sec;
	/* A remaining fraction rounds up, so that a running timer never reads 0. */
	int64_t vfrac = (value % NSEC + unit - 1) / unit;
	uint64_t w[4] = { (uint64_t)(interval / NSEC), (uint64_t)(interval % NSEC / unit),
			  (uint64_t)(value / NSEC), (uint64_t)vfrac };

	if (vfrac == per_sec) {
		w[2]++;
		w[3] = 0;
	}
	for (int i = 0; i < 4; i++)
		w[i] = htole64(w[i]);
	return copy_to_user(emu->proc->mm, addr, w, sizeof(w)) ? -EFAULT : 0;
}

/* Under the lock: what is left of @t, 0 if disarmed. */
static int64_t timer_left(struct emu_timers *ts, struct emu_timer *t)
{
	int64_t left;

	if (!t->deadline)
		return 0;
	left = t->deadline - timer_now(ts, t);
	return left > 0 ? left : 1;
}

/* Under the lock: arm @t @value ns from now (or at @value on its clock if @abs). */
static void timer_arm(struct emu *emu, struct emu_timers *ts, struct emu_timer *t,
		      int64_t interval, int64_t value, bool abs)
{
	t->interval = interval;
	t->overrun = 0;
	if (!value)
		t->deadline = 0;
	else if (abs)
		t->deadline = value;
	else
		t->deadline = timer_now(ts, t) + value;
	timer_changed(emu, ts);
}

/* ---- itimers ---- */

static int64_t timer_setitimer(struct emu *emu, unsigned which, int64_t interval, int64_t value,
			       int64_t *old_interval, int64_t *old_value)
{
	struct emu_timers *ts = timer_state(emu);
	struct emu_timer *t = &ts->t[which];

	pthread_mutex_lock(&ts->lock);
	*old_interval = t->interval;
	*old_value = timer_left(ts, t);
	timer_arm(emu, ts, t, interval, value, false);
	pthread_mutex_unlock(&ts->lock);
	return 0;
}

int64_t emu_sys_getitimer(struct emu *emu, const uint64_t *a)
{
	struct emu_timers *ts = timer_state(emu);
	int64_t interval, value;

	if (a[0] > ITIMER_PROF_LINUX)
		return -EINVAL;
	pthread_mutex_lock(&ts->lock);
	interval = ts->t[a[0]].interval;
	value = timer_left(ts, &ts->t[a[0]]);
	pthread_mutex_unlock(&ts->lock);
	return timer_write_pair(emu, a[1], 1000000, interval, value);
}

int64_t emu_sys_setitimer(struct emu *emu, const uint64_t *a)
{
	int64_t interval, value, oi, ov;
	int err;

	if (a[0] > ITIMER_PROF_LINUX)
		return -EINVAL;
	if (!a[1])
		return -EFAULT;
	err = timer_read_pair(emu, a[1], 1000000, &interval, &value);
	if (err)
		return err;
	timer_setitimer(emu, (unsigned)a[0], interval, value, &oi, &ov);
	return a[2] ? timer_write_pair(emu, a[2], 1000000, oi, ov) : 0;
}

int64_t emu_sys_alarm(struct emu *emu, const uint64_t *a)
{
	int64_t oi, ov, secs;

	timer_setitimer(emu, ITIMER_REAL_LINUX, 0, (int64_t)(uint32_t)a[0] * NSEC, &oi, &ov);
	/* alarm_setitimer(): what is left, to the nearest second, and 1 rather than 0. */
	secs = ov / NSEC;
	if ((!secs && ov) || ov % NSEC >= NSEC / 2)
		secs++;
	return secs;
}

/* ---- POSIX timers ---- */

static int timer_clock(uint64_t guest, clockid_t *host, bool *cpu)
{
	int32_t id = (int32_t)guest;

	*cpu = false;
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
		*host = id;
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*cpu = true;
		*host = id;
		return 0;
	default:
		return -EINVAL;
	}
}

static struct emu_timer *timer_get(struct emu *emu, uint64_t id)
{
	struct emu_timers *ts = emu->timers;

	if (!ts || (int32_t)id < 0 || (int32_t)id >= EMU_TIMER_MAX ||
	    !ts->t[EMU_ITIMERS + (int32_t)id].used)
		return NULL;
	return &ts->t[EMU_ITIMERS + (int32_t)id];
}

int64_t emu_sys_timer_create(struct emu *emu, const uint64_t *a)
{
	struct emu_timers *ts;
	struct emu_timer n = { .used = true, .si_code = SI_TIMER_LINUX, .sig = SIGALRM_LINUX };
	int32_t id = -1;
	int err = timer_clock(a[0], &n.clock, &n.cpu);

	if (err)
		return err;
	if (a[1]) {
		uint8_t ev[16];
		int32_t signo, notify;

		if (copy_from_user(emu->proc->mm, ev, a[1], sizeof(ev)))
			return -EFAULT;
		memcpy(&n.value, ev, 8);
		memcpy(&signo, ev + 8, 4);
		memcpy(&notify, ev + 12, 4);
		n.value = le64toh(n.value);
		signo = (int32_t)le32toh((uint32_t)signo);
		notify = (int32_t)le32toh((uint32_t)notify);
		if (notify == SIGEV_NONE_LINUX)
			n.sig = 0;
		else if (notify != SIGEV_SIGNAL_LINUX)
			return -EINVAL;   /* SIGEV_THREAD_ID: one thread, not offered */
		else if (signo < 1 || signo > EMU_NSIG)
			return -EINVAL;
		else
			n.sig = signo;
	}
	ts = timer_state(emu);
	pthread_mutex_lock(&ts->lock);
	for (int32_t i = 0; i < EMU_TIMER_MAX && id < 0; i++) {
		if (!ts->t[EMU_ITIMERS + i].used)
			id = i;
	}
	if (id >= 0) {
		if (!a[1])
			n.value = (uint64_t)id;
		ts->t[EMU_ITIMERS + id] = n;
	}
	pthread_mutex_unlock(&ts->lock);
	if (id < 0)
		return -EAGAIN;
	id = (int32_t)htole32((uint32_t)id);
	if (copy_to_user(emu->proc->mm, a[2], &id, sizeof(id))) {
		ts->t[EMU_ITIMERS + le32toh((uint32_t)id)].used = false;
		return -EFAULT;
	}
	return 0;
}

int64_t emu_sys_timer_settime(struct emu *emu, const uint64_t *a)
{
	struct emu_timer *t = timer_get(emu, a[0]);
	int64_t interval, value, oi, ov;
	int err;

	if (!t)
		return -EINVAL;
	if (!a[2])
		return -EINVAL;
	err = timer_read_pair(emu, a[2], NSEC, &interval, &value);
	if (err)
		return err;
	pthread_mutex_lock(&emu->timers->lock);
	oi = t->interval;
	ov = timer_left(emu->timers, t);
	timer_arm(emu, emu->timers, t, interval, value, a[1] & TIMER_ABSTIME_LINUX);
	pthread_mutex_unlock(&emu->timers->lock);
	return a[3] ? timer_write_pair(emu, a[3], NSEC, oi, ov) : 0;
}

int64_t emu_sys_timer_gettime(struct emu *emu, const uint64_t *a)
{
	struct emu_timer *t = timer_get(emu, a[0]);
	int64_t interval, value;

	if (!t)
		return -EINVAL;
	pthread_mutex_lock(&emu->timers->lock);
	interval = t->interval;
	value = timer_left(emu->timers, t);
	pthread_mutex_unlock(&emu->timers->lock);
	return timer_write_pair(emu, a[1], NSEC, interval, value);
}

int64_t emu_sys_timer_getoverrun(struct emu *emu, const uint64_t *a)
{
	struct emu_timer *t = timer_get(emu, a[0]);

	return t ? t->overrun : -EINVAL;
}

int64_t emu_sys_timer_delete(struct emu *emu, const uint64_t *a)
{
	struct emu_timer *t = timer_get(emu, a[0]);

	if (!t)
		return -EINVAL;
	pthread_mutex_lock(&emu->timers->lock);
	memset(t, 0, sizeof(*t));
	pthread_mutex_unlock(&emu->timers->lock);
	return 0;
}

/* ---- sleeps a signal interrupts ---- */

static int64_t clock_ns(clockid_t clock)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return now.tv_sec * NSEC + now.tv_nsec;
}

/*
 * Sleep on the guest's thread until @deadline on @clock (INT64_MAX: none) or until a
 * signal the guest does not block is pending (emu_signal_send() drops ignored ones).
 * Return: 0 at the deadline, -EINTR for a signal.
 */
static int64_t timer_sleep(struct emu *emu, clockid_t clock, int64_t deadline)
{
	struct emu_timers *ts = timer_state(emu);

	for (;;) {
		int64_t left, wait;
		struct timespec until;

		emu_timer_expire(emu);
		if (emu->sig.pending & ~emu->sigmask)
			return -EINTR;
		if (emu->end != EMU_END_NONE)
			return -EINTR;
		left = deadline == INT64_MAX ? INT64_MAX : deadline - clock_ns(clock);
		if (left <= 0)
			return 0;
		/* Wake now and then: CLOCK_REALTIME may be set meanwhile. */
		wait = MIN(left, 100000000);
		clock_gettime(CLOCK_MONOTONIC, &until);
		wait += until.tv_nsec;
		until.tv_sec += wait / NSEC;
		until.tv_nsec = wait % NSEC;
		pthread_mutex_lock(&ts->lock);
		if (!atomic_load(&ts->fired))
			pthread_cond_timedwait(&ts->wake, &ts->lock, &until);
		pthread_mutex_unlock(&ts->lock);
	}
}

/* A guest struct timespec at @addr into @t: 0, -EFAULT, or -EINVAL when it is not valid. */
static int timer_read_ts(struct emu *emu, uint64_t addr, int64_t t[2])
{
	if (copy_from_user(emu->proc->mm, t, addr, 2 * sizeof(t[0])))
		return -EFAULT;
	t[0] = (int64_t)le64toh((uint64_t)t[0]);
	t[1] = (int64_t)le64toh((uint64_t)t[1]);
	if (t[0] < 0 || t[1] < 0 || t[1] >= NSEC)
		return -EINVAL;
	return 0;
}

/*
 * The mask of sigsuspend() and ppoll(): the guest's sigset at @addr (@size bytes) replaces
 * the mask for the wait; the next frame (or the syscall exit) puts the old one back.
 */
static int timer_wait_mask(struct emu *emu, uint64_t addr, uint64_t size)
{
	uint64_t set;

	if (size != 8)
		return -EINVAL;
	if (copy_from_user(emu->proc->mm, &set, addr, sizeof(set)))
		return -EFAULT;
	emu->sig.saved_mask = emu->sigmask;
	emu->sig.restore_mask = true;
	emu->sigmask = le64toh(set) &
		      ~((UINT64_C(1) << (SIGKILL_LINUX - 1)) | (UINT64_C(1) << (SIGSTOP_LINUX - 1)));
	return 0;
}

int64_t emu_sys_clock_nanosleep(struct emu *emu, const uint64_t *a)
{
	bool abs = a[1] & TIMER_ABSTIME_LINUX;
	clockid_t clock = (clockid_t)(int32_t)a[0];
	int64_t t[2], deadline, left, err;

	err = timer_read_ts(emu, a[2], t);
	if (err)
		return err;
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
	    clock != CLOCK_TAI) {
		/* The CPU, raw and coarse clocks: the host says what they do, uninterrupted. */
		struct timespec req = { (time_t)t[0], (long)t[1] };
		int r;

		if ((int32_t)a[0] < 0 || a[0] > 11)
			return -EINVAL;
		do {
			r = clock_nanosleep(clock, abs ? TIMER_ABSTIME : 0, &req, &req);
		} while (r == EINTR);
		return -r;
	}
	deadline = ts_to_ns(t[0], t[1], NSEC);
	if (!abs)
		deadline += clock_ns(clock);
	err = timer_sleep(emu, clock, deadline);
	if (err != -EINTR || abs || !a[3])
		return err;
	/* Relative and interrupted: what is left, as the kernel writes it. */
	left = MAX(deadline - clock_ns(clock), 0);
	t[0] = (int64_t)htole64((uint64_t)(left / NSEC));
	t[1] = (int64_t)htole64((uint64_t)(left % NSEC));
	if (copy_to_user(emu->proc->mm, a[3], t, sizeof(t)))
		return -EFAULT;
	return err;
}

int64_t emu_sys_pause(struct emu *emu, const uint64_t *a)
{
	return timer_sleep(emu, CLOCK_MONOTONIC, INT64_MAX);
}

/*
 * ppoll() with no descriptors only (asm-generic glibc's pause): a sleep with an optional
 * timeout and an optional mask, as rt_sigsuspend. Descriptors: not offered (-ENOSYS).
 */
int64_t emu_sys_ppoll(struct emu *emu, const uint64_t *a)
{
	int64_t deadline = INT64_MAX, t[2], err;

	if (a[1])
		return -ENOSYS;
	if (a[2]) {
		err = timer_read_ts(emu, a[2], t);
		if (err)
			return err;
		deadline = clock_ns(CLOCK_MONOTONIC) + ts_to_ns(t[0], t[1], NSEC);
	}
	if (a[3]) {
		err = timer_wait_mask(emu, a[3], a[4]);
		if (err)
			return err;
	}
	err = timer_sleep(emu, CLOCK_MONOTONIC, deadline);
	/* A timeout writes back what is left: 0. */
	if (!err && a[2]) {
		t[0] = t[1] = 0;
		if (copy_to_user(emu->proc->mm, a[2], t, sizeof(t)))
			return -EFAULT;
	}
	return err;
}

/* sigsuspend(): wait with the guest's mask (timer_wait_mask()). */
int64_t emu_sys_rt_sigsuspend(struct emu *emu, const uint64_t *a)
{
	int err = timer_wait_mask(emu, a[0], a[1]);

	if (err)
		return err;
	return timer_sleep(emu, CLOCK_MONOTONIC, INT64_MAX);
}
