/* SPDX-License-Identifier: MIT */
/*
 * syscall.c - the guest's system calls, served inside the engine's syscall hook.
 *
 * The architecture turns its own syscall number into an enum emu_sysno, which indexes one
 * table of handlers. A handler takes the six raw argument registers and returns what the
 * guest sees in its return register: a value, or a negative errno. Every guest buffer goes
 * through copy_from_user()/copy_to_user(), so a bad pointer is -EFAULT for the guest and
 * never a fault of the host.
 *
 * There is no file system yet: fds 0, 1 and 2 are the host's, every other fd is -EBADF.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "emu/emu.h"

/* Guest ABI constants: the same on x86_64 and arm64. */
#define AT_FDCWD_LINUX         (-100)
#define AT_EMPTY_PATH_LINUX    0x1000
#define ARCH_SET_FS_LINUX      0x1002
#define ARCH_GET_FS_LINUX      0x1003
#define TCGETS_LINUX           0x5401
#define TIOCGWINSZ_LINUX       0x5413
#define S_IFCHR_LINUX          0020000
#define RLIM_INFINITY_LINUX    UINT64_MAX
#define RLIMIT_STACK_LINUX     3
#define RLIMIT_CORE_LINUX      4
#define RLIMIT_NOFILE_LINUX    7
#define RLIM_NLIMITS_LINUX     16
#define SIG_BLOCK_LINUX        0
#define SIG_UNBLOCK_LINUX      1
#define SIG_SETMASK_LINUX      2
#define SIGKILL_LINUX          9
#define SIGPIPE_LINUX          13
#define SIGCHLD_LINUX          17
#define SIGCONT_LINUX          18
#define SIGSTOP_LINUX          19
#define SIGURG_LINUX           23
#define SIGWINCH_LINUX         28
#define SIG_IGN_LINUX          1
#define TIMER_ABSTIME_LINUX    1
#define SIGSET_SIZE_LINUX      8
#define SIGACTION_SIZE_LINUX   32

#define UIO_MAXIOV_LINUX       1024
/* Linux's MAX_RW_COUNT: a single read or write moves at most this much. */
#define MAX_RW_COUNT_LINUX     (INT32_MAX & ~UINT64_C(4095))
#define EMU_IO_CHUNK           65536

struct emu_syscall {
	const char *name;
	/*
	 * How --trace=syscall prints the arguments, one letter each: d signed decimal, u
	 * unsigned decimal, x hex, f fd, s string, P prot bits, M mmap flags. An upper-case R
	 * at the end prints the result in hex (an address).
	 */
	const char *args;
	int64_t (*fn)(struct emu *emu, const uint64_t *a);
};

/* ---- helpers ---- */

static bool sys_is_std_fd(uint64_t fd)
{
	return fd <= 2;
}

/* Write @len guest bytes at @buf to host fd @fd. Return bytes written or -errno. */
static int64_t sys_write_out(struct emu *emu, int fd, uint64_t buf, uint64_t len)
{
	uint8_t *chunk = g_malloc(EMU_IO_CHUNK);
	uint64_t done = 0;
	int64_t ret = 0;

	while (done < len) {
		uint64_t n = MIN(len - done, (uint64_t)EMU_IO_CHUNK);
		uint64_t off = 0;

		if (copy_from_user(emu->mm, chunk, buf + done, n)) {
			ret = -EFAULT;
			break;
		}
		while (off < n) {
			ssize_t w = write(fd, chunk + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				ret = -errno;
				break;
			}
			off += (uint64_t)w;
		}
		done += off;
		if (ret)
			break;
	}
	g_free(chunk);
	/* As Linux does: a partial transfer reports what was done, not the error. */
	return done ? (int64_t)done : ret;
}

