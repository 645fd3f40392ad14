/* SPDX-License-Identifier: MIT */
/*
 * syscall.c - the guest's system calls, served inside the engine's syscall hook.
 *
 * One table of rows (name, how to trace the arguments, handler, flags) serves every
 * architecture; the architecture's ABI family (arch_cpu.abi) names the call behind each
 * number, and the name finds the row. A handler takes the six raw argument registers and
 * returns what the guest sees in its return register: a value, or a negative errno. Every
 * guest buffer goes through copy_from_user()/copy_to_user(), so a bad pointer is -EFAULT
 * for the guest and never a fault of the host.
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

struct emu_syscall {
	const char *name;
	/*
	 * How --trace=syscall prints the arguments, one letter each: d signed decimal, u
	 * unsigned decimal, o octal, x hex, f fd, s string, P prot bits, M mmap flags.
	 * An upper-case R at the end prints the result in hex (an address).
	 */
	const char *args;
	int64_t (*fn)(struct emu *emu, const uint64_t *a);
	unsigned flags;               /* EMU_SC_* */
};

/* --check runs mm_validate() after the call (check.c). */
#define EMU_SC_MM 0x1u

/* ---- helpers ---- */

static int64_t sys_put_u64(struct emu *emu, uint64_t addr, uint64_t v)
{
	uint64_t le = htole64(v);

	return copy_to_user(emu->proc->mm, addr, &le, sizeof(le)) ? -EFAULT : 0;
}

static int64_t sys_signal_self(struct emu *emu, uint64_t pid, uint64_t sig);

