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
 * Files are the host's, through the guest's fd table of emu/fs.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "emu/emu.h"
#include "emu/fs.h"

/* Guest ABI constants: the same on x86_64 and arm64. */
#define AT_FDCWD_LINUX         (-100)
#define AT_EMPTY_PATH_LINUX    0x1000
#define ARCH_SET_FS_LINUX      0x1002
#define ARCH_GET_FS_LINUX      0x1003
#define ARCH_SET_GS_LINUX      0x1001
#define ARCH_GET_GS_LINUX      0x1004
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
	 * unsigned decimal, o octal, x hex, f fd, s string, P prot bits, M mmap flags.
	 * An upper-case R at the end prints the result in hex (an address).
	 */
	const char *args;
	int64_t (*fn)(struct emu *emu, const uint64_t *a);
};

/* ---- helpers ---- */

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
	return emu_sys_read(emu, a);
}

static int64_t sys_write(struct emu *emu, const uint64_t *a)
{
	return sys_check_pipe(emu, emu_sys_write(emu, a));
}

static int64_t sys_readv(struct emu *emu, const uint64_t *a)
{
	return emu_sys_readv(emu, a);
}

static int64_t sys_writev(struct emu *emu, const uint64_t *a)
{
	return sys_check_pipe(emu, emu_sys_writev(emu, a));
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
		return emu_fs_mmap(emu, a[0], a[1], (unsigned)a[2], flags, a[4],
				   a[5] >> emu->mmu->page_shift);
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
	case ARCH_SET_GS_LINUX:
		if (!emu->cpu->reg_gs_base)
			return -EINVAL;
		emu_reg_write(emu, emu->cpu->reg_gs_base, a[1]);
		return 0;
	case ARCH_GET_GS_LINUX:
		if (!emu->cpu->reg_gs_base)
			return -EINVAL;
		return sys_put_u64(emu, a[1], emu_reg_read(emu, emu->cpu->reg_gs_base));
	default:
		return -EINVAL;
	}
}

static int64_t sys_set_tid_address(struct emu *emu, const uint64_t *a)
{
	emu->clear_child_tid = a[0];
	return EMU_GUEST_PID;
}

