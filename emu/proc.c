/* SPDX-License-Identifier: MIT */
/*
 * proc.c - the guest's /proc. The guest is alone in its pid namespace: /proc holds its
 * own directory (its pid, with self, thread-self and task/PID leading there), a few
 * machine-wide files of the host that say nothing about mmuemu (cpuinfo, meminfo, sys/...,
 * read only), and nothing else: /proc/PID for any other pid is ENOENT, as it is for a
 * process that does not exist. Nothing under it is the host's view of mmuemu.
 *
 * Files are generated from the guest's state into a memfd at the first use of the guest's
 * fd (a read, seek or fstat: Linux generates them when they are read), which the guest
 * then reads like any file. Directories are listed from the same tables that lookups use.
 * fs.c resolves every guest path itself, component by component, and hands whatever falls
 * under /proc to emu_proc_lookup(); it never opens the host's /proc for the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "emu/fs.h"

#define EMU_PROC_DEV         makedev(0, 22)

/* The generated files of a process directory. */
enum proc_file {
	PROC_AUXV, PROC_CMDLINE, PROC_COMM, PROC_ENVIRON, PROC_LIMITS, PROC_MAPS, PROC_MOUNTS,
	PROC_SMAPS, PROC_SMAPS_ROLLUP, PROC_STAT, PROC_STATM, PROC_STATUS,
	PROC_MEM, PROC_PAGEMAP, PROC_CLEAR_REFS,   /* refused: no access to them yet */
	PROC_FDINFO,                               /* fdinfo/N */
};

struct proc_entry {
	const char *name;
	enum emu_proc_type type;
	int file;        /* enum proc_file, or enum proc_dir for a directory */
	unsigned mode;
};

/* Directories: the values of emu_proc_node.file for EMU_PROC_DIR. */
enum proc_dir { PROC_DIR_ROOT, PROC_DIR_PID, PROC_DIR_TASK, PROC_DIR_FD, PROC_DIR_FDINFO };

/* Links of a process directory: emu_proc_node.file for EMU_PROC_LINK. */
enum proc_link { PROC_LINK_SELF, PROC_LINK_THREAD_SELF, PROC_LINK_MOUNTS, PROC_LINK_NET,
		 PROC_LINK_EXE, PROC_LINK_CWD, PROC_LINK_ROOT, PROC_LINK_FD };

static const struct proc_entry proc_pid_entries[] = {
	{ "task", EMU_PROC_DIR, PROC_DIR_TASK, 0555 },
	{ "fd", EMU_PROC_DIR, PROC_DIR_FD, 0500 },
	{ "fdinfo", EMU_PROC_DIR, PROC_DIR_FDINFO, 0555 },
	{ "environ", EMU_PROC_FILE, PROC_ENVIRON, 0400 },
	{ "auxv", EMU_PROC_FILE, PROC_AUXV, 0400 },
	{ "status", EMU_PROC_FILE, PROC_STATUS, 0444 },
	{ "limits", EMU_PROC_FILE, PROC_LIMITS, 0444 },
	{ "comm", EMU_PROC_FILE, PROC_COMM, 0644 },
	{ "cmdline", EMU_PROC_FILE, PROC_CMDLINE, 0444 },
	{ "stat", EMU_PROC_FILE, PROC_STAT, 0444 },
	{ "statm", EMU_PROC_FILE, PROC_STATM, 0444 },
	{ "maps", EMU_PROC_FILE, PROC_MAPS, 0444 },
	{ "mem", EMU_PROC_FILE, PROC_MEM, 0600 },
	{ "cwd", EMU_PROC_LINK, PROC_LINK_CWD, 0777 },
	{ "root", EMU_PROC_LINK, PROC_LINK_ROOT, 0777 },
	{ "exe", EMU_PROC_LINK, PROC_LINK_EXE, 0777 },
	{ "mounts", EMU_PROC_FILE, PROC_MOUNTS, 0444 },
	{ "clear_refs", EMU_PROC_FILE, PROC_CLEAR_REFS, 0200 },
	{ "smaps", EMU_PROC_FILE, PROC_SMAPS, 0444 },
	{ "smaps_rollup", EMU_PROC_FILE, PROC_SMAPS_ROLLUP, 0444 },
	{ "pagemap", EMU_PROC_FILE, PROC_PAGEMAP, 0400 },
};