/* Read at most @len bytes from host fd @fd into the guest at @buf. */
static int64_t sys_read_in(struct emu *emu, int fd, uint64_t buf, uint64_t len)
{
	uint64_t n = MIN(len, (uint64_t)EMU_IO_CHUNK);
	uint8_t *chunk;
	ssize_t r;
	int64_t ret;

	if (n == 0)
		return 0;
	chunk = g_malloc(n);
	do {
		r = read(fd, chunk, n);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		ret = -errno;
	else if (copy_to_user(emu->mm, buf, chunk, (uint64_t)r))
		ret = -EFAULT;
	else
		ret = r;
	g_free(chunk);
	return ret;
}

static int64_t sys_put_u64(struct emu *emu, uint64_t addr, uint64_t v)
{
	uint64_t le = htole64(v);

	return copy_to_user(emu->mm, addr, &le, sizeof(le)) ? -EFAULT : 0;
}

static int64_t sys_signal_self(struct emu *emu, uint64_t pid, uint64_t sig);

/* A write to a pipe nobody reads raises SIGPIPE in the writer, as Linux does. */
static int64_t sys_check_pipe(struct emu *emu, int64_t ret)
{
	if (ret == -EPIPE) {
		sys_signal_self(emu, EMU_GUEST_PID, SIGPIPE_LINUX);
		emu->kill_reason = "a write to a pipe with no reader";
	}
	return ret;
}

/* ---- the calls ---- */

static int64_t sys_read(struct emu *emu, const uint64_t *a)
{
	if (a[0] != 0)
		return -EBADF;
	return sys_read_in(emu, 0, a[1], MIN(a[2], MAX_RW_COUNT_LINUX));
}

static int64_t sys_write(struct emu *emu, const uint64_t *a)
{
	if (a[0] != 1 && a[0] != 2)
		return -EBADF;
	if (a[2] == 0)
		return 0;
	return sys_check_pipe(emu, sys_write_out(emu, (int)a[0], a[1], MIN(a[2], MAX_RW_COUNT_LINUX)));
}

struct sys_iovec {
	uint64_t base, len;
};

static int64_t sys_iov(struct emu *emu, const uint64_t *a, bool out)
{
	struct sys_iovec *iov;
	uint64_t total = 0;
	int64_t ret = 0;

	if ((out && a[0] != 1 && a[0] != 2) || (!out && a[0] != 0))
		return -EBADF;
	if (a[2] > UIO_MAXIOV_LINUX)
		return -EINVAL;
	if (a[2] == 0)
		return 0;
	iov = g_new(struct sys_iovec, a[2]);
	if (copy_from_user(emu->mm, iov, a[1], a[2] * sizeof(*iov))) {
		ret = -EFAULT;
		goto out;
	}
	for (uint64_t i = 0; i < a[2]; i++) {
		uint64_t len = le64toh(iov[i].len);

		if (len > (uint64_t)INT64_MAX || total + len > (uint64_t)INT64_MAX) {
			ret = -EINVAL;
			goto out;
		}
		total += len;
	}
	total = 0;
	for (uint64_t i = 0; i < a[2]; i++) {
		uint64_t len = MIN(le64toh(iov[i].len), MAX_RW_COUNT_LINUX - total);
		int64_t n;

		if (len == 0)
			continue;
		n = out ? sys_write_out(emu, (int)a[0], le64toh(iov[i].base), len)
			: sys_read_in(emu, (int)a[0], le64toh(iov[i].base), len);
		if (n < 0) {
			ret = total ? (int64_t)total : n;
			goto out;
		}
		total += (uint64_t)n;
		if ((uint64_t)n < len || total >= MAX_RW_COUNT_LINUX)
			break;
	}
	ret = (int64_t)total;
out:
	g_free(iov);
	return ret;
}

static int64_t sys_writev(struct emu *emu, const uint64_t *a)
{
	return sys_check_pipe(emu, sys_iov(emu, a, true));
}

static int64_t sys_readv(struct emu *emu, const uint64_t *a)
{
	return sys_iov(emu, a, false);
}

static int64_t sys_exit_group(struct emu *emu, const uint64_t *a)
{
	emu->end = EMU_END_EXIT;
	emu->status = (int)(a[0] & 0xff);
	emu_engine_stop(emu);
	return 0;
}

static int64_t sys_mmap(struct emu *emu, const uint64_t *a)
{
	uint64_t page = arch_page_size(emu->mmu);
	unsigned flags = (unsigned)a[3];

	emu->count.sys_mmap++;
	if (a[5] & (page - 1))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS_LINUX))
		return -EBADF;   /* no files yet: every fd is bad */
	return do_mmap(emu->mm, a[0], a[1], (unsigned)a[2], flags, a[5] >> emu->mmu->page_shift);
}

static int64_t sys_munmap(struct emu *emu, const uint64_t *a)
{
	emu->count.sys_munmap++;
	return do_munmap(emu->mm, a[0], a[1]);
}

static int64_t sys_mprotect(struct emu *emu, const uint64_t *a)
{
	emu->count.sys_mprotect++;
	if (a[2] > UINT32_MAX)
		return -EINVAL;
	return do_mprotect(emu->mm, a[0], a[1], (unsigned)a[2]);
}

static int64_t sys_brk(struct emu *emu, const uint64_t *a)
{
	emu->count.sys_brk++;
	return (int64_t)do_brk(emu->mm, a[0]);
}

static int64_t sys_mremap(struct emu *emu, const uint64_t *a)
{
	if (a[3] > UINT32_MAX)
		return -EINVAL;
	return do_mremap(emu->mm, a[0], a[1], a[2], (unsigned)a[3], a[4]);
}

