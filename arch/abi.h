/* SPDX-License-Identifier: MIT */
/*
 * abi.h - the guest's Linux ABI constants that mm/ and emu/ use, in one place and with one
 * suffix, _LINUX, so that they never mix with the host's macros of the same name.
 *
 * These values are the same on every architecture mmuemu has. What differs between
 * architectures is data in struct arch_cpu instead: the syscall numbers and struct stat
 * (struct arch_abi: x86_64's own, or asm-generic's in arch/generic/) and the four open
 * flags that architectures number their own way (struct arch_oflags).
 */
#ifndef MMUEMU_ARCH_ABI_H
#define MMUEMU_ARCH_ABI_H

#include <stdint.h>

/* mmap flags. */
#define MAP_SHARED_LINUX          0x01u
#define MAP_PRIVATE_LINUX         0x02u
#define MAP_SHARED_VALIDATE_LINUX 0x03u
#define MAP_TYPE_LINUX            0x0fu
#define MAP_FIXED_LINUX           0x10u
#define MAP_ANONYMOUS_LINUX       0x20u
#define MAP_GROWSDOWN_LINUX       0x0100u
#define MAP_DENYWRITE_LINUX       0x0800u
#define MAP_EXECUTABLE_LINUX      0x1000u
#define MAP_LOCKED_LINUX          0x2000u
#define MAP_NORESERVE_LINUX       0x4000u
#define MAP_POPULATE_LINUX        0x8000u
#define MAP_NONBLOCK_LINUX        0x10000u
#define MAP_STACK_LINUX           0x20000u
#define MAP_HUGETLB_LINUX         0x40000u
#define MAP_FIXED_NOREPLACE_LINUX 0x100000u

/* mremap flags, madvise advice, msync flags. */
#define MREMAP_MAYMOVE_LINUX       1u
#define MREMAP_FIXED_LINUX         2u
#define MREMAP_DONTUNMAP_LINUX     4u
#define MADV_NORMAL_LINUX          0
#define MADV_SEQUENTIAL_LINUX      2
#define MADV_WILLNEED_LINUX        3
#define MADV_DONTNEED_LINUX        4
#define MADV_FREE_LINUX            8
#define MADV_REMOVE_LINUX          9
#define MADV_POPULATE_WRITE_LINUX  23
#define MADV_DONTNEED_LOCKED_LINUX 24
#define MS_ASYNC_LINUX             1u
#define MS_INVALIDATE_LINUX        2u
#define MS_SYNC_LINUX              4u

/* Signals and si_codes that mm/ and emu/ raise or look at. */
#define SIG_IGN_LINUX     1
#define SIGBUS_LINUX      7
#define SIGSEGV_LINUX     11
#define SIGPIPE_LINUX     13
#define SEGV_MAPERR_LINUX 1
#define SEGV_ACCERR_LINUX 2
#define BUS_ADRERR_LINUX  2

/* Files: *at() arguments, open flags shared by all architectures, fcntl, ioctl, limits. */
#define AT_FDCWD_LINUX        (-100)
#define AT_EMPTY_PATH_LINUX   0x1000
#define O_ACCMODE_LINUX       03
#define O_NONBLOCK_LINUX      04000
#define O_CLOEXEC_LINUX       02000000
#define FD_CLOEXEC_LINUX      1
#define F_DUPFD_LINUX         0
#define F_GETFD_LINUX         1
#define F_SETFD_LINUX         2
#define F_GETFL_LINUX         3
#define F_SETFL_LINUX         4
#define F_DUPFD_CLOEXEC_LINUX 1030
/* File locks: fcntl's commands and types, flock's operations; struct flock is the same
 * 32 bytes on x86_64, arm64 and riscv64 (short type, short whence, off_t start, off_t len,
 * int pid), emu/flock.c reads it. */