static const struct proc_entry proc_root_links[] = {
	{ "self", EMU_PROC_LINK, PROC_LINK_SELF, 0777 },
	{ "thread-self", EMU_PROC_LINK, PROC_LINK_THREAD_SELF, 0777 },
	{ "mounts", EMU_PROC_LINK, PROC_LINK_MOUNTS, 0777 },
	{ "net", EMU_PROC_LINK, PROC_LINK_NET, 0777 },
};

/*
 * Machine-wide files of the host that name no process, shown read only. Anything else at
 * the top of the host's /proc (other pids, sysrq-trigger, kcore...) does not exist here.
 */
static const char *const proc_host_names[] = {
	"cpuinfo", "filesystems", "loadavg", "meminfo", "stat", "sys", "uptime", "version",
};

/* ---- lookup ---- */

static bool proc_is_pid(const char *c, int id)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", id);
	return !strcmp(c, pid);
}

static void proc_node_set(struct emu_proc_node *n, enum emu_proc_type type, int file, unsigned mode)
{
	n->type = type;
	n->file = file;
	n->mode = mode;
}

/* @c[0..nc) are the components below a process directory (or a task directory). */
static int proc_lookup_pid(struct emu *emu, char **c, int nc, bool task, struct emu_proc_node *n)
{
	char *end;
	long fd;

	if (nc == 0) {
		proc_node_set(n, EMU_PROC_DIR, PROC_DIR_PID, 0555);
		return 0;
	}
	if (!strcmp(c[0], "fd") || !strcmp(c[0], "fdinfo")) {
		bool info = c[0][2] != '\0';

		if (nc == 1) {
			proc_node_set(n, EMU_PROC_DIR, info ? PROC_DIR_FDINFO : PROC_DIR_FD,
				      info ? 0555 : 0500);
			return 0;
		}
		errno = 0;
		fd = strtol(c[1], &end, 10);
		if (!g_ascii_isdigit(c[1][0]) || *end || errno || fd < 0 ||
		    (c[1][0] == '0' && c[1][1]) || !emu_fs_is_open(emu, (uint64_t)fd))
			return -ENOENT;
		if (nc > 2)
			return info ? -ENOTDIR : -ENOENT;
		n->fd = (int)fd;
		if (info)
			proc_node_set(n, EMU_PROC_FILE, PROC_FDINFO, 0444);
		else
			proc_node_set(n, EMU_PROC_LINK, PROC_LINK_FD, 0700);
		return 0;
	}
	if (!strcmp(c[0], "task")) {
		if (task)
			return -ENOENT;
		if (nc == 1) {
			proc_node_set(n, EMU_PROC_DIR, PROC_DIR_TASK, 0555);
			return 0;
		}
		if (!proc_is_pid(c[1], emu->tid))
			return -ENOENT;
		return proc_lookup_pid(emu, c + 2, nc - 2, true, n);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(proc_pid_entries); i++) {
		const struct proc_entry *e = &proc_pid_entries[i];

		if (strcmp(c[0], e->name) || e->type == EMU_PROC_DIR)
			continue;
		if (nc > 1)
			return e->type == EMU_PROC_FILE ? -ENOTDIR : -ENOENT;
		proc_node_set(n, e->type, e->file, e->mode);
		return 0;
	}
	return -ENOENT;
}

