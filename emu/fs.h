/* SPDX-License-Identifier: MIT */
/*
 * fs.h - the guest's files (emu/fs.c, emu/proc.c): a table of guest fds over host fds, and
 * the file system calls, which pass through to the host as qemu-user passes them.
 *
 * Every handler has the shape of syscall.c's table: the six raw argument registers in,
 * the value or negative errno the guest sees out.
 */
#ifndef MMUEMU_FS_H
#define MMUEMU_FS_H

#include <stdint.h>

#include "emu/emu.h"

/* Guest fds are below this (the guest's RLIMIT_NOFILE soft limit). */
#define EMU_FS_MAX_FDS 1024

/* What a guest fd stands for besides its host fd. */
enum emu_fd_kind {
	EMU_FD_HOST = 0,   /* a host file, mappable */
	EMU_FD_PROC,       /* a generated /proc file: read like a file, not mappable */
};

/** emu_fs_init() - guest fds 0-2 are copies of the host's (those open). 0 or -ENOMEM. */
int emu_fs_init(struct emu *emu);
/** emu_fs_exit() - close every guest fd. */
void emu_fs_exit(struct emu *emu);
/** emu_fs_host_fd() - the host fd behind guest @fd, or -EBADF. */
int emu_fs_host_fd(struct emu *emu, uint64_t fd);
/**
 * emu_fs_install() - give the host fd @host (owned from now on) the lowest free guest fd
 * at or above @min. Return: the guest fd, or -EMFILE (and @host is closed).
 */
int emu_fs_install(struct emu *emu, int host, unsigned min, bool cloexec, enum emu_fd_kind kind);
/** emu_fs_set_proc() - guest @fd (EMU_FD_PROC) holds /proc file @which, filled at first use. */
void emu_fs_set_proc(struct emu *emu, int fd, int which);
/**
 * emu_fs_mmap() - mmap(2) of guest fd @fd: checks as Linux does, then do_mmap_file().
 */
int64_t emu_fs_mmap(struct emu *emu, uint64_t addr, uint64_t len, unsigned prot,
		    unsigned flags, uint64_t fd, uint64_t pgoff);

/* proc.c: /proc/self as the guest sees it. */
/**
 * emu_proc_open() - if @path names a file of the guest's own /proc directory that mmuemu
 * generates (maps, smaps, status), an empty host file for it (or a negative errno), and
 * in *@which the file emu_proc_fill() writes there; 1 when @path is not one of them: the
 * caller opens it on the host.
 */
int emu_proc_open(struct emu *emu, const char *path, int *which);
/**
 * emu_proc_fill() - write the file @which into the host fd @fd from offset 0, as the
 * address space is now: Linux generates it when it is read, not when it is opened.
 * Return: 0 or a negative errno.
 */
int emu_proc_fill(struct emu *emu, int fd, int which);
/** emu_proc_is_exe() - @path is /proc/self/exe (or /proc/<guest pid>/exe). */
bool emu_proc_is_exe(const char *path);

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
