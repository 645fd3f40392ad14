/* SPDX-License-Identifier: MIT */
/*
 * fs.h - the guest's files (emu/fs.c, emu/fdtable.c, emu/proc.c): a table of guest fds
 * over host fds, and the file system calls. Every guest path is resolved by fs.c itself;
 * what falls under /proc is the guest's own (proc.c), the rest is the host's file system.
 *
 * Every handler has the shape of syscall.c's table: the six raw argument registers in,
 * the value or negative errno the guest sees out.
 */
#ifndef MMUEMU_FS_H
#define MMUEMU_FS_H

#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "emu/emu.h"

/* Guest fds are below this (the guest's RLIMIT_NOFILE soft limit). */
#define EMU_FS_MAX_FDS 1024

/* What a guest fd stands for besides its host fd. */
enum emu_fd_kind {
	EMU_FD_HOST = 0,   /* a host file, mappable */
	EMU_FD_PROC,       /* a generated /proc file or directory: not mappable */
};

/* What a path under the guest's /proc names (proc.c). */
enum emu_proc_type {
	EMU_PROC_DIR = 1,  /* a generated directory */
	EMU_PROC_FILE,     /* a generated file */
	EMU_PROC_LINK,     /* a symbolic link (self, exe, fd/N...) */
	EMU_PROC_HOST,     /* a machine-wide file of the host's /proc, read only */
};

/**
 * struct emu_proc_node - one entry of the guest's /proc.
 * @type, @file: what it is (@file: proc.c's number for the file, directory or link).
 * @fd: for fd/N and fdinfo/N, the guest fd N; else -1.
 * @mode: permission bits; @host_dir: EMU_PROC_HOST and a directory.
 * @path: its canonical path, "/proc/1000/maps".
 */
struct emu_proc_node {
	enum emu_proc_type type;
	int file;
	int fd;
	unsigned mode;
	bool host_dir;
	char path[4096];
};

/**
 * struct emu_proc_exec - what exec left on the guest's stack, for cmdline, environ, auxv
 * and stat: the ranges of the argument and environment strings, the stack's start, and
 * the auxiliary vector as written (pairs of little-endian words, AT_NULL included).
 */
struct emu_proc_exec {
	uint64_t arg_start, arg_end, env_start, env_end, stack_start;
	uint64_t auxv[64];
	unsigned auxv_words;
};

/** emu_fs_init() - guest fds 0-2 are copies of the host's (those open). 0 or -ENOMEM. */
int emu_fs_init(struct emu *emu);
/** emu_fs_exit() - close every guest fd. */
void emu_fs_exit(struct emu *emu);
/** emu_fs_close_on_exec() - execve: close the guest fds marked close-on-exec. */
void emu_fs_close_on_exec(struct emu *emu);
/**
 * emu_fs_exec_path() - execve's path: copy the guest's at @pathp into @guest and resolve
 * it against @dirfd, links followed, into the host's canonical @out (both PATH_MAX_LINUX);
 * an empty path with @empty_ok is @dirfd's file. 0 or a negative errno.
 */
int emu_fs_exec_path(struct emu *emu, uint64_t dirfd, uint64_t pathp, bool empty_ok,
		     char *out, char *guest);
/** emu_fs_exec_path_host() - emu_fs_exec_path() of a host string (a script's interpreter). */
int emu_fs_exec_path_host(struct emu *emu, const char *path, char *out);
/** emu_fs_host_fd() - the host fd behind guest @fd, or -EBADF. */
int emu_fs_host_fd(struct emu *emu, uint64_t fd);
/** emu_fs_is_open() - guest @fd is open. */
bool emu_fs_is_open(struct emu *emu, uint64_t fd);
/** emu_fs_max_fd() - the highest open guest fd, or 0. */
unsigned emu_fs_max_fd(struct emu *emu);
/**
 * emu_fs_fd_target() - what /proc/self/fd/@fd links to, as the guest sees it.
 * Return: its length (not terminated beyond @len), or a negative errno.
 */
int emu_fs_fd_target(struct emu *emu, uint64_t fd, char *buf, size_t len);
/** emu_fs_fd_info() - the file offset and guest open flags of guest @fd, for fdinfo. */
void emu_fs_fd_info(struct emu *emu, uint64_t fd, int64_t *pos, uint64_t *flags);
/** emu_fs_cwd() - the guest's working directory, absolute and canonical. */
const char *emu_fs_cwd(struct emu *emu);
/** emu_fs_start_time() - when the guest started (its /proc entries' times). */
struct timespec emu_fs_start_time(struct emu *emu);
/** emu_fs_exec() - the exec facts stack.c records and proc.c shows. */
struct emu_proc_exec *emu_fs_exec(struct emu *emu);
/**
 * emu_fs_vm_peak() - record a VmSize of @size bytes and an RSS of @rss pages, and give the
 * peaks seen so far (VmPeak in bytes, VmHWM in pages: at least the mm's frames_peak).
 * Either output may be NULL.
 */