int emu_proc_lookup(struct emu *emu, const char *path, struct emu_proc_node *n)
{
	char **c, **parts;
	int nc = 0, ret = -ENOENT;
	struct stat st;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (strcmp(path, "/proc") && !g_str_has_prefix(path, "/proc/"))
		return -ENOENT;
	g_strlcpy(n->path, path, sizeof(n->path));
	parts = g_strsplit(path + strlen("/proc"), "/", -1);
	c = g_new0(char *, g_strv_length(parts) + 1);
	for (char **p = parts; *p; p++) {
		if (**p)
			c[nc++] = *p;
	}
	if (nc == 0) {
		proc_node_set(n, EMU_PROC_DIR, PROC_DIR_ROOT, 0555);
		ret = 0;
		goto out;
	}
	if (proc_is_pid(c[0], emu->proc->pid)) {
		ret = proc_lookup_pid(emu, c + 1, nc - 1, false, n);
		goto out;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(proc_root_links); i++) {
		if (!strcmp(c[0], proc_root_links[i].name)) {
			/* Below a link: fs.c follows links before it looks further. */
			if (nc > 1)
				goto out;
			proc_node_set(n, EMU_PROC_LINK, proc_root_links[i].file, 0777);
			ret = 0;
			goto out;
		}
	}
	for (size_t i = 0; i < G_N_ELEMENTS(proc_host_names); i++) {
		if (strcmp(c[0], proc_host_names[i]))
			continue;
		/* The host's own file; a link inside (none are expected) is not followed. */
		if (lstat(path, &st) < 0) {
			ret = -errno;
			goto out;
		}
		if (S_ISLNK(st.st_mode))
			goto out;
		n->host_dir = S_ISDIR(st.st_mode);
		proc_node_set(n, EMU_PROC_HOST, 0, st.st_mode & 0555);
		ret = 0;
		goto out;
	}
out:
	g_free(c);
	g_strfreev(parts);
	return ret;
}

int emu_proc_readlink(struct emu *emu, const struct emu_proc_node *n, char *buf, size_t len)
{
	int r;

	switch (n->file) {
	case PROC_LINK_SELF:
		r = snprintf(buf, len, "%d", emu->proc->pid);
		break;
	case PROC_LINK_THREAD_SELF:
		r = snprintf(buf, len, "%d/task/%d", emu->proc->pid, emu->tid);
		break;
	case PROC_LINK_MOUNTS:
		r = snprintf(buf, len, "self/mounts");
		break;
	case PROC_LINK_NET:
		r = snprintf(buf, len, "self/net");
		break;
	case PROC_LINK_EXE:
		r = snprintf(buf, len, "%s", emu->proc->exe_path);
		break;
	case PROC_LINK_CWD:
		r = snprintf(buf, len, "%s", emu_fs_cwd(emu));
		break;
	case PROC_LINK_ROOT:
		r = snprintf(buf, len, "/");
		break;
	case PROC_LINK_FD:
		return emu_fs_fd_target(emu, (uint64_t)n->fd, buf, len);
	default:
		return -EINVAL;
	}
	return r < 0 || (size_t)r >= len ? -ENAMETOOLONG : r;
}

/* ---- stat ---- */

void emu_proc_stat(struct emu *emu, const struct emu_proc_node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = EMU_PROC_DEV;
	/* A stable inode number per path, as procfs gives each entry its own. */
	st->st_ino = g_str_hash(n->path) | 1;
	st->st_nlink = n->type == EMU_PROC_DIR ? 2 : 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 1024;
	st->st_mode = n->mode | (n->type == EMU_PROC_DIR ? S_IFDIR :
				 n->type == EMU_PROC_LINK ? S_IFLNK : S_IFREG);
	if (n->type == EMU_PROC_LINK) {
		char target[4096];
		int len = emu_proc_readlink(emu, n, target, sizeof(target));

		/* Only the plain links have a size; fd/N and the others show 64 as Linux does. */
		st->st_size = n->file == PROC_LINK_SELF || n->file == PROC_LINK_THREAD_SELF ||
			      n->file == PROC_LINK_MOUNTS || n->file == PROC_LINK_NET ?
			      (len > 0 ? len : 0) : 64;
	}
	st->st_atim = st->st_mtim = st->st_ctim = emu_fs_start_time(emu);
}

/* ---- listing ---- */

struct proc_dirent {
	const char *name;
	char buf[24];
	unsigned char type;
};

/* The entries of directory @n, in order; Return: how many were put in @out (at most @max). */
static unsigned proc_list(struct emu *emu, const struct emu_proc_node *n,
			  struct proc_dirent *out, unsigned max)
{
	unsigned k = 0;