/* The list is not walked (one thread, no futexes to wake); its size is checked as Linux does. */
static int64_t sys_set_robust_list(struct emu *emu, const uint64_t *a)
{
	return a[1] == 24 ? 0 : -EINVAL;
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

/* The same limits for /proc/PID/limits (proc.c). */
void emu_rlimit(unsigned resource, uint64_t lim[2])
{
	sys_rlimit(resource, lim);
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

	/* GRND_NONBLOCK 1, GRND_RANDOM 2, GRND_INSECURE 4; INSECURE with RANDOM is -EINVAL. */
	if ((uint32_t)a[2] & ~7u || ((uint32_t)a[2] & 6u) == 6u)
		return -EINVAL;

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

/*
 * The guest's clock id as a host one. Ids 0-11 are the fixed clocks. A negative id is a CPU
 * clock (include/linux/posix-timers.h): ~pid << 3, bit 2 for a thread, and the type in the
 * low two bits (PROF, VIRT, SCHED; 3 is invalid). pid 0 is the caller; the guest's own
 * pid or tid is the emulator's process or thread, whose CPU time is the guest's. Any other
 * pid does not exist for the guest: -EINVAL, as Linux answers for a pid that is not there.
 */
static int clock_from_guest(uint64_t guest, clockid_t *host)
{
	/*
	 * clockid_t is an int: only the low 32 bits count. An x86_64 guest's "mov $id, %edi"
	 * zero-extends a negative id, so the register is not its sign extension.
	 */
	int32_t id = (int32_t)guest;
	int64_t pid;

	if (id >= 0) {
		if (id > 11)
			return -EINVAL;
		*host = (clockid_t)id;
		return 0;
	}
	if ((id & 3) == 3)
		return -EINVAL;
	pid = ~(int64_t)(id >> 3);
	if (pid != 0 && pid != EMU_GUEST_PID)
		return -EINVAL;
	*host = id & 4 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID;
	return 0;
}

static int put_timespec(struct emu *emu, uint64_t addr, const struct timespec *ts)
{
	int64_t t[2] = {
		(int64_t)htole64((uint64_t)ts->tv_sec),
		(int64_t)htole64((uint64_t)ts->tv_nsec),
	};

	return copy_to_user(emu->mm, addr, t, sizeof(t)) ? -EFAULT : 0;
}

static int64_t sys_clock_gettime(struct emu *emu, const uint64_t *a)
{
	struct timespec ts;
	clockid_t id;

	if (clock_from_guest(a[0], &id) || clock_gettime(id, &ts) < 0)
		return -EINVAL;
	return put_timespec(emu, a[1], &ts);
}

static int64_t sys_clock_getres(struct emu *emu, const uint64_t *a)
{
	struct timespec ts;
	clockid_t id;

	if (clock_from_guest(a[0], &id) || clock_getres(id, &ts) < 0)
		return -EINVAL;
	return a[1] ? put_timespec(emu, a[1], &ts) : 0;
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


/* struct rusage is the same on every 64-bit architecture: the host's bytes are the guest's. */
static int64_t sys_getrusage(struct emu *emu, const uint64_t *a)
{
	struct rusage ru;

	if (getrusage((int)a[0], &ru) < 0)
		return -errno;
	return copy_to_user(emu->mm, a[1], &ru, sizeof(ru)) ? -EFAULT : 0;
}

/* The host's supplementary groups, as 32-bit gids. */
static int64_t sys_getgroups(struct emu *emu, const uint64_t *a)
{
	gid_t groups[256];
	uint32_t g[256];
	int n = getgroups(G_N_ELEMENTS(groups), groups);

	if (n < 0)
		return -errno;
	if ((int32_t)a[0] < 0)
		return -EINVAL;
	if (a[0] == 0)
		return n;
	if ((uint32_t)a[0] < (unsigned)n)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		g[i] = htole32((uint32_t)groups[i]);
	return copy_to_user(emu->mm, a[1], g, (uint64_t)n * sizeof(g[0])) ? -EFAULT : n;
}

#define PR_SET_NAME_LINUX 15
#define PR_GET_NAME_LINUX 16

/* prctl(): the task's name (comm), which maps and status show; the rest is -EINVAL. */
static int64_t sys_prctl(struct emu *emu, const uint64_t *a)
{
	char name[16];

	switch (a[0]) {
	case PR_SET_NAME_LINUX:
		if (strncpy_from_user(emu->mm, name, a[1], sizeof(name)) == -EFAULT)
			return -EFAULT;
		name[sizeof(name) - 1] = '\0';
		memcpy(emu->comm, name, sizeof(emu->comm));
		return 0;
	case PR_GET_NAME_LINUX:
		memset(name, 0, sizeof(name));
		g_strlcpy(name, emu->comm, sizeof(name));
		return copy_to_user(emu->mm, a[1], name, sizeof(name)) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

/* So is struct sysinfo; the machine is the host's. */
static int64_t sys_sysinfo(struct emu *emu, const uint64_t *a)
{
	struct sysinfo si;

	if (sysinfo(&si) < 0)
		return -errno;
	return copy_to_user(emu->mm, a[0], &si, sizeof(si)) ? -EFAULT : 0;
}
/* Signals: emu/signal.c. A signal the kernel sends the guest (SIGPIPE) is kill()'s. */
static int64_t sys_signal_self(struct emu *emu, uint64_t pid, uint64_t sig)
{
	const uint64_t args[2] = { pid, sig };

	return emu_sys_kill(emu, args);
}

static const struct emu_syscall emu_syscalls[EMU_SYS__COUNT] = {
	/* files: emu/fs.c */
	[EMU_SYS_pread64] = { "pread64", "fxud", emu_sys_pread64 },
	[EMU_SYS_pwrite64] = { "pwrite64", "fxud", emu_sys_pwrite64 },
	[EMU_SYS_access] = { "access", "so", emu_sys_access },
	[EMU_SYS_faccessat] = { "faccessat", "fso", emu_sys_faccessat },
	[EMU_SYS_faccessat2] = { "faccessat2", "fsox", emu_sys_faccessat2 },
	[EMU_SYS_pipe] = { "pipe", "x", emu_sys_pipe },
	[EMU_SYS_pipe2] = { "pipe2", "xx", emu_sys_pipe2 },
	[EMU_SYS_dup] = { "dup", "f", emu_sys_dup },
	[EMU_SYS_dup2] = { "dup2", "ff", emu_sys_dup2 },
	[EMU_SYS_dup3] = { "dup3", "ffx", emu_sys_dup3 },
	[EMU_SYS_fcntl] = { "fcntl", "fdx", emu_sys_fcntl },
	[EMU_SYS_getcwd] = { "getcwd", "xu", emu_sys_getcwd },
	[EMU_SYS_chdir] = { "chdir", "s", emu_sys_chdir },
	[EMU_SYS_fchdir] = { "fchdir", "f", emu_sys_fchdir },
	[EMU_SYS_mkdir] = { "mkdir", "so", emu_sys_mkdir },
	[EMU_SYS_mkdirat] = { "mkdirat", "fso", emu_sys_mkdirat },
	[EMU_SYS_rmdir] = { "rmdir", "s", emu_sys_rmdir },
	[EMU_SYS_unlink] = { "unlink", "s", emu_sys_unlink },
	[EMU_SYS_unlinkat] = { "unlinkat", "fsx", emu_sys_unlinkat },
	[EMU_SYS_rename] = { "rename", "ss", emu_sys_rename },
	[EMU_SYS_renameat] = { "renameat", "fsfs", emu_sys_renameat },
	[EMU_SYS_renameat2] = { "renameat2", "fsfsx", emu_sys_renameat2 },
	[EMU_SYS_stat] = { "stat", "sx", emu_sys_stat },
	[EMU_SYS_lstat] = { "lstat", "sx", emu_sys_lstat },
	[EMU_SYS_statx] = { "statx", "fsxxx", emu_sys_statx },
	[EMU_SYS_getdents64] = { "getdents64", "fxu", emu_sys_getdents64 },
	[EMU_SYS_umask] = { "umask", "o", emu_sys_umask },
	[EMU_SYS_ftruncate] = { "ftruncate", "fd", emu_sys_ftruncate },
	[EMU_SYS_fsync] = { "fsync", "f", emu_sys_fsync },
	[EMU_SYS_fdatasync] = { "fdatasync", "f", emu_sys_fsync },
	[EMU_SYS_getrusage] = { "getrusage", "dx", sys_getrusage },
	[EMU_SYS_sendfile] = { "sendfile", "ffxu", emu_sys_sendfile },
	[EMU_SYS_copy_file_range] = { "copy_file_range", "fxfxux", emu_sys_copy_file_range },
	[EMU_SYS_splice] = { "splice", "fxfxux", emu_sys_splice },
	[EMU_SYS_tee] = { "tee", "ffux", emu_sys_tee },
	[EMU_SYS_vmsplice] = { "vmsplice", "fxux", emu_sys_vmsplice },
	[EMU_SYS_symlink] = { "symlink", "ss", emu_sys_symlink },
	[EMU_SYS_symlinkat] = { "symlinkat", "sfs", emu_sys_symlinkat },
	[EMU_SYS_chmod] = { "chmod", "so", emu_sys_chmod },
	[EMU_SYS_fchmod] = { "fchmod", "fo", emu_sys_fchmod },
	[EMU_SYS_fchmodat] = { "fchmodat", "fso", emu_sys_fchmodat },
	[EMU_SYS_statfs] = { "statfs", "sx", emu_sys_statfs },
	[EMU_SYS_fstatfs] = { "fstatfs", "fx", emu_sys_fstatfs },
	[EMU_SYS_sync] = { "sync", "", emu_sys_sync },
	[EMU_SYS_utimensat] = { "utimensat", "fsxx", emu_sys_utimensat },
	[EMU_SYS_getgroups] = { "getgroups", "dx", sys_getgroups },
	[EMU_SYS_prctl] = { "prctl", "dxxxx", sys_prctl },
	[EMU_SYS_sysinfo] = { "sysinfo", "x", sys_sysinfo },
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
	[EMU_SYS_readlinkat] = { "readlinkat", "fsxu", emu_sys_readlinkat },
	[EMU_SYS_readlink] = { "readlink", "sxu", emu_sys_readlink },
	[EMU_SYS_ioctl] = { "ioctl", "fxx", emu_sys_ioctl },
	[EMU_SYS_fstat] = { "fstat", "fx", emu_sys_fstat },
	[EMU_SYS_newfstatat] = { "newfstatat", "fsxx", emu_sys_newfstatat },
	[EMU_SYS_getpid] = { "getpid", "", sys_getpid },
	[EMU_SYS_gettid] = { "gettid", "", sys_getpid },
	[EMU_SYS_getppid] = { "getppid", "", sys_getppid },
	[EMU_SYS_getuid] = { "getuid", "", sys_getuid },
	[EMU_SYS_geteuid] = { "geteuid", "", sys_geteuid },
	[EMU_SYS_getgid] = { "getgid", "", sys_getgid },
	[EMU_SYS_getegid] = { "getegid", "", sys_getegid },
	[EMU_SYS_rt_sigaction] = { "rt_sigaction", "dxxu", emu_sys_rt_sigaction },
	[EMU_SYS_rt_sigprocmask] = { "rt_sigprocmask", "dxxu", emu_sys_rt_sigprocmask },
	[EMU_SYS_clock_gettime] = { "clock_gettime", "dx", sys_clock_gettime },
	[EMU_SYS_clock_getres] = { "clock_getres", "dx", sys_clock_getres },
	[EMU_SYS_openat] = { "openat", "fsxo", emu_sys_openat },
	[EMU_SYS_open] = { "open", "sxo", emu_sys_open },
	[EMU_SYS_close] = { "close", "f", emu_sys_close },
	[EMU_SYS_lseek] = { "lseek", "fdd", emu_sys_lseek },
	[EMU_SYS_kill] = { "kill", "dd", emu_sys_kill },
	[EMU_SYS_tgkill] = { "tgkill", "ddd", emu_sys_tgkill },
	[EMU_SYS_tkill] = { "tkill", "dd", emu_sys_tkill },
	[EMU_SYS_rt_sigreturn] = { "rt_sigreturn", "", emu_sys_rt_sigreturn },
	[EMU_SYS_sigaltstack] = { "sigaltstack", "xx", emu_sys_sigaltstack },
	[EMU_SYS_rt_sigpending] = { "rt_sigpending", "xu", emu_sys_rt_sigpending },
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

/*
 * Strings in the trace are cut as strace cuts them by default (-s 32): at most
 * TRACE_STR_MAX bytes, then "..." when there was more; quotes, backslashes and bytes that
 * do not print are escaped (\n, \t, ... or octal), so no byte of the guest's reaches the
 * terminal as is.
 */
#define TRACE_STR_MAX 32

static void trace_str(GString *s, const char *str, size_t len, bool more)
{
	g_string_append_c(s, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)str[i];

		switch (c) {
		case '"': g_string_append(s, "\\\""); break;
		case '\\': g_string_append(s, "\\\\"); break;
		case '\n': g_string_append(s, "\\n"); break;
		case '\t': g_string_append(s, "\\t"); break;
		case '\r': g_string_append(s, "\\r"); break;
		case '\v': g_string_append(s, "\\v"); break;
		case '\f': g_string_append(s, "\\f"); break;
		default:
			if (c >= 0x20 && c < 0x7f)
				g_string_append_c(s, (char)c);
			else
				g_string_append_printf(s, "\\%o", c);
			break;
		}
	}
	g_string_append_c(s, '"');
	if (more)
		g_string_append(s, "...");
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
	char str[TRACE_STR_MAX + 1];
	int64_t n;

	switch (kind) {
	case 'd':
		g_string_append_printf(s, "%" PRId64, (int64_t)v);
		break;
	case 'u':
		g_string_append_printf(s, "%" PRIu64, v);
		break;
	case 'o':
		g_string_append_printf(s, "0%" PRIo64, v);
		break;
	case 'f':
		if ((int32_t)v == AT_FDCWD_LINUX)
			g_string_append(s, "AT_FDCWD");
		else
			g_string_append_printf(s, "%d", (int32_t)v);
		break;
	case 's':
		/* One byte past the limit tells a string of exactly TRACE_STR_MAX from a longer. */
		n = strncpy_from_user(emu->mm, str, v, sizeof(str));
		if (n == -EFAULT)
			g_string_append_printf(s, "0x%" PRIx64, v);
		else
			trace_str(s, str, n < 0 ? TRACE_STR_MAX : (size_t)n, n < 0);
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

/*
 * A call mmuemu does not serve is named once on stderr, so that the gap is visible, and
 * returns -ENOSYS. Numbers past the bitmap (no architecture has a syscall there) share its
 * last bit: the first of them is named, the rest are not, so a guest cannot flood stderr.
 */
static void note_unknown(struct emu *emu, uint64_t nr, const char *name)
{
	uint64_t bit = MIN(nr, (uint64_t)sizeof(emu->unknown_named) * 8 - 1);

	if (emu->unknown_named[bit / 8] & (1u << (bit % 8)))
		return;
	emu->unknown_named[bit / 8] |= (uint8_t)(1u << (bit % 8));
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
		note_unknown(emu, nr, sc == &unknown ? NULL : sc->name);
	}
	if (emu->end == EMU_END_NONE)
		emu_reg_write(emu, cpu->reg_ret, (uint64_t)ret);
	if (emu->opt->trace_syscall)
		trace_syscall(emu, seq, sc, nr, a, ret);
	/* Pending signals are delivered on the way back to the guest (signal.c). */
	emu_signal_syscall_exit(emu);
	/* --check: mm_validate() after each mm syscall (check.c). */
	emu_check_syscall(emu, sc->name, a, ret);
}
