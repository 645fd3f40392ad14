/* SPDX-License-Identifier: MIT */
/*
 * proc.c - the guest's own /proc/self: maps, smaps and status are generated from the
 * address space into a memfd at the first use of the guest's fd (a read, seek or fstat:
 * Linux generates them when they are read), which the guest then reads like any file; exe
 * names the guest's program, not mmuemu. The rest of /proc is the
 * host's, as under qemu-user.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "emu/fs.h"

/* The part of @path after "/proc/self/" (or /proc/thread-self/, /proc/<guest pid>/), or NULL. */
static const char *proc_self_file(const char *path)
{
	static const char *const prefixes[] = { "/proc/self/", "/proc/thread-self/" };
	char pid[32];

	for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
		if (g_str_has_prefix(path, prefixes[i]))
			return path + strlen(prefixes[i]);
	}
	snprintf(pid, sizeof(pid), "/proc/%d/", EMU_GUEST_PID);
	if (g_str_has_prefix(path, pid))
		return path + strlen(pid);
	return NULL;
}

bool emu_proc_is_exe(const char *path)
{
	const char *f = proc_self_file(path);

	return f && !strcmp(f, "exe");
}

static void proc_status(struct emu *emu, FILE *out)
{
	struct mm_struct *mm = emu->mm;
	uint64_t page_kb = arch_page_size(emu->mmu) / 1024, vm = 0;
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	struct mm_rss rss = { 0 };
	mode_t mask = umask(0);

	umask(mask);
	vma_iter_init(&vmi, mm, 0);
	while ((vma = vma_next(&vmi))) {
		vm += vma->vm_end - vma->vm_start;
		mm_count_rss(mm, vma->vm_start, vma->vm_end, &rss);
	}
	fprintf(out, "Name:\t%s\n", emu->comm);
	fprintf(out, "Umask:\t%04o\n", (unsigned)mask);
	fprintf(out, "State:\tR (running)\n");
	fprintf(out, "Tgid:\t%d\n", EMU_GUEST_PID);
	fprintf(out, "Ngid:\t0\n");
	fprintf(out, "Pid:\t%d\n", EMU_GUEST_PID);
	fprintf(out, "PPid:\t%d\n", EMU_GUEST_PPID);
	fprintf(out, "TracerPid:\t0\n");
	fprintf(out, "Uid:\t%u\t%u\t%u\t%u\n", getuid(), geteuid(), geteuid(), geteuid());
	fprintf(out, "Gid:\t%u\t%u\t%u\t%u\n", getgid(), getegid(), getegid(), getegid());
	fprintf(out, "FDSize:\t%d\n", EMU_FS_MAX_FDS);
	fprintf(out, "VmSize:\t%8" G_GUINT64_FORMAT " kB\n", vm / 1024);
	fprintf(out, "VmRSS:\t%8" G_GUINT64_FORMAT " kB\n", rss.rss * page_kb);
	fprintf(out, "RssAnon:\t%8" G_GUINT64_FORMAT " kB\n", rss.anon * page_kb);
	fprintf(out, "RssFile:\t%8" G_GUINT64_FORMAT " kB\n", rss.file * page_kb);
	fprintf(out, "VmPTE:\t%8" G_GUINT64_FORMAT " kB\n", mm->stats.tables_in_use * page_kb);
	fprintf(out, "Threads:\t1\n");
}

static const char *const proc_files[] = { "maps", "smaps", "status" };

int emu_proc_open(struct emu *emu, const char *path, int *which)
{
	const char *f = proc_self_file(path);
	int fd;

	if (!f)
		return 1;
	for (size_t i = 0; i < G_N_ELEMENTS(proc_files); i++) {
		if (strcmp(f, proc_files[i]))
			continue;
		fd = memfd_create("mmuemu-proc", MFD_CLOEXEC);
		if (fd < 0)
			return -errno;
		*which = (int)i;
		return fd;
	}
	return 1;
}

int emu_proc_fill(struct emu *emu, int fd, int which)
{
	FILE *out;
	int wfd;

	/* The writer shares the file and its offset with @fd: both start at 0. */
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	wfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	out = wfd < 0 ? NULL : fdopen(wfd, "w");
	if (!out) {
		if (wfd >= 0)
			close(wfd);
		return -ENOMEM;
	}
	if (which == 0)
		mm_dump_maps(emu->mm, out);
	else if (which == 1)
		mm_dump_smaps(emu->mm, out);
	else
		proc_status(emu, out);
	if (fclose(out))
		return -EIO;
	lseek(fd, 0, SEEK_SET);
	return 0;
}