	out[k++] = (struct proc_dirent){ .name = ".", .type = DT_DIR };
	out[k++] = (struct proc_dirent){ .name = "..", .type = DT_DIR };
	switch (n->file) {
	case PROC_DIR_ROOT:
		for (size_t i = 0; i < G_N_ELEMENTS(proc_host_names) && k < max; i++)
			out[k++] = (struct proc_dirent){ .name = proc_host_names[i],
				.type = strcmp(proc_host_names[i], "sys") ? DT_REG : DT_DIR };
		for (size_t i = 0; i < G_N_ELEMENTS(proc_root_links) && k < max; i++)
			out[k++] = (struct proc_dirent){ .name = proc_root_links[i].name, .type = DT_LNK };
		/* the one process, as in its task directory */
		/* fall through */
	case PROC_DIR_TASK:
		if (k < max) {
			out[k] = (struct proc_dirent){ .type = DT_DIR };
			snprintf(out[k].buf, sizeof(out[k].buf), "%d",
				 n->file == PROC_DIR_TASK ? emu->tid : emu->proc->pid);
			out[k].name = out[k].buf;
			k++;
		}
		break;
	case PROC_DIR_PID:
		for (size_t i = 0; i < G_N_ELEMENTS(proc_pid_entries) && k < max; i++) {
			const struct proc_entry *e = &proc_pid_entries[i];

			if (e->name[0] == 't' && e->name[1] == 'a' && strstr(n->path, "/task/"))
				continue;   /* a task directory has no task/ of its own */
			out[k++] = (struct proc_dirent){ .name = e->name,
				.type = e->type == EMU_PROC_DIR ? DT_DIR :
					e->type == EMU_PROC_LINK ? DT_LNK : DT_REG };
		}
		break;
	case PROC_DIR_FD:
	case PROC_DIR_FDINFO:
		for (uint64_t fd = 0; fd < EMU_FS_MAX_FDS && k < max; fd++) {
			if (!emu_fs_is_open(emu, fd))
				continue;
			out[k] = (struct proc_dirent){ .type = n->file == PROC_DIR_FD ? DT_LNK : DT_REG };
			snprintf(out[k].buf, sizeof(out[k].buf), "%" PRIu64, fd);
			out[k].name = out[k].buf;
			k++;
		}
		break;
	default:
		break;
	}
	return k;
}

int64_t emu_proc_getdents(struct emu *emu, const struct emu_proc_node *n, uint64_t *pos,
			  uint8_t *buf, uint64_t count)
{
	unsigned max = EMU_FS_MAX_FDS + 64, nr;
	struct proc_dirent *e = g_new(struct proc_dirent, max);
	uint64_t used = 0;

	nr = proc_list(emu, n, e, max);
	while (*pos < nr) {
		const struct proc_dirent *d = &e[*pos];
		size_t namelen = strlen(d->name);
		uint16_t reclen = (uint16_t)((19 + namelen + 1 + 7) & ~(size_t)7);
		uint64_t ino = g_str_hash(d->name) | 1, off = *pos + 1;

		if (used + reclen > count)
			break;
		/* struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name. */
		memset(buf + used, 0, reclen);
		ino = htole64(ino);
		off = htole64(off);
		memcpy(buf + used, &ino, 8);
		memcpy(buf + used + 8, &off, 8);
		reclen = htole16(reclen);
		memcpy(buf + used + 16, &reclen, 2);
		reclen = le16toh(reclen);
		buf[used + 18] = d->type;
		memcpy(buf + used + 19, d->name, namelen);
		used += reclen;
		(*pos)++;
	}
	g_free(e);
	if (used == 0 && *pos < nr)
		return -EINVAL;   /* not even one record fits, as Linux says */
	return (int64_t)used;
}

/* ---- opening ---- */