static int64_t sys_madvise(struct emu *emu, const uint64_t *a)
{
	if ((int64_t)a[2] < INT32_MIN || (int64_t)a[2] > INT32_MAX)
		return -EINVAL;
	return do_madvise(emu->mm, a[0], a[1], (int)a[2]);
}

/* mincore(2): one byte per page, gathered a batch of pages at a time. */
static int64_t sys_mincore(struct emu *emu, const uint64_t *a)
{
	uint64_t page = arch_page_size(emu->mmu), batch = 4096, done = 0, pages;
	uint8_t *vec;
	int64_t ret = 0;

	if (a[0] & (page - 1))
		return -EINVAL;
	if (a[1] > emu->mmu->task_size)
		return -ENOMEM;
	pages = (a[1] + page - 1) / page;
	vec = g_malloc(batch);
	while (done < pages) {
		uint64_t n = MIN(pages - done, batch);
		int err = do_mincore(emu->mm, a[0] + done * page, n * page, vec);

		if (err) {
			ret = err;
			break;
		}
		if (copy_to_user(emu->mm, a[2] + done, vec, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
	}
	g_free(vec);
	return ret;
}

static int64_t sys_msync(struct emu *emu, const uint64_t *a)
{
	if (a[2] > UINT32_MAX)
		return -EINVAL;
	return do_msync(emu->mm, a[0], a[1], (unsigned)a[2]);
}

static int64_t sys_arch_prctl(struct emu *emu, const uint64_t *a)
{
	uint64_t fs;

	switch (a[0]) {
	case ARCH_SET_FS_LINUX:
		return emu->cpu->set_tls(emu->uc, a[1]) ? -EINVAL : 0;
	case ARCH_GET_FS_LINUX:
		if (emu->cpu->get_tls(emu->uc, &fs))
			return -EINVAL;
		return sys_put_u64(emu, a[1], fs);
	default:
		return -EINVAL;
	}
}

static int64_t sys_set_tid_address(struct emu *emu, const uint64_t *a)
{
	emu->clear_child_tid = a[0];
	return EMU_GUEST_PID;
}

static int64_t sys_set_robust_list(struct emu *emu, const uint64_t *a)
{
	return 0;
}

static int64_t sys_enosys(struct emu *emu, const uint64_t *a)
{
	return -ENOSYS;
}

static void sys_rlimit(unsigned resource, uint64_t lim[2])
{
	switch (resource) {
	case RLIMIT_STACK_LINUX:
		lim[0] = 8 * 1024 * 1024;
		lim[1] = RLIM_INFINITY_LINUX;
		break;
	case RLIMIT_CORE_LINUX:
		lim[0] = 0;
		lim[1] = RLIM_INFINITY_LINUX;
		break;
	case RLIMIT_NOFILE_LINUX:
		lim[0] = 1024;
		lim[1] = 4096;
		break;
	default:
		lim[0] = lim[1] = RLIM_INFINITY_LINUX;
		break;
	}
}

static int64_t sys_put_rlimit(struct emu *emu, uint64_t resource, uint64_t addr)
{
	uint64_t lim[2];

	if (resource >= RLIM_NLIMITS_LINUX)
		return -EINVAL;
	if (!addr)
		return 0;
	sys_rlimit((unsigned)resource, lim);
	lim[0] = htole64(lim[0]);
	lim[1] = htole64(lim[1]);
	return copy_to_user(emu->mm, addr, lim, sizeof(lim)) ? -EFAULT : 0;
}

/* prlimit64(pid, resource, new, old): new limits are accepted and not enforced. */
static int64_t sys_prlimit64(struct emu *emu, const uint64_t *a)
{
	if (a[0] != 0 && a[0] != EMU_GUEST_PID)
		return -ESRCH;
	return sys_put_rlimit(emu, a[1], a[3]);
}

static int64_t sys_getrlimit(struct emu *emu, const uint64_t *a)
{
	return sys_put_rlimit(emu, a[0], a[1]);
}

static int64_t sys_uname(struct emu *emu, const uint64_t *a)
{
	char u[6][65];

	memset(u, 0, sizeof(u));
	strcpy(u[0], "Linux");
	strcpy(u[1], "mmuemu");
	strcpy(u[2], "6.1.0-mmuemu");
	strcpy(u[3], "#1 SMP PREEMPT_DYNAMIC mmuemu");
	g_strlcpy(u[4], emu->cpu->uname_machine, sizeof(u[4]));
	strcpy(u[5], "(none)");
	return copy_to_user(emu->mm, a[0], u, sizeof(u)) ? -EFAULT : 0;
}

static int64_t sys_getrandom(struct emu *emu, const uint64_t *a)
{
	uint8_t chunk[256];
	uint64_t len = MIN(a[1], (uint64_t)(INT32_MAX >> 6)), done = 0;

	while (done < len) {
		uint64_t n = MIN(len - done, sizeof(chunk));

		if (getrandom(chunk, n, 0) != (ssize_t)n)
			return done ? (int64_t)done : -EIO;
		if (copy_to_user(emu->mm, a[0] + done, chunk, n))
			return done ? (int64_t)done : -EFAULT;
		done += n;
	}
	return (int64_t)done;
}

static int64_t sys_einval(struct emu *emu, const uint64_t *a)
{
	return -EINVAL;
}

/* No file system: nothing can be opened. */
static int64_t sys_enoent(struct emu *emu, const uint64_t *a)
{
	return -ENOENT;
}

/*
 * fds 0-2 are terminals to the guest only when they are on the host, so that a guest's
 * stdio buffers its output as the same program run natively would.
 */
static int64_t sys_ioctl(struct emu *emu, const uint64_t *a)
{
	int fd = (int)a[0];

	if (!sys_is_std_fd(a[0]))
		return -EBADF;
	if (!isatty(fd))
		return -ENOTTY;
	switch (a[1]) {
	case TCGETS_LINUX: {
		/* struct termios of the kernel: four flags, c_line, c_cc[19]. */
		uint8_t kt[36] = { 0 };
		struct termios t;
		uint32_t f[4];

		if (tcgetattr(fd, &t) < 0)
			return -ENOTTY;
		f[0] = htole32(t.c_iflag);
		f[1] = htole32(t.c_oflag);
		f[2] = htole32(t.c_cflag);
		f[3] = htole32(t.c_lflag);
		memcpy(kt, f, sizeof(f));
		kt[16] = t.c_line;
		memcpy(kt + 17, t.c_cc, MIN(sizeof(t.c_cc), (size_t)19));
		return copy_to_user(emu->mm, a[2], kt, sizeof(kt)) ? -EFAULT : 0;
	}
	case TIOCGWINSZ_LINUX: {
		struct winsize ws;
		uint16_t w[4];

		if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
			return -ENOTTY;
		w[0] = htole16(ws.ws_row);
		w[1] = htole16(ws.ws_col);
		w[2] = htole16(ws.ws_xpixel);
		w[3] = htole16(ws.ws_ypixel);
		return copy_to_user(emu->mm, a[2], w, sizeof(w)) ? -EFAULT : 0;
	}
	default:
		return -ENOTTY;
	}
}

static void sys_stat_put(uint8_t *buf, struct arch_stat_field f, uint64_t v)
{
	uint64_t le = htole64(v);

	if (f.len)
		memcpy(buf + f.off, &le, f.len);
}

/* fds 0-2 look like a pseudo-terminal: a character device, the same on every run. */
static int64_t sys_fstat_std(struct emu *emu, uint64_t fd, uint64_t addr)
{
	const struct arch_stat_layout *l = &emu->cpu->stat;
	uint8_t buf[256] = { 0 };

	if (!sys_is_std_fd(fd))
		return -EBADF;
	sys_stat_put(buf, l->dev, 22);
	sys_stat_put(buf, l->ino, 3 + fd);
	sys_stat_put(buf, l->mode, S_IFCHR_LINUX | 0620);
	sys_stat_put(buf, l->nlink, 1);
	sys_stat_put(buf, l->uid, getuid());
	sys_stat_put(buf, l->gid, 5);
	sys_stat_put(buf, l->rdev, makedev(136, 0));
	sys_stat_put(buf, l->blksize, 1024);
	return copy_to_user(emu->mm, addr, buf, l->size) ? -EFAULT : 0;
}

static int64_t sys_fstat(struct emu *emu, const uint64_t *a)
{
	return sys_fstat_std(emu, a[0], a[1]);
}

static int64_t sys_newfstatat(struct emu *emu, const uint64_t *a)
{
	char path[2];
	int64_t n;

	n = strncpy_from_user(emu->mm, path, a[1], sizeof(path));
	if (n == -EFAULT)
		return -EFAULT;
	if (n == 0 && (a[3] & AT_EMPTY_PATH_LINUX))
		return sys_fstat_std(emu, a[0], a[2]);
	if (n == 0)
		return -ENOENT;
	return -ENOENT;
}

static int64_t sys_getpid(struct emu *emu, const uint64_t *a)
{
	return EMU_GUEST_PID;
}

static int64_t sys_getppid(struct emu *emu, const uint64_t *a)
{
	return EMU_GUEST_PPID;
}

static int64_t sys_getuid(struct emu *emu, const uint64_t *a)
{
	return getuid();
}

static int64_t sys_geteuid(struct emu *emu, const uint64_t *a)
{
	return geteuid();
}

static int64_t sys_getgid(struct emu *emu, const uint64_t *a)
{
	return getgid();
}

static int64_t sys_getegid(struct emu *emu, const uint64_t *a)
{
	return getegid();
}

static int64_t sys_clock_gettime(struct emu *emu, const uint64_t *a)
{
	struct timespec ts;
	int64_t t[2];

	if (a[0] > 11 || clock_gettime((clockid_t)a[0], &ts) < 0)
		return -EINVAL;
	t[0] = (int64_t)htole64((uint64_t)ts.tv_sec);
	t[1] = (int64_t)htole64((uint64_t)ts.tv_nsec);
	return copy_to_user(emu->mm, a[1], t, sizeof(t)) ? -EFAULT : 0;
}

static int64_t sys_time(struct emu *emu, const uint64_t *a)
{
	int64_t t = (int64_t)time(NULL);

	if (a[0] && sys_put_u64(emu, a[0], (uint64_t)t))
		return -EFAULT;
	return t;
}

static int64_t sys_gettimeofday(struct emu *emu, const uint64_t *a)
{
	struct timespec ts;
	uint64_t tv[2], tz[1] = { 0 };

	clock_gettime(CLOCK_REALTIME, &ts);
	tv[0] = htole64((uint64_t)ts.tv_sec);
	tv[1] = htole64((uint64_t)ts.tv_nsec / 1000);
	if (a[0] && copy_to_user(emu->mm, a[0], tv, sizeof(tv)))
		return -EFAULT;
	if (a[1] && copy_to_user(emu->mm, a[1], tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

/* A guest struct timespec at @addr, checked as the kernel checks it. */
static int64_t sys_get_timespec(struct emu *emu, uint64_t addr, struct timespec *ts)
{
	int64_t t[2];

	if (copy_from_user(emu->mm, t, addr, sizeof(t)))
		return -EFAULT;
	t[0] = (int64_t)le64toh((uint64_t)t[0]);
	t[1] = (int64_t)le64toh((uint64_t)t[1]);
	if (t[0] < 0 || t[1] < 0 || t[1] >= 1000000000)
		return -EINVAL;
	ts->tv_sec = (time_t)t[0];
	ts->tv_nsec = (long)t[1];
	return 0;
}

/* The guest really sleeps: there is only one thread, and time is the host's. */
static int64_t sys_clock_nanosleep(struct emu *emu, const uint64_t *a)
{
	int flags = a[1] & TIMER_ABSTIME_LINUX ? TIMER_ABSTIME : 0;
	struct timespec ts;
	int64_t err = sys_get_timespec(emu, a[2], &ts);

	if (err)
		return err;
	if (a[0] > 11)
		return -EINVAL;
	do {
		err = clock_nanosleep((clockid_t)a[0], flags, &ts, &ts);
	} while (err == EINTR);
	return -err;
}

static int64_t sys_nanosleep(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[4] = { CLOCK_MONOTONIC, 0, a[0], a[1] };

	return sys_clock_nanosleep(emu, args);
}

static int64_t sys_sched_yield(struct emu *emu, const uint64_t *a)
{
	return 0;
}

/* One CPU: the mask is the lowest bit of a long. */
static int64_t sys_sched_getaffinity(struct emu *emu, const uint64_t *a)
{
	if (a[0] != 0 && a[0] != EMU_GUEST_PID)
		return -ESRCH;
	if (a[1] < sizeof(uint64_t) || (a[1] & (sizeof(uint64_t) - 1)))
		return -EINVAL;
	if (sys_put_u64(emu, a[2], 1))
		return -EFAULT;
	return sizeof(uint64_t);
}

/* Dispositions are recorded and handed back; delivery comes with signal support. */
static int64_t sys_rt_sigaction(struct emu *emu, const uint64_t *a)
{
	uint8_t act[SIGACTION_SIZE_LINUX];
	uint64_t sig = a[0];

	if (a[3] != SIGSET_SIZE_LINUX || sig < 1 || sig > EMU_NSIG)
		return -EINVAL;
	if (a[1] && (sig == SIGKILL_LINUX || sig == SIGSTOP_LINUX))
		return -EINVAL;
	if (a[1] && copy_from_user(emu->mm, act, a[1], sizeof(act)))
		return -EFAULT;
	if (a[2] && copy_to_user(emu->mm, a[2], emu->sigactions[sig], sizeof(act)))
		return -EFAULT;
	if (a[1])
		memcpy(emu->sigactions[sig], act, sizeof(act));
	return 0;
}

static int64_t sys_rt_sigprocmask(struct emu *emu, const uint64_t *a)
{
	uint64_t set, old = emu->sigmask;
	const uint64_t unblockable = (1ull << (SIGKILL_LINUX - 1)) | (1ull << (SIGSTOP_LINUX - 1));

	if (a[3] != SIGSET_SIZE_LINUX || a[0] > SIG_SETMASK_LINUX)
		return -EINVAL;
	if (a[1]) {
		if (copy_from_user(emu->mm, &set, a[1], sizeof(set)))
			return -EFAULT;
		set = le64toh(set);
		if (a[0] == SIG_BLOCK_LINUX)
			emu->sigmask |= set;
		else if (a[0] == SIG_UNBLOCK_LINUX)
			emu->sigmask &= ~set;
		else
			emu->sigmask = set;
		emu->sigmask &= ~unblockable;
	}
	if (a[2] && sys_put_u64(emu, a[2], old))
		return -EFAULT;
	return 0;
}

/* A handler is installed when sa_handler is neither SIG_DFL (0) nor SIG_IGN (1). */
static uint64_t sys_sighandler(struct emu *emu, int sig)
{
	uint64_t h;

	memcpy(&h, emu->sigactions[sig], sizeof(h));
	return le64toh(h);
}

/*
 * A signal the guest sends itself. Until signals are delivered, the default action is
 * taken whatever the disposition, unless the signal is ignored: the signals whose default
 * is to be ignored, and SIG_IGN.
 */
static int64_t sys_signal_self(struct emu *emu, uint64_t pid, uint64_t sig)
{
	if (pid != EMU_GUEST_PID && pid != 0 && (int64_t)pid != -1)
		return -ESRCH;
	if (sig > EMU_NSIG)
		return -EINVAL;
	if (sig == 0)
		return 0;
	if (sig == SIGCHLD_LINUX || sig == SIGURG_LINUX || sig == SIGWINCH_LINUX ||
	    sig == SIGCONT_LINUX)
		return 0;
	if (sys_sighandler(emu, (int)sig) == SIG_IGN_LINUX)
		return 0;
	emu->end = EMU_END_SIGNAL;
	emu->status = (int)sig;
	emu->kill_reason = "sent by the guest itself";
	emu_engine_stop(emu);
	return 0;
}

static int64_t sys_kill(struct emu *emu, const uint64_t *a)
{
	return sys_signal_self(emu, a[0], a[1]);
}

static int64_t sys_tgkill(struct emu *emu, const uint64_t *a)
{
	if (a[0] != EMU_GUEST_PID || a[1] != EMU_GUEST_PID)
		return -ESRCH;
	return sys_signal_self(emu, a[0], a[2]);
}

static int64_t sys_close(struct emu *emu, const uint64_t *a)
{
	/* The host's 0-2 stay open: closing them in the guest only forgets them. */
	return sys_is_std_fd(a[0]) ? 0 : -EBADF;
}

static int64_t sys_lseek(struct emu *emu, const uint64_t *a)
{
	return sys_is_std_fd(a[0]) ? -ESPIPE : -EBADF;
}

static const struct emu_syscall emu_syscalls[EMU_SYS__COUNT] = {
	[EMU_SYS_read] = { "read", "fxu", sys_read },
	[EMU_SYS_write] = { "write", "fxu", sys_write },
	[EMU_SYS_readv] = { "readv", "fxu", sys_readv },
	[EMU_SYS_writev] = { "writev", "fxu", sys_writev },
	[EMU_SYS_exit] = { "exit", "d", sys_exit_group },
	[EMU_SYS_exit_group] = { "exit_group", "d", sys_exit_group },
	[EMU_SYS_mmap] = { "mmap", "xxPMfxR", sys_mmap },
	[EMU_SYS_munmap] = { "munmap", "xx", sys_munmap },
	[EMU_SYS_mprotect] = { "mprotect", "xxP", sys_mprotect },
	[EMU_SYS_brk] = { "brk", "xR", sys_brk },
	[EMU_SYS_mremap] = { "mremap", "xxxxxR", sys_mremap },
	[EMU_SYS_madvise] = { "madvise", "xxd", sys_madvise },
	[EMU_SYS_arch_prctl] = { "arch_prctl", "xx", sys_arch_prctl },
	[EMU_SYS_set_tid_address] = { "set_tid_address", "x", sys_set_tid_address },
	[EMU_SYS_set_robust_list] = { "set_robust_list", "xu", sys_set_robust_list },
	[EMU_SYS_rseq] = { "rseq", "xuxx", sys_enosys },
	[EMU_SYS_prlimit64] = { "prlimit64", "ddxx", sys_prlimit64 },
	[EMU_SYS_getrlimit] = { "getrlimit", "dx", sys_getrlimit },
	[EMU_SYS_uname] = { "uname", "x", sys_uname },
	[EMU_SYS_getrandom] = { "getrandom", "xux", sys_getrandom },
	[EMU_SYS_readlinkat] = { "readlinkat", "fsxu", sys_einval },
	[EMU_SYS_readlink] = { "readlink", "sxu", sys_einval },
	[EMU_SYS_ioctl] = { "ioctl", "fxx", sys_ioctl },
	[EMU_SYS_fstat] = { "fstat", "fx", sys_fstat },
	[EMU_SYS_newfstatat] = { "newfstatat", "fsxx", sys_newfstatat },
	[EMU_SYS_getpid] = { "getpid", "", sys_getpid },
	[EMU_SYS_gettid] = { "gettid", "", sys_getpid },
	[EMU_SYS_getppid] = { "getppid", "", sys_getppid },
	[EMU_SYS_getuid] = { "getuid", "", sys_getuid },
	[EMU_SYS_geteuid] = { "geteuid", "", sys_geteuid },
	[EMU_SYS_getgid] = { "getgid", "", sys_getgid },
	[EMU_SYS_getegid] = { "getegid", "", sys_getegid },
	[EMU_SYS_rt_sigaction] = { "rt_sigaction", "dxxu", sys_rt_sigaction },
	[EMU_SYS_rt_sigprocmask] = { "rt_sigprocmask", "dxxu", sys_rt_sigprocmask },
	[EMU_SYS_clock_gettime] = { "clock_gettime", "dx", sys_clock_gettime },
	[EMU_SYS_openat] = { "openat", "fsxx", sys_enoent },
	[EMU_SYS_open] = { "open", "sxx", sys_enoent },
	[EMU_SYS_close] = { "close", "f", sys_close },
	[EMU_SYS_lseek] = { "lseek", "fdd", sys_lseek },
	[EMU_SYS_kill] = { "kill", "dd", sys_kill },
	[EMU_SYS_tgkill] = { "tgkill", "ddd", sys_tgkill },
	[EMU_SYS_futex] = { "futex", "xdxxxx", sys_enosys },
	[EMU_SYS_mincore] = { "mincore", "xxx", sys_mincore },
	[EMU_SYS_msync] = { "msync", "xxx", sys_msync },
	[EMU_SYS_time] = { "time", "x", sys_time },
	[EMU_SYS_gettimeofday] = { "gettimeofday", "xx", sys_gettimeofday },
	[EMU_SYS_nanosleep] = { "nanosleep", "xx", sys_nanosleep },
	[EMU_SYS_clock_nanosleep] = { "clock_nanosleep", "dxxx", sys_clock_nanosleep },
	[EMU_SYS_sched_yield] = { "sched_yield", "", sys_sched_yield },
	[EMU_SYS_sched_getaffinity] = { "sched_getaffinity", "dux", sys_sched_getaffinity },
};

/* ---- tracing ---- */

struct trace_bit {
	uint64_t bit;
	const char *name;
};

/* @v as NAME|NAME|0xrest, or @none (or 0) when no bit is set. */
static void trace_flags(GString *s, uint64_t v, const struct trace_bit *names, size_t n,
			const char *none)
{
	bool first = true;

	if (v == 0) {
		g_string_append(s, none ? none : "0");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(v & names[i].bit))
			continue;
		g_string_append_printf(s, "%s%s", first ? "" : "|", names[i].name);
		v &= ~names[i].bit;
		first = false;
	}
	if (v)
		g_string_append_printf(s, "%s0x%" PRIx64, first ? "" : "|", v);
}

static void trace_arg(struct emu *emu, GString *s, char kind, uint64_t v)
{
	static const struct trace_bit prot[] = {
		{ MM_PROT_READ, "PROT_READ" },
		{ MM_PROT_WRITE, "PROT_WRITE" },
		{ MM_PROT_EXEC, "PROT_EXEC" },
	};
	static const struct trace_bit mflags[] = {
		{ MAP_SHARED_LINUX, "MAP_SHARED" },
		{ MAP_PRIVATE_LINUX, "MAP_PRIVATE" },
		{ MAP_FIXED_LINUX, "MAP_FIXED" },
		{ MAP_ANONYMOUS_LINUX, "MAP_ANONYMOUS" },
		{ MAP_GROWSDOWN_LINUX, "MAP_GROWSDOWN" },
		{ MAP_DENYWRITE_LINUX, "MAP_DENYWRITE" },
		{ MAP_EXECUTABLE_LINUX, "MAP_EXECUTABLE" },
		{ MAP_LOCKED_LINUX, "MAP_LOCKED" },
		{ MAP_NORESERVE_LINUX, "MAP_NORESERVE" },
		{ MAP_POPULATE_LINUX, "MAP_POPULATE" },
		{ MAP_NONBLOCK_LINUX, "MAP_NONBLOCK" },
		{ MAP_STACK_LINUX, "MAP_STACK" },
		{ MAP_HUGETLB_LINUX, "MAP_HUGETLB" },
		{ MAP_FIXED_NOREPLACE_LINUX, "MAP_FIXED_NOREPLACE" },
	};
	char str[40];
	int64_t n;

	switch (kind) {
	case 'd':
		g_string_append_printf(s, "%" PRId64, (int64_t)v);
		break;
	case 'u':
		g_string_append_printf(s, "%" PRIu64, v);
		break;
	case 'f':
		if ((int32_t)v == AT_FDCWD_LINUX)
			g_string_append(s, "AT_FDCWD");
		else
			g_string_append_printf(s, "%d", (int32_t)v);
		break;
	case 's':
		n = strncpy_from_user(emu->mm, str, v, sizeof(str));
		if (n == -EFAULT)
			g_string_append_printf(s, "0x%" PRIx64, v);
		else
			g_string_append_printf(s, "\"%s\"%s", str, n < 0 ? "..." : "");
		break;
	case 'P':
		trace_flags(s, v, prot, G_N_ELEMENTS(prot), "PROT_NONE");
		break;
	case 'M':
		trace_flags(s, v, mflags, G_N_ELEMENTS(mflags), NULL);
		break;
	default:
		g_string_append_printf(s, "0x%" PRIx64, v);
		break;
	}
}

static void trace_syscall(struct emu *emu, uint64_t seq, const struct emu_syscall *sc,
			  uint64_t nr, const uint64_t *a, int64_t ret)
{
	GString *s = g_string_new(NULL);
	const char *fmt = sc->args;
	bool hex_result = strchr(fmt, 'R') != NULL;

	g_string_append_printf(s, "syscall #%" PRIu64 ": %s(", seq, sc->name);
	for (unsigned i = 0; fmt[i] && fmt[i] != 'R' && i < 6; i++) {
		if (i)
			g_string_append(s, ", ");
		trace_arg(emu, s, fmt[i], a[i]);
	}
	g_string_append(s, ")");
	if (emu->end != EMU_END_NONE)
		g_string_append(s, " = ?");
	else if (ret < 0 && ret >= -4095)
		g_string_append_printf(s, " = -%s (%s)", strerrorname_np((int)-ret),
				       strerror((int)-ret));
	else if (hex_result)
		g_string_append_printf(s, " = 0x%" PRIx64, (uint64_t)ret);
	else
		g_string_append_printf(s, " = %" PRId64, ret);
	fprintf(stderr, "%s\n", s->str);
	g_string_free(s, TRUE);
}

/* A call mmuemu does not serve is named once, so that the gap is visible. */
static void note_unknown(struct emu *emu, uint64_t nr, const char *name)
{
	if (nr < sizeof(emu->unknown_named) * 8) {
		if (emu->unknown_named[nr / 8] & (1u << (nr % 8)))
			return;
		emu->unknown_named[nr / 8] |= (uint8_t)(1u << (nr % 8));
	}
	if (name)
		emu_warn("%s: syscall %" PRIu64 " (%s) is not implemented: -ENOSYS", emu->comm,
			 nr, name);
	else
		emu_warn("%s: unknown syscall %" PRIu64 " (%s numbering): -ENOSYS", emu->comm, nr,
			 emu->arch->name);
}

void emu_syscall_hook(struct uc_struct *uc, void *user)
{
	struct emu *emu = user;
	const struct arch_cpu *cpu = emu->cpu;
	uint64_t nr = emu_reg_read(emu, cpu->reg_sysno), a[6], seq;
	const struct emu_syscall *sc;
	struct emu_syscall unknown = { NULL, "xxxxxx", NULL };
	char name[32];
	int64_t ret;

	for (int i = 0; i < 6; i++)
		a[i] = emu_reg_read(emu, cpu->reg_args[i]);
	seq = ++emu->count.syscalls;
	emu->mm->caller_seq = seq;

	sc = &emu_syscalls[cpu->sysno(nr)];
	if (!sc->name) {
		snprintf(name, sizeof(name), "syscall_%" PRIu64, nr);
		unknown.name = name;
		sc = &unknown;
	}
	if (sc->fn) {
		ret = sc->fn(emu, a);
	} else {
		ret = -ENOSYS;
		if (emu->opt->trace_syscall)
			note_unknown(emu, nr, sc == &unknown ? NULL : sc->name);
	}
	if (emu->end == EMU_END_NONE)
		emu_reg_write(emu, cpu->reg_ret, (uint64_t)ret);
	if (emu->opt->trace_syscall)
		trace_syscall(emu, seq, sc, nr, a, ret);
}