void emu_fs_vm_peak(struct emu *emu, uint64_t size, uint64_t rss, uint64_t *peak,
		    uint64_t *hwm);
/**
 * emu_fs_install() - give the host fd @host (owned from now on) the lowest free guest fd
 * at or above @min. Return: the guest fd, or -EMFILE (and @host is closed).
 */
int emu_fs_install(struct emu *emu, int host, unsigned min, bool cloexec, enum emu_fd_kind kind);
/**
 * emu_fs_mmap() - mmap(2) of guest fd @fd: checks as Linux does, then do_mmap_file().
 */
int64_t emu_fs_mmap(struct emu *emu, uint64_t addr, uint64_t len, unsigned prot,
		    unsigned flags, uint64_t fd, uint64_t pgoff);

/**
 * emu_fs_copy_to_user() - copy_to_user() up to the first page that faults.
 * Return: the bytes copied; fewer than @n when a page faulted.
 */
uint64_t emu_fs_copy_to_user(struct emu *emu, uint64_t dst, const void *src, uint64_t n);

/** emu_rlimit() - the guest's soft and hard limit of @resource (syscall.c). */
void emu_rlimit(unsigned resource, uint64_t lim[2]);

/* ---- proc.c: the guest's /proc ---- */

/**
 * emu_proc_lookup() - what the canonical @path ("/proc" or below it) names. Links inside
 * it are not followed: fs.c follows them one component at a time.
 * Return: 0 and *@n filled, -ENOENT, or -ENOTDIR.
 */
int emu_proc_lookup(struct emu *emu, const char *path, struct emu_proc_node *n);
/** emu_proc_readlink() - the target of link @n; its length or a negative errno. */
int emu_proc_readlink(struct emu *emu, const struct emu_proc_node *n, char *buf, size_t len);
/** emu_proc_stat() - stat(2) of @n. */
void emu_proc_stat(struct emu *emu, const struct emu_proc_node *n, struct stat *st);
/**
 * emu_proc_open() - a host fd for @n opened with guest access mode @acc (0 = read only):
 * an empty memfd that emu_proc_fill() fills, or for EMU_PROC_HOST the host's file itself.
 * Return: the fd, or -EACCES (writing, or mem/pagemap/clear_refs), -EISDIR, -ENOTDIR, -ELOOP.
 */
int emu_proc_open(struct emu *emu, const struct emu_proc_node *n, uint64_t acc, bool directory);
/**
 * emu_proc_fill() - write the file @n into the host fd @fd from offset 0, as the guest
 * is now: Linux generates it when it is read, not when it is opened.
 * Return: 0 or a negative errno.
 */
int emu_proc_fill(struct emu *emu, int fd, const struct emu_proc_node *n);
/**
 * emu_proc_getdents() - linux_dirent64 records of directory @n from entry *@pos on, as
 * many as fit in @count bytes; *@pos advances past them.
 * Return: bytes written, or -EINVAL when not even one fits.
 */
int64_t emu_proc_getdents(struct emu *emu, const struct emu_proc_node *n, uint64_t *pos,
			  uint8_t *buf, uint64_t count);

int64_t emu_sys_read(struct emu *emu, const uint64_t *a);
int64_t emu_sys_write(struct emu *emu, const uint64_t *a);
int64_t emu_sys_readv(struct emu *emu, const uint64_t *a);
int64_t emu_sys_writev(struct emu *emu, const uint64_t *a);
int64_t emu_sys_pread64(struct emu *emu, const uint64_t *a);
int64_t emu_sys_pwrite64(struct emu *emu, const uint64_t *a);
int64_t emu_sys_openat(struct emu *emu, const uint64_t *a);
int64_t emu_sys_open(struct emu *emu, const uint64_t *a);
int64_t emu_sys_close(struct emu *emu, const uint64_t *a);
int64_t emu_sys_lseek(struct emu *emu, const uint64_t *a);
int64_t emu_sys_fstat(struct emu *emu, const uint64_t *a);
int64_t emu_sys_newfstatat(struct emu *emu, const uint64_t *a);
int64_t emu_sys_stat(struct emu *emu, const uint64_t *a);
int64_t emu_sys_lstat(struct emu *emu, const uint64_t *a);
int64_t emu_sys_statx(struct emu *emu, const uint64_t *a);
int64_t emu_sys_getdents64(struct emu *emu, const uint64_t *a);
int64_t emu_sys_readlinkat(struct emu *emu, const uint64_t *a);
int64_t emu_sys_readlink(struct emu *emu, const uint64_t *a);
int64_t emu_sys_faccessat(struct emu *emu, const uint64_t *a);
int64_t emu_sys_faccessat2(struct emu *emu, const uint64_t *a);
int64_t emu_sys_access(struct emu *emu, const uint64_t *a);
int64_t emu_sys_fcntl(struct emu *emu, const uint64_t *a);
int64_t emu_sys_flock(struct emu *emu, const uint64_t *a);