int emu_proc_open(struct emu *emu, const struct emu_proc_node *n, uint64_t acc, bool directory)
{
	int fd;

	if (n->type == EMU_PROC_LINK)
		return -ELOOP;
	if (n->type == EMU_PROC_HOST) {
		if (acc != 0)
			return -EACCES;
		fd = open(n->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (directory ? O_DIRECTORY : 0));
		return fd < 0 ? -errno : fd;
	}
	if (n->type == EMU_PROC_DIR) {
		if (acc != 0)
			return -EISDIR;
	} else {
		if (directory)
			return -ENOTDIR;
		if (n->file == PROC_MEM || n->file == PROC_PAGEMAP || n->file == PROC_CLEAR_REFS)
			return -EACCES;
		if (acc != 0)
			return -EACCES;
	}
	fd = memfd_create("mmuemu-proc", MFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* ---- the files ---- */

/* Bytes [start, end) of guest memory, as Linux reads cmdline and environ from the stack. */
static void proc_guest_range(struct emu *emu, FILE *out, uint64_t start, uint64_t end)
{
	uint8_t chunk[4096];

	while (start < end) {
		uint64_t n = MIN(end - start, (uint64_t)sizeof(chunk));
		uint64_t got = emu_peek(emu, start, chunk, n, MM_PROT_READ);

		fwrite(chunk, 1, got, out);
		if (got < n)
			break;
		start += n;
	}
}

/*
 * The maps line of @vma split as Linux prints it: the name (after the inode) in @name,
 * and whether the inode is 0 (anonymous memory, shared or not).
 */
static bool proc_vma_name(struct mm_struct *mm, const struct vm_area_struct *vma, char *name,
			  size_t len)
{
	char line[512], ino[32] = "0";
	int at = 0;

	mm_format_vma(mm, vma, line, sizeof(line));
	name[0] = '\0';
	if (sscanf(line, "%*s %*s %*s %*s %31s %n", ino, &at) >= 1 && at > 0)
		g_strlcpy(name, line + at, len);
	return !strcmp(ino, "0");
}

struct proc_vm {
	uint64_t size, data, stk, exe, lib, lck;
	struct mm_rss rss;
	uint64_t rss_shmem;
};

static void proc_vm_count(struct emu *emu, struct proc_vm *vm)
{
	struct mm_struct *mm = emu->proc->mm;
	struct vma_iterator vmi;
	struct vm_area_struct *vma;

	memset(vm, 0, sizeof(*vm));
	vma_iter_init(&vmi, mm, 0);
	while ((vma = vma_next(&vmi))) {
		uint64_t len = vma->vm_end - vma->vm_start;
		struct mm_rss r = { 0 };
		char name[4096];
		bool anon = proc_vma_name(mm, vma, name, sizeof(name));
		bool stack = vma->vm_flags & VM_GROWSDOWN ||
			     (mm->start_stack >= vma->vm_start && mm->start_stack < vma->vm_end);

		vm->size += len;
		mm_count_rss(mm, vma->vm_start, vma->vm_end, &r);
		vm->rss.rss += r.rss;
		vm->rss.file += r.file;
		/* Shared anonymous memory is shmem in Linux: counted apart from RssAnon. */
		if (vma->vm_flags & VM_MAYSHARE && anon)
			vm->rss_shmem += r.anon;
		else
			vm->rss.anon += r.anon;
		if (vma->vm_flags & VM_LOCKED)
			vm->lck += len;
		/* Linux's accounting: stack_vm, data_vm (private writable), exec_vm. */
		if (stack)
			vm->stk += len;
		else if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
			vm->data += len;
		else if ((vma->vm_flags & (VM_EXEC | VM_WRITE)) == VM_EXEC) {
			if (!strcmp(name, emu->proc->exe_path))
				vm->exe += len;
			else
				vm->lib += len;
		}
	}
	emu_fs_vm_peak(emu, vm->size, vm->rss.rss + vm->rss_shmem, &vm->size, NULL);
}

static uint64_t proc_sig_set(struct emu *emu, bool ign)
{
	uint64_t set = 0, h;

	for (int sig = 1; sig <= EMU_NSIG; sig++) {
		memcpy(&h, emu->proc->sigactions[sig], sizeof(h));
		h = le64toh(h);
		if (ign ? h == SIG_IGN_LINUX : h > SIG_IGN_LINUX)
			set |= UINT64_C(1) << (sig - 1);
	}
	return set;
}

static void proc_status(struct emu *emu, FILE *out)
{
	struct mm_struct *mm = emu->proc->mm;
	uint64_t kb = arch_page_size(emu->mmu) / 1024, peak, hwm, rss, sigq[2];
	struct proc_vm vm;
	mode_t mask = umask(0);
	unsigned fdsize = 64;

	umask(mask);
	proc_vm_count(emu, &vm);
	rss = vm.rss.rss + vm.rss_shmem;
	emu_fs_vm_peak(emu, 0, 0, &peak, &hwm);
	while (fdsize < emu_fs_max_fd(emu) + 1)
		fdsize *= 2;
	emu_rlimit(RLIMIT_SIGPENDING_LINUX, sigq);
	fprintf(out, "Name:\t%s\n", emu->comm);
	fprintf(out, "Umask:\t%04o\n", (unsigned)mask);
	fprintf(out, "State:\tR (running)\n");
	fprintf(out, "Tgid:\t%d\n", emu->proc->pid);
	fprintf(out, "Ngid:\t0\n");
	fprintf(out, "Pid:\t%d\n", emu->tid);
	fprintf(out, "PPid:\t%d\n", emu->proc->ppid);
	fprintf(out, "TracerPid:\t0\n");
	fprintf(out, "Uid:\t%u\t%u\t%u\t%u\n", getuid(), geteuid(), geteuid(), geteuid());
	fprintf(out, "Gid:\t%u\t%u\t%u\t%u\n", getgid(), getegid(), getegid(), getegid());
	fprintf(out, "FDSize:\t%u\n", fdsize);
	fprintf(out, "Groups:\t\n");
	fprintf(out, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", emu->proc->pid,
		emu->tid, emu->proc->pgid, emu->proc->sid);
	fprintf(out, "Kthread:\t0\n");
#define VMLINE(name, v) fprintf(out, name ":\t%8" PRIu64 " kB\n", (uint64_t)(v))
	VMLINE("VmPeak", peak / 1024);
	VMLINE("VmSize", vm.size / 1024);
	VMLINE("VmLck", vm.lck / 1024);
	VMLINE("VmPin", 0);
	VMLINE("VmHWM", hwm * kb);
	VMLINE("VmRSS", rss * kb);
	VMLINE("RssAnon", vm.rss.anon * kb);
	VMLINE("RssFile", vm.rss.file * kb);
	VMLINE("RssShmem", vm.rss_shmem * kb);
	VMLINE("VmData", vm.data / 1024);
	VMLINE("VmStk", vm.stk / 1024);
	VMLINE("VmExe", vm.exe / 1024);
	VMLINE("VmLib", vm.lib / 1024);
	VMLINE("VmPTE", mm->stats.tables_in_use * kb);
	VMLINE("VmSwap", 0);
#undef VMLINE
	fprintf(out, "HugetlbPages:\t%8d kB\n", 0);
	fprintf(out, "CoreDumping:\t0\n");
	fprintf(out, "THP_enabled:\t0\n");
	fprintf(out, "Threads:\t1\n");
	fprintf(out, "SigQ:\t%u/%" PRIu64 "\n", (unsigned)__builtin_popcountll(emu->sig.pending),
		sigq[0]);
	fprintf(out, "SigPnd:\t%016" PRIx64 "\n", emu->sig.pending);
	fprintf(out, "ShdPnd:\t%016" PRIx64 "\n", (uint64_t)0);
	fprintf(out, "SigBlk:\t%016" PRIx64 "\n", emu->sigmask);
	fprintf(out, "SigIgn:\t%016" PRIx64 "\n", proc_sig_set(emu, true));
	fprintf(out, "SigCgt:\t%016" PRIx64 "\n", proc_sig_set(emu, false));
	fprintf(out, "CapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\n", 0, 0, 0);
	fprintf(out, "CapBnd:\t%016x\nCapAmb:\t%016x\n", 0, 0);
	fprintf(out, "NoNewPrivs:\t0\n");
	fprintf(out, "Seccomp:\t0\nSeccomp_filters:\t0\n");
	fprintf(out, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\n");
	fprintf(out, "Mems_allowed:\t1\nMems_allowed_list:\t0\n");
	fprintf(out, "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
}

/* The 52 fields of /proc/PID/stat, in Linux's order (fs/proc/array.c). */
static void proc_stat(struct emu *emu, FILE *out)
{
	const struct emu_proc_exec *x = emu_fs_exec(emu);
	struct mm_struct *mm = emu->proc->mm;
	uint64_t start_code = UINT64_MAX, end_code = 0, start_data = UINT64_MAX, end_data = 0;
	uint64_t rlim[2];
	struct proc_vm vm;
	struct vma_iterator vmi;
	struct vm_area_struct *vma;

	proc_vm_count(emu, &vm);
	vma_iter_init(&vmi, mm, 0);
	while ((vma = vma_next(&vmi))) {
		char name[4096];

		proc_vma_name(mm, vma, name, sizeof(name));
		if (strcmp(name, emu->proc->exe_path))
			continue;
		if (vma->vm_flags & VM_EXEC) {
			start_code = MIN(start_code, vma->vm_start);
			end_code = MAX(end_code, vma->vm_end);
		} else if (vma->vm_flags & VM_WRITE) {
			start_data = MIN(start_data, vma->vm_start);
			end_data = MAX(end_data, vma->vm_end);
		}
	}
	if (start_code == UINT64_MAX)
		start_code = 0;
	if (start_data == UINT64_MAX)
		start_data = 0;
	emu_rlimit(5 /* RLIMIT_RSS */, rlim);
	fprintf(out, "%d (%s) R %d %d %d 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 0 %" PRIu64
		" %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " 0 0 %" PRIu64
		" %" PRIu64 " %" PRIu64 " %" PRIu64 " 0 0 0 17 0 0 0 0 0 0 %" PRIu64 " %" PRIu64
		" %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " 0\n",
		emu->tid, emu->comm, emu->proc->ppid, emu->proc->pgid, emu->proc->sid,
		vm.size, vm.rss.rss + vm.rss_shmem, rlim[0], start_code, end_code,
		x->stack_start, emu->sig.pending, emu->sigmask, proc_sig_set(emu, true),
		proc_sig_set(emu, false), start_data, end_data, mm->start_brk, x->arg_start, x->arg_end,
		x->env_start, x->env_end);
}

static void proc_statm(struct emu *emu, FILE *out)
{
	uint64_t page = arch_page_size(emu->mmu);
	struct proc_vm vm;

	proc_vm_count(emu, &vm);
	fprintf(out, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " 0 %" PRIu64 " 0\n",
		vm.size / page, vm.rss.rss + vm.rss_shmem, vm.rss.file + vm.rss_shmem,
		(vm.exe + page - 1) / page, (vm.data + vm.stk) / page);
}

static void proc_limits(struct emu *emu, FILE *out)
{
	static const struct { const char *name, *unit; } lim[] = {
		{ "Max cpu time", "seconds" }, { "Max file size", "bytes" },
		{ "Max data size", "bytes" }, { "Max stack size", "bytes" },
		{ "Max core file size", "bytes" }, { "Max resident set", "bytes" },
		{ "Max processes", "processes" }, { "Max open files", "files" },
		{ "Max locked memory", "bytes" }, { "Max address space", "bytes" },
		{ "Max file locks", "locks" }, { "Max pending signals", "signals" },
		{ "Max msgqueue size", "bytes" }, { "Max nice priority", "" },
		{ "Max realtime priority", "" }, { "Max realtime timeout", "us" },
	};

	fprintf(out, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (unsigned i = 0; i < G_N_ELEMENTS(lim); i++) {
		uint64_t v[2];
		char s[2][24];

		emu_rlimit(i, v);
		for (int k = 0; k < 2; k++) {
			if (v[k] == UINT64_MAX)
				g_strlcpy(s[k], "unlimited", sizeof(s[k]));
			else
				snprintf(s[k], sizeof(s[k]), "%" PRIu64, v[k]);
		}
		fprintf(out, "%-25s %-20s %-20s %-10s\n", lim[i].name, s[0], s[1], lim[i].unit);
	}
}

/* smaps_rollup: the smaps fields added up over every VMA, under one header line. */
static void proc_smaps_rollup(struct emu *emu, FILE *out)
{
	struct vma_iterator vmi;
	struct vm_area_struct *vma, *last = NULL;
	uint64_t first = 0, sums[32] = { 0 };
	const char *keys[32];
	unsigned nkeys = 0;
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return;
	mm_dump_smaps(emu->proc->mm, mem);
	fclose(mem);
	vma_iter_init(&vmi, emu->proc->mm, 0);
	while ((vma = vma_next(&vmi))) {
		if (!last)
			first = vma->vm_start;
		last = vma;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		unsigned k;

		/* "Key:   N kB" lines only: not the VMA headers, not VmFlags. */
		if (!colon || !strstr(colon, " kB") || g_str_has_prefix(line, "KernelPageSize") ||
		    g_str_has_prefix(line, "MMUPageSize") || g_str_has_prefix(line, "Size"))
			continue;
		*colon = '\0';
		for (k = 0; k < nkeys && strcmp(keys[k], line); k++)
			;
		if (k == nkeys) {
			if (nkeys == G_N_ELEMENTS(keys))
				continue;
			keys[nkeys++] = line;
		}
		sums[k] += g_ascii_strtoull(colon + 1, NULL, 10);
	}
	fprintf(out, "%08" PRIx64 "-%08" PRIx64 " ---p 00000000 00:00 0%*s[rollup]\n", first,
		last ? last->vm_end : 0, 46, "");
	for (unsigned k = 0; k < nkeys; k++) {
		char key[48];

		snprintf(key, sizeof(key), "%s:", keys[k]);
		fprintf(out, "%-16s%8" PRIu64 " kB\n", key, sums[k]);
	}
	free(text);
}

static void proc_fdinfo(struct emu *emu, int fd, FILE *out)
{
	int64_t pos = 0;
	uint64_t flags = 0;

	emu_fs_fd_info(emu, (uint64_t)fd, &pos, &flags);
	fprintf(out, "pos:\t%" PRId64 "\nflags:\t0%" PRIo64 "\nmnt_id:\t0\nino:\t0\n", pos, flags);
}

int emu_proc_fill(struct emu *emu, int fd, const struct emu_proc_node *n)
{
	const struct emu_proc_exec *x = emu_fs_exec(emu);
	FILE *out;
	int wfd;

	if (n->type != EMU_PROC_FILE)
		return 0;
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
	switch (n->file) {
	case PROC_AUXV:
		fwrite(x->auxv, sizeof(x->auxv[0]), x->auxv_words, out);
		break;
	case PROC_CMDLINE:
		proc_guest_range(emu, out, x->arg_start, x->arg_end);
		break;
	case PROC_ENVIRON:
		proc_guest_range(emu, out, x->env_start, x->env_end);
		break;
	case PROC_COMM:
		fprintf(out, "%s\n", emu->comm);
		break;
	case PROC_LIMITS:
		proc_limits(emu, out);
		break;
	case PROC_MAPS:
		mm_dump_maps(emu->proc->mm, out);
		break;
	case PROC_SMAPS:
		mm_dump_smaps(emu->proc->mm, out);
		break;
	case PROC_SMAPS_ROLLUP:
		proc_smaps_rollup(emu, out);
		break;
	case PROC_MOUNTS:
		/* The guest sees the host's tree at / and this /proc over it. */
		fprintf(out, "rootfs / rootfs rw 0 0\n");
		fprintf(out, "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
		break;
	case PROC_STAT:
		proc_stat(emu, out);
		break;
	case PROC_STATM:
		proc_statm(emu, out);
		break;
	case PROC_STATUS:
		proc_status(emu, out);
		break;
	case PROC_FDINFO:
		proc_fdinfo(emu, n->fd, out);
		break;
	default:
		break;
	}
	if (fclose(out))
		return -EIO;
	lseek(fd, 0, SEEK_SET);
	return 0;
}
