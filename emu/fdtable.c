/* SPDX-License-Identifier: MIT */
/*
 * fdtable.c - the guest's fd table as /proc (proc.c) reads it: which fds are open, what
 * they link to, their offsets and flags, and the process state kept beside the table (cwd,
 * start time, exec's stack ranges, memory peaks). Below fs.c and proc.c: it calls neither.
 * The open flags' conversion between the guest's numbering and the host's lives here too.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "emu/fdtable.h"

/* ---- the fd table's queries ---- */

struct emu_fd *fs_get(struct emu *emu, uint64_t fd)
{
	if (!emu->proc->fs || fd >= EMU_FS_MAX_FDS || emu->proc->fs->fd[fd].host < 0)
		return NULL;
	return &emu->proc->fs->fd[fd];
}

bool emu_fs_is_open(struct emu *emu, uint64_t fd)
{
	return fs_get(emu, fd) != NULL;
}

unsigned emu_fs_max_fd(struct emu *emu)
{
	for (unsigned i = EMU_FS_MAX_FDS; i-- > 0;) {
		if (fs_get(emu, i))
			return i;
	}
	return 0;
}

const char *emu_fs_cwd(struct emu *emu)
{
	return emu->proc->fs->cwd;
}

struct timespec emu_fs_start_time(struct emu *emu)
{
	return emu->proc->fs->start;
}

struct emu_proc_exec *emu_fs_exec(struct emu *emu)
{
	return &emu->proc->fs->exec;
}

void emu_fs_vm_peak(struct emu *emu, uint64_t size, uint64_t rss, uint64_t *peak,
		    uint64_t *hwm)
{
	struct emu_fs *fs = emu->proc->fs;

	fs->vm_peak = MAX(fs->vm_peak, size);
	fs->rss_peak = MAX(fs->rss_peak, MAX(rss, emu->proc->mm->stats.frames_peak));
	if (peak)
		*peak = fs->vm_peak;
	if (hwm)
		*hwm = fs->rss_peak;
}

/* The path of host fd @h as mmuemu's own /proc knows it (never shown for a proc fd). */
int fs_host_fd_path(int h, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", h);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

int emu_fs_fd_target(struct emu *emu, uint64_t fd, char *buf, size_t len)
{
	struct emu_fd *f = fs_get(emu, fd);

	if (!f)
		return -ENOENT;
	if (f->kind == EMU_FD_PROC) {
		g_strlcpy(buf, f->node->path, len);
		return (int)strlen(buf);
	}
	return fs_host_fd_path(f->host, buf, len);
}

/* ---- open flags: guest <-> host ---- */

/*
 * Four open flags have values of each architecture's own (arch_cpu.oflags): those bits are
 * moved from one numbering to the other, the rest pass as they are. The host's are its
 * <fcntl.h> values.
 */
static const struct arch_oflags fs_host_oflags = {
	.direct = O_DIRECT, .largefile = O_LARGEFILE, .directory = O_DIRECTORY,
	.nofollow = O_NOFOLLOW,
};

static uint64_t fs_oflags_convert(uint64_t f, const struct arch_oflags *from,
				  const struct arch_oflags *to)
{
	const uint32_t src[] = { from->direct, from->largefile, from->directory, from->nofollow };
	const uint32_t dst[] = { to->direct, to->largefile, to->directory, to->nofollow };
	uint64_t out = f;

	for (size_t i = 0; i < G_N_ELEMENTS(src); i++)
		out &= ~(uint64_t)src[i];
	for (size_t i = 0; i < G_N_ELEMENTS(src); i++) {
		if (f & src[i])
			out |= dst[i];
	}
	return out;
}

uint64_t fs_oflags_to_host(struct emu *emu, uint64_t f)
{
	return fs_oflags_convert(f, &emu->cpu->oflags, &fs_host_oflags);
}

uint64_t fs_oflags_to_guest(struct emu *emu, uint64_t f)
{
	return fs_oflags_convert(f, &fs_host_oflags, &emu->cpu->oflags);
}

void emu_fs_fd_info(struct emu *emu, uint64_t fd, int64_t *pos, uint64_t *flags)
{
	struct emu_fd *f = fs_get(emu, fd);
	int fl;

	*pos = 0;
	*flags = 0;
	if (!f)
		return;
	if (f->kind == EMU_FD_PROC && f->node->type == EMU_PROC_DIR) {
		*pos = (int64_t)f->dirpos;
		*flags = fs_oflags_to_guest(emu, O_DIRECTORY);
	} else {
		*pos = f->kind == EMU_FD_PROC && !f->filled ? 0 : lseek(f->host, 0, SEEK_CUR);
		if (*pos < 0)
			*pos = 0;
		fl = fcntl(f->host, F_GETFL);
		/* What the guest asked for: mmuemu's own O_CLOEXEC and memfd's O_RDWR are not. */
		if (fl >= 0)
			*flags = fs_oflags_to_guest(emu, (uint32_t)fl & ~(uint32_t)O_CLOEXEC);
		if (f->kind == EMU_FD_PROC)
			*flags &= ~(uint64_t)O_ACCMODE_LINUX;
	}
	if (f->cloexec)
		*flags |= O_CLOEXEC_LINUX;
}