/* A write to a pipe nobody reads raises SIGPIPE in the writer, as Linux does. */
static int64_t sys_check_pipe(struct emu *emu, int64_t ret)
{
	if (ret == -EPIPE) {
		sys_signal_self(emu, emu->proc->pid, SIGPIPE_LINUX);
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
	return do_mmap(emu->proc->mm, a[0], a[1], (unsigned)a[2], flags, a[5] >> emu->mmu->page_shift);
}

static int64_t sys_munmap(struct emu *emu, const uint64_t *a)
{
	emu->count.sys_munmap++;
	return do_munmap(emu->proc->mm, a[0], a[1]);
}

static int64_t sys_mprotect(struct emu *emu, const uint64_t *a)
{
	emu->count.sys_mprotect++;
	if (a[2] > UINT32_MAX)
		return -EINVAL;
	return do_mprotect(emu->proc->mm, a[0], a[1], (unsigned)a[2]);
}

static int64_t sys_brk(struct emu *emu, const uint64_t *a)
{
	emu->count.sys_brk++;
	return (int64_t)do_brk(emu->proc->mm, a[0]);
}

static int64_t sys_mremap(struct emu *emu, const uint64_t *a)
{
	if (a[3] > UINT32_MAX)
		return -EINVAL;
	return do_mremap(emu->proc->mm, a[0], a[1], a[2], (unsigned)a[3], a[4]);
}

static int64_t sys_madvise(struct emu *emu, const uint64_t *a)
{
	if ((int64_t)a[2] < INT32_MIN || (int64_t)a[2] > INT32_MAX)
		return -EINVAL;
	return do_madvise(emu->proc->mm, a[0], a[1], (int)a[2]);
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
		int err = do_mincore(emu->proc->mm, a[0] + done * page, n * page, vec);

		if (err) {
			ret = err;
			break;
		}
		if (copy_to_user(emu->proc->mm, a[2] + done, vec, n)) {
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
	return do_msync(emu->proc->mm, a[0], a[1], (unsigned)a[2]);
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
	return emu->tid;
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
	return copy_to_user(emu->proc->mm, addr, lim, sizeof(lim)) ? -EFAULT : 0;
}

/* prlimit64(pid, resource, new, old): new limits are accepted and not enforced. */
static int64_t sys_prlimit64(struct emu *emu, const uint64_t *a)
{
	if (a[0] != 0 && (int32_t)a[0] != emu->proc->pid)
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
	return copy_to_user(emu->proc->mm, a[0], u, sizeof(u)) ? -EFAULT : 0;
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
		if (copy_to_user(emu->proc->mm, a[0] + done, chunk, n))
			return done ? (int64_t)done : -EFAULT;
		done += n;
	}
	return (int64_t)done;
}

static int64_t sys_getpid(struct emu *emu, const uint64_t *a)
{
	return emu->proc->pid;
}

static int64_t sys_getppid(struct emu *emu, const uint64_t *a)
{
	return emu->proc->ppid;
}

static int64_t sys_gettid(struct emu *emu, const uint64_t *a)
{
	return emu->tid;
}

/*
 * Process groups and sessions, as kernel/sys.c answers them. Only the caller's own process
 * exists for now (no fork yet): any other pid is ESRCH. The first process leads its own
 * session and group, as a pid namespace's init does, so setsid() and setpgid() give EPERM.
 */
static struct emu_proc *sys_find_proc(struct emu *emu, int32_t pid)
{
	return pid == 0 || pid == emu->proc->pid ? emu->proc : NULL;
}

static int64_t sys_getpgid(struct emu *emu, const uint64_t *a)
{
	struct emu_proc *p = sys_find_proc(emu, (int32_t)a[0]);

	return p ? p->pgid : -ESRCH;
}

static int64_t sys_getpgrp(struct emu *emu, const uint64_t *a)
{
	return emu->proc->pgid;
}

static int64_t sys_getsid(struct emu *emu, const uint64_t *a)
{
	struct emu_proc *p = sys_find_proc(emu, (int32_t)a[0]);

	return p ? p->sid : -ESRCH;
}

static int64_t sys_setpgid(struct emu *emu, const uint64_t *a)
{
	int32_t pgid = (int32_t)a[1];
	struct emu_proc *p;

	if (pgid < 0)
		return -EINVAL;
	p = sys_find_proc(emu, (int32_t)a[0]);
	if (!p)
		return -ESRCH;
	/* A session leader may not move (p->signal->leader). */
	if (p->sid == p->pid)
		return -EPERM;
	if (pgid == 0)
		pgid = p->pid;
	if (pgid != p->pid && pgid != p->pgid)
		return -EPERM;
	p->pgid = pgid;
	return 0;
}

static int64_t sys_setsid(struct emu *emu, const uint64_t *a)
{
	struct emu_proc *p = emu->proc;

	/* A process group with the caller's pid as its id exists already: its own. */
	if (p->pgid == p->pid)
		return -EPERM;
	p->sid = p->pgid = p->pid;
	return p->sid;
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
static int clock_from_guest(const struct emu *emu, uint64_t guest, clockid_t *host)
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
	if (pid != 0 && pid != emu->proc->pid && pid != emu->tid)
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

	return copy_to_user(emu->proc->mm, addr, t, sizeof(t)) ? -EFAULT : 0;
}

static int64_t sys_clock_gettime(struct emu *emu, const uint64_t *a)
{
	struct timespec ts;
	clockid_t id;

	if (clock_from_guest(emu, a[0], &id) || clock_gettime(id, &ts) < 0)
		return -EINVAL;
	return put_timespec(emu, a[1], &ts);
}

static int64_t sys_clock_getres(struct emu *emu, const uint64_t *a)
{
	struct timespec ts;
	clockid_t id;

	if (clock_from_guest(emu, a[0], &id) || clock_getres(id, &ts) < 0)
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
	if (a[0] && copy_to_user(emu->proc->mm, a[0], tv, sizeof(tv)))
		return -EFAULT;
	if (a[1] && copy_to_user(emu->proc->mm, a[1], tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

static int64_t sys_nanosleep(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[4] = { CLOCK_MONOTONIC, 0, a[0], a[1] };

	return emu_sys_clock_nanosleep(emu, args);
}

static int64_t sys_sched_yield(struct emu *emu, const uint64_t *a)
{
	return 0;
}

/* One CPU: the mask is the lowest bit of a long. */
static int64_t sys_sched_getaffinity(struct emu *emu, const uint64_t *a)
{
	if (a[0] != 0 && (int32_t)a[0] != emu->proc->pid)
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
	return copy_to_user(emu->proc->mm, a[1], &ru, sizeof(ru)) ? -EFAULT : 0;
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
	return copy_to_user(emu->proc->mm, a[1], g, (uint64_t)n * sizeof(g[0])) ? -EFAULT : n;
}

/* prctl(): the task's name (comm), which maps and status show; the rest is -EINVAL. */
static int64_t sys_prctl(struct emu *emu, const uint64_t *a)
{
	char name[16];

	switch (a[0]) {
	case PR_SET_NAME_LINUX:
		if (strncpy_from_user(emu->proc->mm, name, a[1], sizeof(name)) == -EFAULT)
			return -EFAULT;
		name[sizeof(name) - 1] = '\0';
		memcpy(emu->comm, name, sizeof(emu->comm));
		return 0;
	case PR_GET_NAME_LINUX:
		memset(name, 0, sizeof(name));
		g_strlcpy(name, emu->comm, sizeof(name));
		return copy_to_user(emu->proc->mm, a[1], name, sizeof(name)) ? -EFAULT : 0;
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
	return copy_to_user(emu->proc->mm, a[0], &si, sizeof(si)) ? -EFAULT : 0;
}
/* Signals: emu/signal.c. A signal the kernel sends the guest (SIGPIPE) is kill()'s. */
static int64_t sys_signal_self(struct emu *emu, uint64_t pid, uint64_t sig)
{
	const uint64_t args[2] = { pid, sig };

	return emu_sys_kill(emu, args);
}

/*
 * The syscall table: one row per call mmuemu serves, under the kernel's name for it. The
 * number tables of each ABI family (struct arch_abi: arch/x86_64/abi.c, arch/generic/abi.c)
 * map numbers to these names; syscall_row() joins the two. Adding a syscall is one row
 * here, its handler, and its number in each ABI that has it.
 */
static const struct emu_syscall emu_syscalls[] = {
	/* files: emu/fs.c */
	{ "pread64", "fxud", emu_sys_pread64, 0 },
	{ "pwrite64", "fxud", emu_sys_pwrite64, 0 },
	{ "access", "so", emu_sys_access, 0 },
	{ "faccessat", "fso", emu_sys_faccessat, 0 },
	{ "faccessat2", "fsox", emu_sys_faccessat2, 0 },
	{ "pipe", "x", emu_sys_pipe, 0 },
	{ "pipe2", "xx", emu_sys_pipe2, 0 },
	{ "dup", "f", emu_sys_dup, 0 },
	{ "dup2", "ff", emu_sys_dup2, 0 },
	{ "dup3", "ffx", emu_sys_dup3, 0 },
	{ "fcntl", "fdx", emu_sys_fcntl, 0 },
	{ "flock", "fx", emu_sys_flock, 0 },
	{ "getcwd", "xu", emu_sys_getcwd, 0 },
	{ "chdir", "s", emu_sys_chdir, 0 },
	{ "fchdir", "f", emu_sys_fchdir, 0 },
	{ "mkdir", "so", emu_sys_mkdir, 0 },
	{ "mkdirat", "fso", emu_sys_mkdirat, 0 },
	{ "rmdir", "s", emu_sys_rmdir, 0 },
	{ "unlink", "s", emu_sys_unlink, 0 },
	{ "unlinkat", "fsx", emu_sys_unlinkat, 0 },
	{ "rename", "ss", emu_sys_rename, 0 },
	{ "renameat", "fsfs", emu_sys_renameat, 0 },
	{ "renameat2", "fsfsx", emu_sys_renameat2, 0 },
	{ "stat", "sx", emu_sys_stat, 0 },
	{ "lstat", "sx", emu_sys_lstat, 0 },
	{ "statx", "fsxxx", emu_sys_statx, 0 },
	{ "getdents64", "fxu", emu_sys_getdents64, 0 },
	{ "umask", "o", emu_sys_umask, 0 },
	{ "ftruncate", "fd", emu_sys_ftruncate, 0 },
	{ "fsync", "f", emu_sys_fsync, 0 },
	{ "fdatasync", "f", emu_sys_fsync, 0 },
	{ "getrusage", "dx", sys_getrusage, 0 },
	{ "sendfile", "ffxu", emu_sys_sendfile, 0 },
	{ "copy_file_range", "fxfxux", emu_sys_copy_file_range, 0 },
	{ "splice", "fxfxux", emu_sys_splice, 0 },
	{ "tee", "ffux", emu_sys_tee, 0 },
	{ "vmsplice", "fxux", emu_sys_vmsplice, 0 },
	{ "symlink", "ss", emu_sys_symlink, 0 },
	{ "symlinkat", "sfs", emu_sys_symlinkat, 0 },
	{ "chmod", "so", emu_sys_chmod, 0 },
	{ "fchmod", "fo", emu_sys_fchmod, 0 },
	{ "fchmodat", "fso", emu_sys_fchmodat, 0 },
	{ "statfs", "sx", emu_sys_statfs, 0 },
	{ "fstatfs", "fx", emu_sys_fstatfs, 0 },
	{ "sync", "", emu_sys_sync, 0 },
	{ "utimensat", "fsxx", emu_sys_utimensat, 0 },
	{ "getgroups", "dx", sys_getgroups, 0 },
	{ "prctl", "dxxxx", sys_prctl, 0 },
	{ "sysinfo", "x", sys_sysinfo, 0 },
	{ "read", "fxu", sys_read, 0 },
	{ "write", "fxu", sys_write, 0 },
	{ "readv", "fxu", sys_readv, 0 },
	{ "writev", "fxu", sys_writev, 0 },
	{ "exit", "d", sys_exit_group, 0 },
	{ "exit_group", "d", sys_exit_group, 0 },
	{ "mmap", "xxPMfxR", sys_mmap, EMU_SC_MM },
	{ "munmap", "xx", sys_munmap, EMU_SC_MM },
	{ "mprotect", "xxP", sys_mprotect, EMU_SC_MM },
	{ "brk", "xR", sys_brk, EMU_SC_MM },
	{ "mremap", "xxxxxR", sys_mremap, EMU_SC_MM },
	{ "madvise", "xxd", sys_madvise, EMU_SC_MM },
	{ "arch_prctl", "xx", sys_arch_prctl, 0 },
	{ "set_tid_address", "x", sys_set_tid_address, 0 },
	{ "set_robust_list", "xu", sys_set_robust_list, 0 },
	{ "rseq", "xuxx", sys_enosys, 0 },
	{ "prlimit64", "ddxx", sys_prlimit64, 0 },
	{ "getrlimit", "dx", sys_getrlimit, 0 },
	{ "uname", "x", sys_uname, 0 },
	{ "getrandom", "xux", sys_getrandom, 0 },
	{ "readlinkat", "fsxu", emu_sys_readlinkat, 0 },
	{ "readlink", "sxu", emu_sys_readlink, 0 },
	{ "ioctl", "fxx", emu_sys_ioctl, 0 },
	{ "fstat", "fx", emu_sys_fstat, 0 },
	{ "newfstatat", "fsxx", emu_sys_newfstatat, 0 },
	{ "execve", "sxx", emu_sys_execve, EMU_SC_MM },
	{ "execveat", "fsxxx", emu_sys_execveat, EMU_SC_MM },
	{ "getpid", "", sys_getpid, 0 },
	{ "gettid", "", sys_gettid, 0 },
	{ "getppid", "", sys_getppid, 0 },
	{ "getpgid", "d", sys_getpgid, 0 },
	{ "getpgrp", "", sys_getpgrp, 0 },
	{ "getsid", "d", sys_getsid, 0 },
	{ "setpgid", "dd", sys_setpgid, 0 },
	{ "setsid", "", sys_setsid, 0 },
	{ "getuid", "", sys_getuid, 0 },
	{ "geteuid", "", sys_geteuid, 0 },
	{ "getgid", "", sys_getgid, 0 },
	{ "getegid", "", sys_getegid, 0 },
	{ "rt_sigaction", "dxxu", emu_sys_rt_sigaction, 0 },
	{ "rt_sigprocmask", "dxxu", emu_sys_rt_sigprocmask, 0 },
	{ "clock_gettime", "dx", sys_clock_gettime, 0 },
	{ "clock_getres", "dx", sys_clock_getres, 0 },
	{ "openat", "fsxo", emu_sys_openat, 0 },
	{ "open", "sxo", emu_sys_open, 0 },
	{ "close", "f", emu_sys_close, 0 },
	{ "lseek", "fdd", emu_sys_lseek, 0 },
	{ "kill", "dd", emu_sys_kill, 0 },
	{ "tgkill", "ddd", emu_sys_tgkill, 0 },
	{ "tkill", "dd", emu_sys_tkill, 0 },
	{ "rt_sigreturn", "", emu_sys_rt_sigreturn, 0 },
	{ "sigaltstack", "xx", emu_sys_sigaltstack, 0 },
	{ "rt_sigpending", "xu", emu_sys_rt_sigpending, 0 },
	{ "futex", "xdxxxx", sys_enosys, 0 },
	{ "mincore", "xxx", sys_mincore, 0 },
	{ "msync", "xxx", sys_msync, 0 },
	{ "time", "x", sys_time, 0 },
	{ "gettimeofday", "xx", sys_gettimeofday, 0 },
	{ "nanosleep", "xx", sys_nanosleep, 0 },
	{ "clock_nanosleep", "dxxx", emu_sys_clock_nanosleep, 0 },
	{ "pause", "", emu_sys_pause, 0 },
	{ "ppoll", "xuxxu", emu_sys_ppoll, 0 },
	{ "rt_sigsuspend", "xu", emu_sys_rt_sigsuspend, 0 },
	{ "sched_yield", "", sys_sched_yield, 0 },
	{ "sched_getaffinity", "dux", sys_sched_getaffinity, 0 },
	/* timers: emu/timer.c */
	{ "alarm", "u", emu_sys_alarm, 0 },
	{ "getitimer", "dx", emu_sys_getitimer, 0 },
	{ "setitimer", "dxx", emu_sys_setitimer, 0 },
	{ "timer_create", "dxx", emu_sys_timer_create, 0 },
	{ "timer_settime", "dxxx", emu_sys_timer_settime, 0 },
	{ "timer_gettime", "dx", emu_sys_timer_gettime, 0 },
	{ "timer_getoverrun", "d", emu_sys_timer_getoverrun, 0 },
	{ "timer_delete", "d", emu_sys_timer_delete, 0 },
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
		n = strncpy_from_user(emu->proc->mm, str, v, sizeof(str));
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

/*
 * The row for syscall @nr of @abi, or NULL. Each ABI's numbers are joined to their rows at
 * its first syscall, once: a name in a number table without a row here is mmuemu's bug,
 * said at once (tests/unit/test_sysnames checks the names against the kernel's headers).
 */
static const struct emu_syscall *syscall_row(const struct arch_abi *abi, uint64_t nr)
{
	static struct {
		const struct arch_abi *abi;
		const struct emu_syscall **row;
	} joined[4];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(joined) && joined[i].abi && joined[i].abi != abi; i++)
		;
	g_assert(i < G_N_ELEMENTS(joined));
	if (!joined[i].abi) {
		joined[i].row = g_new0(const struct emu_syscall *, abi->nr_syscalls);
		for (unsigned n = 0; n < abi->nr_syscalls; n++) {
			for (size_t r = 0; abi->syscalls[n] && r < G_N_ELEMENTS(emu_syscalls); r++)
				if (!strcmp(abi->syscalls[n], emu_syscalls[r].name))
					joined[i].row[n] = &emu_syscalls[r];
			if (abi->syscalls[n] && !joined[i].row[n])
				g_error("%s syscall %u (%s) has no row in the syscall table", abi->name,
					n, abi->syscalls[n]);
		}
		joined[i].abi = abi;
	}
	return nr < abi->nr_syscalls ? joined[i].row[nr] : NULL;
}

void emu_syscall_hook(struct uc_struct *uc, void *user)
{
	struct emu *emu = user;
	const struct arch_cpu *cpu = emu->cpu;
	uint64_t nr = emu_reg_read(emu, cpu->reg_sysno), a[6], seq;
	const struct emu_syscall *sc;
	struct emu_syscall unknown = { NULL, "xxxxxx", NULL, 0 };
	char name[32];
	int64_t ret;

	for (int i = 0; i < 6; i++)
		a[i] = emu_reg_read(emu, cpu->reg_args[i]);
	seq = ++emu->count.syscalls;
	emu->proc->mm->caller_seq = seq;

	sc = syscall_row(cpu->abi, nr);
	if (!sc) {
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
	if (emu->machine->opt->trace_syscall)
		trace_syscall(emu, seq, sc, nr, a, ret);
	/* Pending signals are delivered on the way back to the guest (signal.c). */
	emu_signal_syscall_exit(emu);
	/* --check: mm_validate() after each mm syscall (check.c). */
	emu_check_syscall(emu, sc->flags & EMU_SC_MM ? sc->name : NULL, a, ret);
}
