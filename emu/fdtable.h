/* SPDX-License-Identifier: MIT */
/*
 * fdtable.h - private to emu/fs.c and emu/fdtable.c: the guest's fd table and the state
 * kept beside it (cwd, start time, exec's stack ranges, memory peaks). fdtable.c holds the
 * queries of it that /proc (proc.c) makes, so that proc.c calls below fs.c, never into it.
 */
#ifndef MMUEMU_FDTABLE_H
#define MMUEMU_FDTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "emu/fs.h"

struct emu_fd {
	int host;                 /* -1: the guest fd is free */
	bool cloexec;
	enum emu_fd_kind kind;
	bool filled;              /* EMU_FD_PROC: generated already */
	struct emu_proc_node *node; /* EMU_FD_PROC: what it is (owned) */
	uint64_t dirpos;          /* EMU_FD_PROC directory: the next entry */
	struct emu_ofd *ofd;      /* the open file description, shared by dups (flock.c) */
};

struct emu_fs {
	struct emu_fd fd[EMU_FS_MAX_FDS];
	char cwd[PATH_MAX_LINUX];   /* the guest's, canonical; the host's too unless in /proc */
	dev_t proc_dev;             /* the host's /proc, never opened for the guest */
	bool have_proc_dev;
	struct timespec start;
	uint64_t vm_peak, rss_peak;
	struct emu_proc_exec exec;
};

/** fs_get() - the entry of open guest @fd, or NULL. */
struct emu_fd *fs_get(struct emu *emu, uint64_t fd);
/** fs_host_fd_path() - the path of host fd @h as mmuemu's own /proc knows it. */
int fs_host_fd_path(int h, char *buf, size_t len);
/** fs_oflags_to_host(), fs_oflags_to_guest() - open flags from one numbering to the other. */
uint64_t fs_oflags_to_host(struct emu *emu, uint64_t f);
uint64_t fs_oflags_to_guest(struct emu *emu, uint64_t f);

#endif