/*
 * File locks (emu/flock.c): one table for the machine, keyed by the host file's device and
 * inode, so that guest processes sharing one host process are told apart. struct emu_ofd
 * is an open file description: dup'd fds share one, OFD and flock() locks belong to it.
 */
struct emu_ofd {
	int refs;
};
struct emu_ofd *emu_ofd_new(void);
/** emu_flock_fcntl() - fcntl's lock commands @cmd on @host (open with @ofd) at guest @arg. */
int64_t emu_flock_fcntl(struct emu *emu, int host, struct emu_ofd *ofd, uint32_t cmd, uint64_t arg);
/** emu_flock_flock() - flock(2) operation @how on @host, open with @ofd. */
int64_t emu_flock_flock(struct emu *emu, int host, struct emu_ofd *ofd, uint64_t how);
/** emu_flock_close() - @host is closing: drop the process's POSIX locks on its file, and
 * drop one reference to @ofd, with its OFD and flock() locks at the last. */
void emu_flock_close(struct emu *emu, int host, struct emu_ofd *ofd);
int64_t emu_sys_dup(struct emu *emu, const uint64_t *a);
int64_t emu_sys_dup2(struct emu *emu, const uint64_t *a);
int64_t emu_sys_dup3(struct emu *emu, const uint64_t *a);
int64_t emu_sys_ioctl(struct emu *emu, const uint64_t *a);
int64_t emu_sys_getcwd(struct emu *emu, const uint64_t *a);
int64_t emu_sys_chdir(struct emu *emu, const uint64_t *a);
int64_t emu_sys_fchdir(struct emu *emu, const uint64_t *a);
int64_t emu_sys_mkdirat(struct emu *emu, const uint64_t *a);
int64_t emu_sys_mkdir(struct emu *emu, const uint64_t *a);
int64_t emu_sys_unlinkat(struct emu *emu, const uint64_t *a);
int64_t emu_sys_unlink(struct emu *emu, const uint64_t *a);
int64_t emu_sys_rmdir(struct emu *emu, const uint64_t *a);
int64_t emu_sys_renameat(struct emu *emu, const uint64_t *a);
int64_t emu_sys_renameat2(struct emu *emu, const uint64_t *a);
int64_t emu_sys_rename(struct emu *emu, const uint64_t *a);
int64_t emu_sys_pipe2(struct emu *emu, const uint64_t *a);
int64_t emu_sys_pipe(struct emu *emu, const uint64_t *a);
int64_t emu_sys_umask(struct emu *emu, const uint64_t *a);
int64_t emu_sys_ftruncate(struct emu *emu, const uint64_t *a);
int64_t emu_sys_fsync(struct emu *emu, const uint64_t *a);
int64_t emu_sys_sendfile(struct emu *emu, const uint64_t *a);
int64_t emu_sys_copy_file_range(struct emu *emu, const uint64_t *a);
int64_t emu_sys_splice(struct emu *emu, const uint64_t *a);
int64_t emu_sys_tee(struct emu *emu, const uint64_t *a);
int64_t emu_sys_vmsplice(struct emu *emu, const uint64_t *a);
int64_t emu_sys_symlinkat(struct emu *emu, const uint64_t *a);
int64_t emu_sys_symlink(struct emu *emu, const uint64_t *a);
int64_t emu_sys_fchmodat(struct emu *emu, const uint64_t *a);
int64_t emu_sys_chmod(struct emu *emu, const uint64_t *a);
int64_t emu_sys_fchmod(struct emu *emu, const uint64_t *a);
int64_t emu_sys_statfs(struct emu *emu, const uint64_t *a);
int64_t emu_sys_fstatfs(struct emu *emu, const uint64_t *a);
int64_t emu_sys_sync(struct emu *emu, const uint64_t *a);
int64_t emu_sys_utimensat(struct emu *emu, const uint64_t *a);

#endif