#define F_GETLK_LINUX         5
#define F_SETLK_LINUX         6
#define F_SETLKW_LINUX        7
#define F_OFD_GETLK_LINUX     36
#define F_OFD_SETLK_LINUX     37
#define F_OFD_SETLKW_LINUX    38
#define F_RDLCK_LINUX         0
#define F_WRLCK_LINUX         1
#define F_UNLCK_LINUX         2
#define LOCK_SH_LINUX         1
#define LOCK_EX_LINUX         2
#define LOCK_NB_LINUX         4
#define LOCK_UN_LINUX         8
#define FLOCK_SIZE_LINUX      32
#define TCGETS_LINUX          0x5401
#define TIOCGWINSZ_LINUX      0x5413
#define TERMIOS_SIZE_LINUX    36	/* the kernel's struct termios, not glibc's */
#define PATH_MAX_LINUX        4096
#define UIO_MAXIOV_LINUX      1024
#define SPLICE_F_ALL_LINUX    0xfu
/* MAX_RW_COUNT: a single read or write moves at most this much. */
#define MAX_RW_COUNT_LINUX    (INT32_MAX & ~UINT64_C(4095))

/* Processes: arch_prctl (x86_64), prctl, rlimits, clock_nanosleep. */
#define ARCH_SET_GS_LINUX       0x1001
#define ARCH_SET_FS_LINUX       0x1002
#define ARCH_GET_FS_LINUX       0x1003
#define ARCH_GET_GS_LINUX       0x1004
#define PR_SET_NAME_LINUX       15
#define PR_GET_NAME_LINUX       16
#define RLIM_INFINITY_LINUX     UINT64_MAX
#define RLIMIT_STACK_LINUX      3
#define RLIMIT_CORE_LINUX       4
#define RLIMIT_NOFILE_LINUX     7
#define RLIMIT_SIGPENDING_LINUX 11
#define RLIM_NLIMITS_LINUX      16
#define TIMER_ABSTIME_LINUX     1

/* Signals: numbers, dispositions, sigaction and sigaltstack flags, si_code values, the
 * sizes of the kernel's sigset and sigaction, and the timers that raise them. */
#define SIGKILL_LINUX            9
#define SIGCHLD_LINUX            17
#define SIGCONT_LINUX            18
#define SIGSTOP_LINUX            19
#define SIGTSTP_LINUX            20
#define SIGTTIN_LINUX            21
#define SIGTTOU_LINUX            22
#define SIGURG_LINUX             23
#define SIGWINCH_LINUX           28
#define SIGALRM_LINUX            14
#define SIGVTALRM_LINUX          26
#define SIGPROF_LINUX            27
#define SIG_DFL_LINUX            0
#define SIG_BLOCK_LINUX          0
#define SIG_UNBLOCK_LINUX        1
#define SIG_SETMASK_LINUX        2
#define SIGSET_SIZE_LINUX        8
#define SIGACTION_SIZE_LINUX     32
#define SA_SIGINFO_LINUX         0x00000004ull
#define SA_RESTORER_LINUX        0x04000000ull
#define SA_NODEFER_LINUX         0x40000000ull
#define SA_RESETHAND_LINUX       0x80000000ull
#define SA_ONSTACK_LINUX         0x08000000ull
#define SS_ONSTACK_LINUX         1u
#define SS_DISABLE_LINUX         2u
#define SS_AUTODISARM_LINUX      (1u << 31)
#define SI_USER_LINUX            0
#define SI_KERNEL_LINUX          0x80
#define SI_TIMER_LINUX           (-2)
#define SI_TKILL_LINUX           (-6)
#define ILL_ILLOPC_LINUX         1
#define ILL_ILLOPN_LINUX         2
#define FPE_INTDIV_LINUX         1
#define FPE_FLTINV_LINUX         7
#define BUS_ADRALN_LINUX         1
#define TRAP_BRKPT_LINUX         1
#define ITIMER_REAL_LINUX        0
#define ITIMER_VIRTUAL_LINUX     1
#define ITIMER_PROF_LINUX        2
#define SIGEV_SIGNAL_LINUX       0
#define SIGEV_NONE_LINUX         1

#endif
