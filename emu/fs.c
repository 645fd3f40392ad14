/* SPDX-License-Identifier: MIT */
/*
 * fs.c - the guest's files: a table of guest fds, each standing for one host fd that
 * mmuemu owns, and the file system calls passed through to the host as qemu-user passes
 * them. Paths are the host's (the guest's cwd is mmuemu's), except the guest's own
 * /proc/self files (proc.c). Every guest buffer goes through copy_from_user() or
 * copy_to_user(): a bad pointer is -EFAULT, never a fault of the host.
 *
 * What differs between the guest's ABI and the host's is converted here: the open flags
 * (O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE, arch_cpu.oflags: x86_64 and riscv64
 * have asm-generic's values, arm64 its own) and struct stat (arch_cpu.abi). struct statx,
 * linux_dirent64, the kernel's termios and winsize are the same on every architecture.
 * Errno values equal the host's on a Linux host.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "emu/fs.h"
#include "emu/fdtable.h"

#define EMU_IO_CHUNK         65536

/* ---- the fd table ---- */

int emu_fs_init(struct emu *emu)
{
	struct emu_fs *fs = g_new0(struct emu_fs, 1);
	struct stat st;

	for (unsigned i = 0; i < EMU_FS_MAX_FDS; i++)
		fs->fd[i] = (struct emu_fd){ .host = -1 };
	/* Copies, so that the guest closing its stdout leaves mmuemu's own alone. */
	for (int i = 0; i < 3; i++) {
		fs->fd[i].host = fcntl(i, F_DUPFD_CLOEXEC, 3);
		/* Every open guest fd has its description, the standard three too. */
		if (fs->fd[i].host >= 0)
			fs->fd[i].ofd = emu_ofd_new();
	}
	if (!getcwd(fs->cwd, sizeof(fs->cwd)))
		g_strlcpy(fs->cwd, "/", sizeof(fs->cwd));
	if (stat("/proc", &st) == 0) {
		fs->proc_dev = st.st_dev;
		fs->have_proc_dev = true;
	}
	clock_gettime(CLOCK_REALTIME, &fs->start);
	emu->proc->fs = fs;
	return 0;
}

static void fs_fd_clear(struct emu *emu, struct emu_fd *f)
{
	if (f->host >= 0) {
		emu_flock_close(emu, f->host, f->ofd);
		close(f->host);
	}
	g_free(f->node);
	*f = (struct emu_fd){ .host = -1 };
}

void emu_fs_exit(struct emu *emu)
{
	struct emu_fs *fs = emu->proc->fs;

	if (!fs)
		return;
	for (unsigned i = 0; i < EMU_FS_MAX_FDS; i++)
		fs_fd_clear(emu, &fs->fd[i]);
	g_free(fs);
	emu->proc->fs = NULL;
}

void emu_fs_close_on_exec(struct emu *emu)
{
	struct emu_fs *fs = emu->proc->fs;

	for (unsigned i = 0; i < EMU_FS_MAX_FDS; i++)
		if (fs->fd[i].cloexec)
			fs_fd_clear(emu, &fs->fd[i]);
}

/* flock(2): the lock table (flock.c) keys the lock on the fd's open file description. */
int64_t emu_sys_flock(struct emu *emu, const uint64_t *a)
{
	uint64_t fd = (uint64_t)(int64_t)(int32_t)a[0];
	int h = emu_fs_host_fd(emu, fd);

	if (h < 0)
		return h;
	return emu_flock_flock(emu, h, fs_get(emu, fd)->ofd, a[1]);
}

/* A generated /proc file is written at its first use, as Linux writes it when it is read. */
int emu_fs_host_fd(struct emu *emu, uint64_t fd)
{
	struct emu_fd *f = fs_get(emu, fd);
	int err;

	if (!f)
		return -EBADF;
	if (f->kind == EMU_FD_PROC && !f->filled) {
		err = emu_proc_fill(emu, f->host, f->node);
		if (err)
			return err;
		f->filled = true;
	}
	return f->host;
}

/* The lowest free guest fd from @min, or -EMFILE. */
static int fs_free_slot(struct emu_fs *fs, unsigned min)
{
	for (unsigned i = min; fs && i < EMU_FS_MAX_FDS; i++) {
		if (fs->fd[i].host < 0)
			return (int)i;
	}
	return -EMFILE;
}

int emu_fs_install(struct emu *emu, int host, unsigned min, bool cloexec, enum emu_fd_kind kind)
{
	int i = fs_free_slot(emu->proc->fs, min);

	if (i < 0) {
		close(host);
		return i;
	}
	emu->proc->fs->fd[i] = (struct emu_fd){ .host = host, .cloexec = cloexec, .kind = kind,
						.ofd = emu_ofd_new() };
	return i;
}

/* Install a generated /proc fd for @node. */
static int fs_install_proc(struct emu *emu, int host, bool cloexec,
			   const struct emu_proc_node *node)
{
	int g = emu_fs_install(emu, host, 0, cloexec, EMU_FD_PROC);

	if (g >= 0)
		emu->proc->fs->fd[g].node = g_memdup2(node, sizeof(*node));
	return g;
}

/* A guest fd argument: the ABI's int, the upper half of the register ignored. */
static uint64_t fs_fdarg(uint64_t v)
{
	return (uint64_t)(int64_t)(int32_t)v;
}

/* Copy a guest path: -EFAULT, -ENAMETOOLONG, or its length. */
static int64_t fs_path(struct emu *emu, uint64_t addr, char *buf)
{
	int64_t n = strncpy_from_user(emu->proc->mm, buf, addr, PATH_MAX_LINUX);

	return n;
}

/* ---- paths: every guest path is resolved here, never by the host's lookup alone ---- */

/*
 * A path is walked one component at a time from the guest's cwd, a dirfd's directory or
 * "/", as the kernel's path walk does: "." and ".." lexically on the canonical path built
 * so far, host symbolic links read with readlink() and followed (at most 40, else ELOOP).
 * Whatever the walk reaches under "/proc" is looked up in the guest's /proc (proc.c),
 * whose own links (self, exe, cwd...) are followed the same way. So "/proc/./self",
 * "//proc", "/dev/fd" (a host link to /proc/self/fd), a host link into /proc and a dirfd
 * on /proc all end in the guest's /proc, and the host call gets a canonical absolute path
 * with no link left in it but the last component when that one is not followed. A host
 * directory on the host's procfs found anywhere else is refused (ENOENT), and opens check
 * the file system they reached (fs_open_host()).
 *
 * The walk and the host call are two steps: the host tree could change between them, but
 * only by another host process; the guest has one thread.
 */
#define FS_FOLLOW   1u   /* follow a link in the last component */
#define FS_MAX_LINKS 40

struct fs_target {
	bool proc;                   /* under the guest's /proc: @node */
	bool missing;                /* host: the last component does not exist */
	struct emu_proc_node node;
	char path[PATH_MAX_LINUX];   /* host: canonical absolute path */
};

static bool fs_in_proc(const char *p)
{
	return !strcmp(p, "/proc") || g_str_has_prefix(p, "/proc/");
}

/* The directory a relative path starts from: @dirfd's, or the cwd. */
static int fs_base(struct emu *emu, uint64_t dirfd, char *base)
{
	struct emu_fd *f;
	struct stat st;
	int n;

	if ((int32_t)dirfd == AT_FDCWD_LINUX) {
		g_strlcpy(base, emu->proc->fs->cwd, PATH_MAX_LINUX);
		return 0;
	}
	f = fs_get(emu, (uint64_t)(uint32_t)dirfd);
	if (!f)
		return -EBADF;
	if (f->kind == EMU_FD_PROC) {
		if (f->node->type != EMU_PROC_DIR)
			return -ENOTDIR;
		g_strlcpy(base, f->node->path, PATH_MAX_LINUX);
		return 0;
	}
	if (fstat(f->host, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	n = fs_host_fd_path(f->host, base, PATH_MAX_LINUX);
	if (n < 0)
		return n;
	return base[0] == '/' ? 0 : -ENOENT;
}

static void fs_pop(char *cur)
{
	char *slash = strrchr(cur, '/');

	if (slash == cur)
		cur[1] = '\0';
	else if (slash)
		*slash = '\0';
}

static int fs_resolve(struct emu *emu, uint64_t dirfd, const char *path, unsigned how,
		      struct fs_target *t)
{
	char cur[PATH_MAX_LINUX], cand[PATH_MAX_LINUX], target[PATH_MAX_LINUX];
	size_t plen = strlen(path);
	bool trailing = plen > 0 && path[plen - 1] == '/';
	GString *rest = g_string_new(path);
	unsigned links = 0;
	size_t i = 0;
	int err = 0;

	memset(t, 0, sizeof(*t));
	t->node.fd = -1;
	if (path[0] == '/') {
		g_strlcpy(cur, "/", sizeof(cur));
	} else {
		err = fs_base(emu, dirfd, cur);
		if (err)
			goto out;
	}
	for (;;) {
		size_t j, k;
		bool last, follow;
		struct stat st;
		ssize_t n;

		while (rest->str[i] == '/')
			i++;
		if (!rest->str[i])
			break;
		for (j = i; rest->str[j] && rest->str[j] != '/'; j++)
			;
		for (k = j; rest->str[k] == '/'; k++)
			;
		last = !rest->str[k];
		follow = !last || (how & FS_FOLLOW) || trailing;
		if (j - i == 1 && rest->str[i] == '.') {
			i = j;
			continue;
		}
		if (j - i == 2 && rest->str[i] == '.' && rest->str[i + 1] == '.') {
			fs_pop(cur);
			t->proc = false;
			i = j;
			continue;
		}
		if (strlen(cur) + 1 + (j - i) + 1 > sizeof(cand)) {
			err = -ENAMETOOLONG;
			goto out;
		}
		k = strlen(cur);
		memcpy(cand, cur, k);
		if (strcmp(cur, "/"))
			cand[k++] = '/';
		memcpy(cand + k, rest->str + i, j - i);
		cand[k + (j - i)] = '\0';
		i = j;
		if (fs_in_proc(cand)) {
			err = emu_proc_lookup(emu, cand, &t->node);
			if (err)
				goto out;
			if (t->node.type == EMU_PROC_LINK && follow) {
				/* fd/N at the end is the open file itself, not the name it shows. */
				if (last && t->node.fd >= 0) {
					t->proc = true;
					break;
				}
				n = emu_proc_readlink(emu, &t->node, target, sizeof(target));
				if (n < 0) {
					err = (int)n;
					goto out;
				}
				target[n] = '\0';
				goto link;
			}
			if (!last && t->node.type != EMU_PROC_DIR && !t->node.host_dir) {
				err = -ENOTDIR;
				goto out;
			}
			g_strlcpy(cur, cand, sizeof(cur));
			t->proc = true;
			continue;
		}
		t->proc = false;
		if (lstat(cand, &st) < 0) {
			err = -errno;
			if (err == -ENOENT && last) {
				err = 0;
				t->missing = true;
				g_strlcpy(cur, cand, sizeof(cur));
				break;
			}
			goto out;
		}
		if (emu->proc->fs->have_proc_dev && st.st_dev == emu->proc->fs->proc_dev) {
			err = -ENOENT;   /* the host's procfs, mounted somewhere else */
			goto out;
		}
		if (S_ISLNK(st.st_mode) && follow) {
			n = readlink(cand, target, sizeof(target) - 1);
			if (n < 0) {
				err = -errno;
				goto out;
			}
			target[n] = '\0';
			goto link;
		}
		if (!last && !S_ISDIR(st.st_mode)) {
			err = -ENOTDIR;
			goto out;
		}
		g_strlcpy(cur, cand, sizeof(cur));
		continue;
link:
		if (++links > FS_MAX_LINKS) {
			err = -ELOOP;
			goto out;
		}
		/* The target replaces the link's component; an absolute one restarts at "/". */
		g_string_erase(rest, 0, (gssize)i);
		g_string_prepend_c(rest, '/');
		g_string_prepend(rest, target);
		i = 0;
		if (target[0] == '/')
			g_strlcpy(cur, "/", sizeof(cur));
		t->proc = fs_in_proc(cur);
	}
	if (t->proc || fs_in_proc(cur)) {
		if (!t->proc) {
			err = emu_proc_lookup(emu, cur, &t->node);
			if (err)
				goto out;
		}
		t->proc = true;
		if (trailing && t->node.type != EMU_PROC_DIR && !t->node.host_dir &&
		    t->node.type != EMU_PROC_LINK)
			err = -ENOTDIR;
		goto out;
	}
	snprintf(t->path, sizeof(t->path), "%s%s", cur, trailing && strcmp(cur, "/") ? "/" : "");
out:
	g_string_free(rest, TRUE);
	return err;
}

/*
 * Copy the guest path at @pathp and resolve it against @dirfd. An empty path (or NULL,
 * with AT_EMPTY_PATH, as Linux 6.11 allows) is -ENOENT unless @empty_ok: then 1, and the
 * call is about @dirfd itself.
 */
static int fs_at(struct emu *emu, uint64_t dirfd, uint64_t pathp, unsigned how, bool empty_ok,
		 struct fs_target *t)
{
	char path[PATH_MAX_LINUX];
	int64_t n;

	if (!pathp && empty_ok)
		return 1;
	n = fs_path(emu, pathp, path);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return empty_ok ? 1 : -ENOENT;
	return fs_resolve(emu, dirfd, path, how, t);
}

/* The host file an exec of guest @path (from @dirfd) runs: none under /proc but exe. */
static int fs_exec_resolve(struct emu *emu, uint64_t dirfd, const char *path, char *out)
{
	struct fs_target t;
	int err = fs_resolve(emu, dirfd, path, FS_FOLLOW, &t);

	if (err)
		return err;
	if (t.proc)
		return -EACCES;
	if (t.missing)
		return -ENOENT;
	g_strlcpy(out, t.path, PATH_MAX_LINUX);
	return 0;
}

int emu_fs_exec_path(struct emu *emu, uint64_t dirfd, uint64_t pathp, bool empty_ok,
		     char *out, char *guest)
{
	struct emu_fd *f;
	int err;

	err = (int)fs_path(emu, pathp, guest);
	if (err < 0)
		return err;
	if (err == 0) {
		if (!empty_ok)
			return -ENOENT;
		f = fs_get(emu, (uint64_t)(uint32_t)dirfd);
		if (!f)
			return -EBADF;
		if (f->kind != EMU_FD_HOST)
			return -EACCES;
		err = fs_host_fd_path(f->host, out, PATH_MAX_LINUX);
		if (err < 0)
			return err;
		return out[0] == '/' ? 0 : -ENOENT;
	}
	return fs_exec_resolve(emu, dirfd, guest, out);
}

int emu_fs_exec_path_host(struct emu *emu, const char *path, char *out)
{
	return fs_exec_resolve(emu, (uint64_t)(int64_t)AT_FDCWD_LINUX, path, out);
}

static int64_t fs_ret(long r)

{
	return r < 0 ? -errno : r;
}

/* ---- read and write ---- */

/*
 * Partial transfers, as Linux does them: bytes move up to the first page that faults, and
 * a call fails with EFAULT only when nothing could move. Nothing is taken from a host file,
 * pipe or directory that cannot be delivered: fs_user_room() finds how much of the guest
 * buffer can take bytes before the host call, which is then sized to it.
 */

/*
 * How many of the @len bytes at guest @addr can be written, probing one byte per page (read
 * and written back unchanged, which faults the page in as the copy itself would).
 */
static uint64_t fs_user_room(struct emu *emu, uint64_t addr, uint64_t len)
{
	uint64_t page = arch_page_size(emu->mmu), done = 0;

	while (done < len) {
		uint64_t n = MIN(len - done, page - ((addr + done) & (page - 1)));
		uint8_t byte;

		if (copy_from_user(emu->proc->mm, &byte, addr + done, 1) ||
		    copy_to_user(emu->proc->mm, addr + done, &byte, 1))
			break;
		done += n;
	}
	return done;
}

uint64_t emu_fs_copy_to_user(struct emu *emu, uint64_t dst, const void *src, uint64_t n)
{
	uint64_t page = arch_page_size(emu->mmu), done = 0;

	while (done < n) {
		uint64_t len = MIN(n - done, page - ((dst + done) & (page - 1)));

		if (copy_to_user(emu->proc->mm, dst + done, (const uint8_t *)src + done, len))
			break;
		done += len;
	}
	return done;
}

/* Copy guest bytes up to the first page that cannot be read. Return: bytes copied. */
static uint64_t fs_copy_from_user(struct emu *emu, void *dst, uint64_t src, uint64_t n)
{
	uint64_t page = arch_page_size(emu->mmu), done = 0;

	while (done < n) {
		uint64_t len = MIN(n - done, page - ((src + done) & (page - 1)));

		if (copy_from_user(emu->proc->mm, (uint8_t *)dst + done, src + done, len))
			break;
		done += len;
	}
	return done;
}


/*
 * Before the host reads host fd @fd: what shared mappings of the file wrote goes to the
 * file first, as one page cache has it.
 */
static void fs_sync_in(struct emu *emu, int fd)
{
	struct stat st;

	if (mm_has_files(emu->proc->mm) && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		mm_file_sync(emu->proc->mm, st.st_dev, st.st_ino);
}

/*
 * After the host itself wrote @len bytes at @at of host fd @fd (copy_file_range, splice):
 * the pages cached for the file take them, read back from the file, so that mappings of
 * it see what was written, as with fs_write_out().
 */
static void fs_written_behind(struct emu *emu, int fd, int64_t at, uint64_t len)
{
	uint8_t *chunk;
	struct stat st;
	uint64_t done = 0;

	if (!len || at < 0 || !mm_has_files(emu->proc->mm) || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	chunk = g_malloc(MIN(len, (uint64_t)EMU_IO_CHUNK));
	while (done < len) {
		ssize_t r = pread(fd, chunk, MIN(len - done, (uint64_t)EMU_IO_CHUNK), at + (int64_t)done);

		if (r <= 0)
			break;
		mm_file_written(emu->proc->mm, st.st_dev, st.st_ino, (uint64_t)at + done, chunk, (uint64_t)r);
		done += (uint64_t)r;
	}
	g_free(chunk);
}

/* Write @len guest bytes at @buf to host fd @fd (or at @off with pwrite when @off >= 0). */
static int64_t fs_write_out(struct emu *emu, int fd, uint64_t buf, uint64_t len, int64_t off)
{
	uint8_t *chunk = g_malloc(MIN(len, (uint64_t)EMU_IO_CHUNK) + 1);
	uint64_t done = 0;
	int64_t ret = 0;
	struct stat st;
	/* A file the guest also maps: its cached pages must see what write(2) puts there. */
	bool mapped = mm_has_files(emu->proc->mm) && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);

	while (done < len) {
		uint64_t n = MIN(len - done, (uint64_t)EMU_IO_CHUNK), w = 0;
		uint64_t got = fs_copy_from_user(emu, chunk, buf + done, n);

		if (got == 0) {
			ret = -EFAULT;
			break;
		}
		while (w < got) {
			ssize_t r = off >= 0 ? pwrite(fd, chunk + w, got - w, off + (int64_t)(done + w))
					     : write(fd, chunk + w, got - w);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				ret = -errno;
				break;
			}
			if (mapped && r > 0) {
				off_t at = off >= 0 ? off + (int64_t)(done + w) : lseek(fd, 0, SEEK_CUR) - r;

				if (at >= 0)
					mm_file_written(emu->proc->mm, st.st_dev, st.st_ino, (uint64_t)at,
							chunk + w, (uint64_t)r);
			}
			w += (uint64_t)r;
		}
		done += w;
		/* The rest of the buffer faults: what came before it is the result. */
		if (ret || got < n)
			break;
	}
	g_free(chunk);
	/* As Linux does: a partial transfer reports what was done, not the error. */
	return done ? (int64_t)done : ret;
}

/*
 * Whether a read of @fd (at @off, or its offset when @off < 0) would find the end of the
 * file: Linux answers 0 there before it looks at the buffer. A pipe is at its end when it
 * is empty and has no writer.
 */
static bool fs_at_eof(int fd, int64_t off)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct stat st;

	if (fstat(fd, &st) < 0)
		return false;
	if (S_ISREG(st.st_mode))
		return (off >= 0 ? off : lseek(fd, 0, SEEK_CUR)) >= st.st_size;
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP) && !(pfd.revents & POLLIN);
}

/*
 * Read at most @len bytes from host fd @fd into the guest at @buf. A regular file is read
 * until @len or its end, as one read(2) of it would be; anything else returns what one
 * host read gives.
 */
static int64_t fs_read_in(struct emu *emu, int fd, uint64_t buf, uint64_t len, int64_t off)
{
	uint8_t *chunk;
	uint64_t done = 0;
	int64_t ret = 0;
	struct stat st;
	bool regular = len > EMU_IO_CHUNK && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);

	if (len == 0)
		return 0;
	fs_sync_in(emu, fd);
	chunk = g_malloc(MIN(len, (uint64_t)EMU_IO_CHUNK));
	while (done < len) {
		uint64_t n = MIN(len - done, (uint64_t)EMU_IO_CHUNK);
		uint64_t room = fs_user_room(emu, buf + done, n);
		ssize_t r;

		/* Ask the host for no more than the guest can take: nothing read is lost. */
		if (room == 0) {
			ret = done == 0 && fs_at_eof(fd, off) ? 0 : -EFAULT;
			break;
		}
		do {
			r = off >= 0 ? pread(fd, chunk, room, off + (int64_t)done) : read(fd, chunk, room);
		} while (r < 0 && errno == EINTR);
		if (r < 0) {
			ret = -errno;
			break;
		}
		if (copy_to_user(emu->proc->mm, buf + done, chunk, (uint64_t)r)) {
			ret = -EFAULT;   /* cannot happen: the room was probed just now */
			break;
		}
		done += (uint64_t)r;
		if ((uint64_t)r < n || !regular)
			break;
	}
	g_free(chunk);
	return done ? (int64_t)done : ret;
}

/* read(2) of a generated directory is EISDIR, as it is of any directory. */
static bool fs_is_proc_dir(struct emu *emu, uint64_t fd)
{
	struct emu_fd *f = fs_get(emu, fd);

	return f && f->kind == EMU_FD_PROC && f->node->type == EMU_PROC_DIR;
}

int64_t emu_sys_read(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));

	if (h < 0)
		return h;
	if (fs_is_proc_dir(emu, fs_fdarg(a[0])))
		return -EISDIR;
	return fs_read_in(emu, h, a[1], MIN(a[2], MAX_RW_COUNT_LINUX), -1);
}

int64_t emu_sys_write(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));

	if (h < 0)
		return h;
	if (a[2] == 0)
		return 0;
	return fs_write_out(emu, h, a[1], MIN(a[2], MAX_RW_COUNT_LINUX), -1);
}

int64_t emu_sys_pread64(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));

	if (h < 0)
		return h;
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	return fs_read_in(emu, h, a[1], MIN(a[2], MAX_RW_COUNT_LINUX), (int64_t)a[3]);
}

int64_t emu_sys_pwrite64(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));

	if (h < 0)
		return h;
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	if (a[2] == 0)
		return 0;
	return fs_write_out(emu, h, a[1], MIN(a[2], MAX_RW_COUNT_LINUX), (int64_t)a[3]);
}

struct fs_iovec {
	uint64_t base, len;
};

static int64_t fs_iov(struct emu *emu, const uint64_t *a, bool out)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));
	struct fs_iovec *iov;
	uint64_t total = 0;
	int64_t ret = 0;

	if (h < 0)
		return h;
	if (a[2] > UIO_MAXIOV_LINUX)
		return -EINVAL;
	if (a[2] == 0)
		return 0;
	iov = g_new(struct fs_iovec, a[2]);
	if (copy_from_user(emu->proc->mm, iov, a[1], a[2] * sizeof(*iov))) {
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
		n = out ? fs_write_out(emu, h, le64toh(iov[i].base), len, -1)
			: fs_read_in(emu, h, le64toh(iov[i].base), len, -1);
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

int64_t emu_sys_readv(struct emu *emu, const uint64_t *a)
{
	return fs_iov(emu, a, false);
}

int64_t emu_sys_writev(struct emu *emu, const uint64_t *a)
{
	return fs_iov(emu, a, true);
}

/* ---- open, close, dup ---- */

/* The file behind host fd @h is now its fstat() size: the page cache follows it. */
static void fs_file_resized(struct emu *emu, int h)
{
	struct stat st;

	if (mm_has_files(emu->proc->mm) && fstat(h, &st) == 0 && S_ISREG(st.st_mode))
		mm_file_truncate(emu->proc->mm, st.st_dev, st.st_ino, (uint64_t)st.st_size);
}

/* An open host fd must not be on the host's procfs: a last guard behind fs_resolve(). */
static int fs_check_host(int h)
{
	struct statfs sf;

	if (fstatfs(h, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC) {
		close(h);
		return -ENOENT;
	}
	return h;
}

/* Whether canonical @path is the running program, which Linux will not open for writing. */
static bool fs_is_exe(struct emu *emu, const char *path)
{
	struct stat a, b;

	return stat(path, &a) == 0 && stat(emu->proc->exe_path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* open of /proc/self/fd/N: a new open file of what guest fd @fd has open, as Linux does. */
static int64_t fs_reopen(struct emu *emu, uint64_t fd, uint64_t hflags, uint64_t acc,
			 bool cloexec)
{
	struct emu_fd *f = fs_get(emu, fd);
	char link[64];
	int h;

	if (!f)
		return -ENOENT;
	if (f->kind == EMU_FD_PROC) {
		h = emu_proc_open(emu, f->node, acc, hflags & O_DIRECTORY);
		return h < 0 ? h : fs_install_proc(emu, h, cloexec, f->node);
	}
	/* mmuemu's own /proc/self/fd/H: the guest's file, opened afresh. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", f->host);
	h = open(link, (int)((hflags & ~(uint64_t)(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC));
	if (h < 0)
		return -errno;
	return emu_fs_install(emu, h, 0, cloexec, EMU_FD_HOST);
}

static int64_t fs_openat(struct emu *emu, uint64_t dirfd, uint64_t pathp, uint64_t flags,
			 uint64_t mode)
{
	uint64_t hflags = fs_oflags_to_host(emu, flags), acc = flags & O_ACCMODE_LINUX;
	bool cloexec = flags & O_CLOEXEC_LINUX;
	bool excl = (hflags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
	unsigned how = (hflags & O_NOFOLLOW) || excl ? 0 : FS_FOLLOW;
	struct fs_target *t = g_new(struct fs_target, 1);
	int64_t ret;
	int h;

	ret = fs_at(emu, dirfd, pathp, how, false, t);
	if (ret)
		goto out;
	if (t->proc) {
		if (t->node.type == EMU_PROC_LINK && t->node.fd >= 0 && how) {
			ret = fs_reopen(emu, (uint64_t)t->node.fd, hflags, acc, cloexec);
			goto out;
		}
		if (excl) {
			ret = -EEXIST;
			goto out;
		}
		h = emu_proc_open(emu, &t->node, acc, hflags & O_DIRECTORY);
		if (h < 0)
			ret = h;
		else if (t->node.type == EMU_PROC_HOST)
			ret = emu_fs_install(emu, h, 0, cloexec, EMU_FD_HOST);
		else
			ret = fs_install_proc(emu, h, cloexec, &t->node);
		goto out;
	}
	if ((acc != 0 || hflags & O_TRUNC) && !t->missing && fs_is_exe(emu, t->path)) {
		ret = -ETXTBSY;
		goto out;
	}
	h = open(t->path, (int)(hflags | O_CLOEXEC), (mode_t)(mode & 07777));
	if (h < 0) {
		ret = -errno;
		goto out;
	}
	h = fs_check_host(h);
	if (h >= 0 && (hflags & O_TRUNC))
		fs_file_resized(emu, h);
	ret = h < 0 ? h : emu_fs_install(emu, h, 0, cloexec, EMU_FD_HOST);
out:
	g_free(t);
	return ret;
}

int64_t emu_sys_openat(struct emu *emu, const uint64_t *a)
{
	return fs_openat(emu, a[0], a[1], a[2], a[3]);
}

int64_t emu_sys_open(struct emu *emu, const uint64_t *a)
{
	return fs_openat(emu, (uint64_t)AT_FDCWD_LINUX, a[0], a[1], a[2]);
}

static void fs_release(struct emu *emu, uint64_t fd)
{
	fs_fd_clear(emu, &emu->proc->fs->fd[fd]);
}

int64_t emu_sys_close(struct emu *emu, const uint64_t *a)
{
	uint64_t fd = fs_fdarg(a[0]);

	if (!fs_get(emu, fd))
		return -EBADF;
	fs_release(emu, fd);
	return 0;
}

/* A new entry for host fd @h, a dup of @f: the same open file description and /proc node. */
static struct emu_fd fs_fd_dup(const struct emu_fd *f, int h, bool cloexec)
{
	struct emu_fd copy = *f;

	copy.host = h;
	copy.cloexec = cloexec;
	copy.node = f->node ? g_memdup2(f->node, sizeof(*f->node)) : NULL;
	copy.ofd->refs++;
	return copy;
}

static int64_t fs_dup_min(struct emu *emu, uint64_t old, uint64_t min, bool cloexec)
{
	struct emu_fd *f = fs_get(emu, old);
	int h;

	if (!f)
		return -EBADF;
	if (min >= EMU_FS_MAX_FDS)
		return -EINVAL;
	int g;

	h = fcntl(f->host, F_DUPFD_CLOEXEC, 3);
	if (h < 0)
		return -errno;
	g = fs_free_slot(emu->proc->fs, (unsigned)min);
	if (g < 0) {
		close(h);
		return g;
	}
	emu->proc->fs->fd[g] = fs_fd_dup(f, h, cloexec);
	return g;
}

int64_t emu_sys_dup(struct emu *emu, const uint64_t *a)
{
	return fs_dup_min(emu, fs_fdarg(a[0]), 0, false);
}

static int64_t fs_dup3(struct emu *emu, uint64_t old, uint64_t new, bool cloexec)
{
	struct emu_fd *f = fs_get(emu, old), copy;
	int h;

	if (!f)
		return -EBADF;
	if (new >= EMU_FS_MAX_FDS)
		return -EBADF;
	h = fcntl(f->host, F_DUPFD_CLOEXEC, 3);
	if (h < 0)
		return -errno;
	copy = fs_fd_dup(f, h, cloexec);
	if (fs_get(emu, new))
		fs_release(emu, new);
	emu->proc->fs->fd[new] = copy;
	return (int64_t)new;
}

int64_t emu_sys_dup2(struct emu *emu, const uint64_t *a)
{
	uint64_t old = fs_fdarg(a[0]), new = fs_fdarg(a[1]);

	if (old == new)
		return fs_get(emu, old) ? (int64_t)old : -EBADF;
	return fs_dup3(emu, old, new, false);
}

int64_t emu_sys_dup3(struct emu *emu, const uint64_t *a)
{
	uint64_t old = fs_fdarg(a[0]), new = fs_fdarg(a[1]);

	if (a[2] & ~(uint64_t)O_CLOEXEC_LINUX)
		return -EINVAL;
	if (old == new)
		return -EINVAL;
	return fs_dup3(emu, old, new, a[2] & O_CLOEXEC_LINUX);
}

int64_t emu_sys_fcntl(struct emu *emu, const uint64_t *a)
{
	uint64_t fd = fs_fdarg(a[0]);
	struct emu_fd *f = fs_get(emu, fd);
	int r;

	if (!f)
		return -EBADF;
	switch ((uint32_t)a[1]) {
	case F_DUPFD_LINUX:
		return fs_dup_min(emu, fd, a[2], false);
	case F_DUPFD_CLOEXEC_LINUX:
		return fs_dup_min(emu, fd, a[2], true);
	case F_GETFD_LINUX:
		return f->cloexec ? FD_CLOEXEC_LINUX : 0;
	case F_SETFD_LINUX:
		f->cloexec = a[2] & FD_CLOEXEC_LINUX;
		return 0;
	case F_GETFL_LINUX:
		r = fcntl(f->host, F_GETFL);
		return r < 0 ? -errno : (int64_t)fs_oflags_to_guest(emu, (uint32_t)r);
	case F_SETFL_LINUX:
		r = fcntl(f->host, F_SETFL, (int)fs_oflags_to_host(emu, (uint32_t)a[2]));
		return fs_ret(r);
	case F_GETLK_LINUX:
	case F_SETLK_LINUX:
	case F_SETLKW_LINUX:
	case F_OFD_GETLK_LINUX:
	case F_OFD_SETLK_LINUX:
	case F_OFD_SETLKW_LINUX:
		return emu_flock_fcntl(emu, f->host, f->ofd, (uint32_t)a[1], a[2]);
	default:
		return -EINVAL;
	}
}

int64_t emu_sys_pipe2(struct emu *emu, const uint64_t *a)
{
	int p[2];
	int32_t g[2];

	if (a[1] & ~(uint64_t)(O_CLOEXEC_LINUX | O_NONBLOCK_LINUX))
		return -EINVAL;
	if (pipe2(p, O_CLOEXEC | (a[1] & O_NONBLOCK_LINUX ? O_NONBLOCK : 0)) < 0)
		return -errno;
	g[0] = emu_fs_install(emu, p[0], 0, a[1] & O_CLOEXEC_LINUX, EMU_FD_HOST);
	if (g[0] < 0) {
		close(p[1]);
		return g[0];
	}
	g[1] = emu_fs_install(emu, p[1], 0, a[1] & O_CLOEXEC_LINUX, EMU_FD_HOST);
	if (g[1] < 0) {
		fs_release(emu, (uint64_t)g[0]);
		return g[1];
	}
	g[0] = (int32_t)htole32((uint32_t)g[0]);
	g[1] = (int32_t)htole32((uint32_t)g[1]);
	if (copy_to_user(emu->proc->mm, a[0], g, sizeof(g))) {
		fs_release(emu, le32toh((uint32_t)g[0]));
		fs_release(emu, le32toh((uint32_t)g[1]));
		return -EFAULT;
	}
	return 0;
}

int64_t emu_sys_pipe(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[2] = { a[0], 0 };

	return emu_sys_pipe2(emu, args);
}

int64_t emu_sys_lseek(struct emu *emu, const uint64_t *a)
{
	struct emu_fd *f = fs_get(emu, fs_fdarg(a[0]));
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));
	off_t r;

	if (h < 0)
		return h;
	if (a[2] > SEEK_HOLE)
		return -EINVAL;
	/* A generated directory: the position is the number of the next entry. */
	if (f->kind == EMU_FD_PROC && f->node->type == EMU_PROC_DIR) {
		if (a[2] != SEEK_SET && !(a[2] == SEEK_CUR && a[1] == 0))
			return -EINVAL;
		if (a[2] == SEEK_SET) {
			if ((int64_t)a[1] < 0)
				return -EINVAL;
			f->dirpos = a[1];
		}
		return (int64_t)f->dirpos;
	}
	r = lseek(h, (off_t)a[1], (int)a[2]);
	return r < 0 ? -errno : (int64_t)r;
}

/* ---- stat ---- */

static void fs_stat_put(uint8_t *buf, struct arch_stat_field f, uint64_t v)
{
	uint64_t le = htole64(v);

	if (f.len)
		memcpy(buf + f.off, &le, f.len);
}

static int64_t fs_put_stat(struct emu *emu, const struct stat *st, uint64_t addr)
{
	const struct arch_stat_layout *l = &emu->cpu->abi->stat;
	uint8_t buf[256] = { 0 };

	fs_stat_put(buf, l->dev, st->st_dev);
	fs_stat_put(buf, l->ino, st->st_ino);
	fs_stat_put(buf, l->mode, st->st_mode);
	fs_stat_put(buf, l->nlink, st->st_nlink);
	fs_stat_put(buf, l->uid, st->st_uid);
	fs_stat_put(buf, l->gid, st->st_gid);
	fs_stat_put(buf, l->rdev, st->st_rdev);
	fs_stat_put(buf, l->size_, (uint64_t)st->st_size);
	fs_stat_put(buf, l->blksize, (uint64_t)st->st_blksize);
	fs_stat_put(buf, l->blocks, (uint64_t)st->st_blocks);
	fs_stat_put(buf, l->atime, (uint64_t)st->st_atim.tv_sec);
	fs_stat_put(buf, l->atime_nsec, (uint64_t)st->st_atim.tv_nsec);
	fs_stat_put(buf, l->mtime, (uint64_t)st->st_mtim.tv_sec);
	fs_stat_put(buf, l->mtime_nsec, (uint64_t)st->st_mtim.tv_nsec);
	fs_stat_put(buf, l->ctime, (uint64_t)st->st_ctim.tv_sec);
	fs_stat_put(buf, l->ctime_nsec, (uint64_t)st->st_ctim.tv_nsec);
	return copy_to_user(emu->proc->mm, addr, buf, l->size) ? -EFAULT : 0;
}

/* stat of guest fd @fd: a generated /proc entry is described by proc.c. */
static int fs_fd_stat(struct emu *emu, uint64_t fd, struct stat *st)
{
	struct emu_fd *f = fs_get(emu, fd);

	if (!f)
		return -EBADF;
	if (f->kind == EMU_FD_PROC) {
		emu_proc_stat(emu, f->node, st);
		return 0;
	}
	return fstat(f->host, st) < 0 ? -errno : 0;
}

int64_t emu_sys_fstat(struct emu *emu, const uint64_t *a)
{
	struct stat st;
	int err = fs_fd_stat(emu, fs_fdarg(a[0]), &st);

	return err ? err : fs_put_stat(emu, &st, a[1]);
}

/*
 * stat of a path (or with @empty, of @dirfd itself): a followed fd/N is its open file; any
 * other /proc entry is proc.c's; a host path is the host's.
 */
static int fs_stat_target(struct emu *emu, uint64_t dirfd, const struct fs_target *t, bool empty,
			  bool nofollow, struct stat *st)
{
	if (empty) {
		if ((int32_t)dirfd == AT_FDCWD_LINUX)
			return stat(emu->proc->fs->cwd, st) < 0 ? -errno : 0;
		return fs_fd_stat(emu, (uint64_t)(uint32_t)dirfd, st);
	}
	if (t->proc) {
		if (t->node.type == EMU_PROC_LINK && t->node.fd >= 0 && !nofollow)
			return fs_fd_stat(emu, (uint64_t)t->node.fd, st);
		if (t->node.type == EMU_PROC_HOST)
			return lstat(t->node.path, st) < 0 ? -errno : 0;
		emu_proc_stat(emu, &t->node, st);
		return 0;
	}
	if (nofollow)
		return lstat(t->path, st) < 0 ? -errno : 0;
	return stat(t->path, st) < 0 ? -errno : 0;
}

static int64_t fs_fstatat(struct emu *emu, uint64_t dirfd, uint64_t pathp, uint64_t addr,
			  uint64_t flags)
{
	bool nofollow = flags & AT_SYMLINK_NOFOLLOW;
	struct fs_target *t = g_new(struct fs_target, 1);
	struct stat st;
	int r;

	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH_LINUX | AT_NO_AUTOMOUNT)) {
		g_free(t);
		return -EINVAL;
	}
	r = fs_at(emu, dirfd, pathp, nofollow ? 0 : FS_FOLLOW, flags & AT_EMPTY_PATH_LINUX, t);
	if (r >= 0)
		r = fs_stat_target(emu, dirfd, t, r == 1, nofollow, &st);
	g_free(t);
	return r < 0 ? r : fs_put_stat(emu, &st, addr);
}

int64_t emu_sys_newfstatat(struct emu *emu, const uint64_t *a)
{
	return fs_fstatat(emu, a[0], a[1], a[2], a[3]);
}

int64_t emu_sys_stat(struct emu *emu, const uint64_t *a)
{
	return fs_fstatat(emu, (uint64_t)AT_FDCWD_LINUX, a[0], a[1], 0);
}

int64_t emu_sys_lstat(struct emu *emu, const uint64_t *a)
{
	return fs_fstatat(emu, (uint64_t)AT_FDCWD_LINUX, a[0], a[1], AT_SYMLINK_NOFOLLOW);
}

static void fs_statx_ts(struct statx_timestamp *x, struct timespec t)
{
	x->tv_sec = t.tv_sec;
	x->tv_nsec = (uint32_t)t.tv_nsec;
}

int64_t emu_sys_statx(struct emu *emu, const uint64_t *a)
{
	bool nofollow = a[2] & AT_SYMLINK_NOFOLLOW;
	struct fs_target *t = g_new(struct fs_target, 1);
	struct statx stx;
	struct stat st;
	int r = fs_at(emu, a[0], a[1], nofollow ? 0 : FS_FOLLOW, a[2] & AT_EMPTY_PATH_LINUX, t);

	memset(&stx, 0, sizeof(stx));
	if (r == 0 && !t->proc) {
		/* A host path: the host's own statx, with every field it knows. */
		r = statx(AT_FDCWD, t->path, (int)(a[2] & ~(uint64_t)AT_EMPTY_PATH_LINUX),
			  (unsigned)a[3], &stx) < 0 ? -errno : 0;
	} else if (r >= 0) {
		struct emu_fd *f = r == 1 ? fs_get(emu, (uint64_t)(uint32_t)a[0]) : NULL;

		if (f && f->kind == EMU_FD_HOST) {
			r = statx(f->host, "", AT_EMPTY_PATH, (unsigned)a[3], &stx) < 0 ? -errno : 0;
		} else {
			r = fs_stat_target(emu, a[0], t, r == 1, nofollow, &st);
			if (r == 0) {
				stx.stx_mask = STATX_BASIC_STATS;
				stx.stx_blksize = (uint32_t)st.st_blksize;
				stx.stx_nlink = (uint32_t)st.st_nlink;
				stx.stx_uid = st.st_uid;
				stx.stx_gid = st.st_gid;
				stx.stx_mode = (uint16_t)st.st_mode;
				stx.stx_ino = st.st_ino;
				stx.stx_size = (uint64_t)st.st_size;
				stx.stx_blocks = (uint64_t)st.st_blocks;
				fs_statx_ts(&stx.stx_atime, st.st_atim);
				fs_statx_ts(&stx.stx_mtime, st.st_mtim);
				fs_statx_ts(&stx.stx_ctime, st.st_ctim);
				stx.stx_dev_major = major(st.st_dev);
				stx.stx_dev_minor = minor(st.st_dev);
				stx.stx_rdev_major = major(st.st_rdev);
				stx.stx_rdev_minor = minor(st.st_rdev);
			}
		}
	}
	g_free(t);
	if (r < 0)
		return r;
	/* struct statx is the same on every architecture: the host's bytes are the guest's. */
	return copy_to_user(emu->proc->mm, a[4], &stx, sizeof(stx)) ? -EFAULT : 0;
}

/* linux_dirent64 is the same on every architecture: the host's records go as they are. */
int64_t emu_sys_getdents64(struct emu *emu, const uint64_t *a)
{
	struct emu_fd *f = fs_get(emu, fs_fdarg(a[0]));
	uint64_t count = (uint32_t)a[2], room, pos;
	uint8_t *buf;
	int64_t n;

	if (!f)
		return -EBADF;
	if (f->kind == EMU_FD_PROC && f->node->type != EMU_PROC_DIR)
		return -ENOTDIR;
	/* The count is an int in Linux's checks: above INT_MAX it is EINVAL, as there. */
	if (count > INT32_MAX)
		return -EINVAL;
	/*
	 * Only as many bytes as the guest buffer can take are asked of the host, so that no
	 * entry is taken from the directory stream and then lost to a fault.
	 */
	if (f->kind == EMU_FD_HOST) {
		struct stat st;

		if (fstat(f->host, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	count = MIN(count, (uint64_t)1 << 20);
	room = fs_user_room(emu, a[1], count);
	/* Not even the smallest record ("." takes 24 bytes) fits: EINVAL before any fault. */
	if (room == 0)
		return count < 24 ? -EINVAL : -EFAULT;
	buf = g_malloc(count ? count : 1);
	if (f->kind == EMU_FD_PROC) {
		pos = f->dirpos;
		n = emu_proc_getdents(emu, f->node, &pos, buf, room);
		if (n >= 0)
			f->dirpos = pos;
	} else {
		n = syscall(SYS_getdents64, f->host, buf, room);
		if (n < 0)
			n = -errno;
	}
	/* The next entry did not fit before the bad page: Linux faults writing it. */
	if (n == -EINVAL && room < count)
		n = -EFAULT;
	if (n > 0 && copy_to_user(emu->proc->mm, a[1], buf, (uint64_t)n))
		n = -EFAULT;   /* cannot happen: the room was probed just now */
	g_free(buf);
	return n;
}

/* ---- names ---- */

static int64_t fs_readlinkat(struct emu *emu, uint64_t dirfd, uint64_t pathp, uint64_t buf,
			     uint64_t size)
{
	char target[PATH_MAX_LINUX];
	struct fs_target *t = g_new(struct fs_target, 1);
	int64_t len = fs_at(emu, dirfd, pathp, 0, false, t);

	if (len < 0)
		goto out;
	if ((int32_t)size <= 0) {
		len = -EINVAL;
		goto out;
	}
	if (t->proc && t->node.type == EMU_PROC_LINK)
		len = emu_proc_readlink(emu, &t->node, target, sizeof(target));
	else if (t->proc)
		len = -EINVAL;
	else {
		len = readlink(t->path, target, sizeof(target));
		if (len < 0)
			len = -errno;
	}
	if (len < 0)
		goto out;
	len = MIN(len, (int64_t)(uint32_t)size);
	if (copy_to_user(emu->proc->mm, buf, target, (uint64_t)len))
		len = -EFAULT;
out:
	g_free(t);
	return len;
}

int64_t emu_sys_readlinkat(struct emu *emu, const uint64_t *a)
{
	return fs_readlinkat(emu, a[0], a[1], a[2], a[3]);
}

int64_t emu_sys_readlink(struct emu *emu, const uint64_t *a)
{
	return fs_readlinkat(emu, (uint64_t)AT_FDCWD_LINUX, a[0], a[1], a[2]);
}

static int64_t fs_faccessat(struct emu *emu, uint64_t dirfd, uint64_t pathp, uint64_t mode,
			    uint64_t flags, bool two)
{
	bool nofollow = two && (flags & AT_SYMLINK_NOFOLLOW);
	struct fs_target *t = g_new(struct fs_target, 1);
	int64_t r;

	if (mode & ~(uint64_t)07 || (two && flags & ~(uint64_t)(AT_EACCESS | AT_SYMLINK_NOFOLLOW |
							    AT_EMPTY_PATH_LINUX))) {
		g_free(t);
		return -EINVAL;
	}
	r = fs_at(emu, dirfd, pathp, nofollow ? 0 : FS_FOLLOW, two && (flags & AT_EMPTY_PATH_LINUX), t);
	if (r == 1) {
		struct stat st;

		r = fs_stat_target(emu, dirfd, t, true, false, &st);
	} else if (r == 0 && t->proc) {
		struct stat st;

		r = fs_stat_target(emu, dirfd, t, false, nofollow, &st);
		if (r == 0 && (((mode & W_OK) && !(st.st_mode & 0222)) ||
			       ((mode & X_OK) && !(st.st_mode & 0111))))
			r = -EACCES;
		if (r == 0 && (mode & W_OK) && t->node.type == EMU_PROC_HOST)
			r = -EACCES;
	} else if (r == 0) {
		r = fs_ret(syscall(SYS_faccessat2, AT_FDCWD, t->path, (int)mode,
				   (int)(flags & ~(uint64_t)AT_EMPTY_PATH_LINUX)));
	}
	g_free(t);
	return r;
}

int64_t emu_sys_faccessat(struct emu *emu, const uint64_t *a)
{
	return fs_faccessat(emu, a[0], a[1], a[2], 0, false);
}

int64_t emu_sys_faccessat2(struct emu *emu, const uint64_t *a)
{
	return fs_faccessat(emu, a[0], a[1], a[2], a[3], true);
}

int64_t emu_sys_access(struct emu *emu, const uint64_t *a)
{
	return fs_faccessat(emu, (uint64_t)AT_FDCWD_LINUX, a[0], a[1], 0, false);
}

int64_t emu_sys_getcwd(struct emu *emu, const uint64_t *a)
{
	size_t len = strlen(emu->proc->fs->cwd) + 1;

	if (len > a[1])
		return -ERANGE;
	return copy_to_user(emu->proc->mm, a[0], emu->proc->fs->cwd, len) ? -EFAULT : (int64_t)len;
}

/* Make canonical @dir (a host directory, or in /proc) the guest's cwd. */
static int64_t fs_set_cwd(struct emu *emu, const char *dir, bool host)
{
	char buf[PATH_MAX_LINUX];
	size_t n;

	g_strlcpy(buf, dir, sizeof(buf));
	n = strlen(buf);
	if (n > 1 && buf[n - 1] == '/')
		buf[n - 1] = '\0';
	/* The host's cwd follows host directories only; paths never rely on it. */
	if (host && chdir(buf) < 0)
		return -errno;
	g_strlcpy(emu->proc->fs->cwd, buf, sizeof(emu->proc->fs->cwd));
	return 0;
}

static int64_t fs_chdir_target(struct emu *emu, const struct fs_target *t)
{
	struct stat st;

	if (t->proc) {
		if (t->node.type != EMU_PROC_DIR && !t->node.host_dir)
			return -ENOTDIR;
		return fs_set_cwd(emu, t->node.path, false);
	}
	if (stat(t->path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return fs_set_cwd(emu, t->path, true);
}

int64_t emu_sys_chdir(struct emu *emu, const uint64_t *a)
{
	struct fs_target *t = g_new(struct fs_target, 1);
	int64_t r = fs_at(emu, (uint64_t)AT_FDCWD_LINUX, a[0], FS_FOLLOW, false, t);

	if (r == 0)
		r = fs_chdir_target(emu, t);
	g_free(t);
	return r;
}

int64_t emu_sys_fchdir(struct emu *emu, const uint64_t *a)
{
	char base[PATH_MAX_LINUX];
	uint64_t fd = fs_fdarg(a[0]);
	struct fs_target *t;
	int64_t r;

	if (!fs_get(emu, fd))
		return -EBADF;
	r = fs_base(emu, fd, base);
	if (r)
		return r;
	t = g_new(struct fs_target, 1);
	r = fs_resolve(emu, (uint64_t)AT_FDCWD_LINUX, base, FS_FOLLOW, t);
	if (r == 0)
		r = fs_chdir_target(emu, t);
	g_free(t);
	return r;
}

/*
 * A call that changes the name space (mkdir, unlink, rename, symlink, chmod, utimes):
 * the guest's /proc is read only, as Linux's is for these (EACCES; ENOENT when the name
 * is not there).
 */
static int fs_at_host(struct emu *emu, uint64_t dirfd, uint64_t pathp, unsigned how,
		      struct fs_target *t)
{
	int r = fs_at(emu, dirfd, pathp, how, false, t);

	if (r == 0 && t->proc)
		return -EACCES;
	return r;
}

int64_t emu_sys_mkdirat(struct emu *emu, const uint64_t *a)
{
	struct fs_target *t = g_new(struct fs_target, 1);
	int64_t r = fs_at(emu, a[0], a[1], 0, false, t);

	if (r == 0)
		r = t->proc ? -EEXIST : fs_ret(mkdir(t->path, (mode_t)(a[2] & 07777)));
	else if (r == -ENOENT && t->proc)
		r = -EACCES;
	g_free(t);
	return r;
}

int64_t emu_sys_mkdir(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[3] = { (uint64_t)AT_FDCWD_LINUX, a[0], a[1] };

	return emu_sys_mkdirat(emu, args);
}

int64_t emu_sys_unlinkat(struct emu *emu, const uint64_t *a)
{
	struct fs_target *t;
	int64_t r;

	if (a[2] & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	t = g_new(struct fs_target, 1);
	r = fs_at_host(emu, a[0], a[1], 0, t);
	if (r == 0)
		r = fs_ret(unlinkat(AT_FDCWD, t->path, (int)a[2]));
	g_free(t);
	return r;
}

int64_t emu_sys_unlink(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[3] = { (uint64_t)AT_FDCWD_LINUX, a[0], 0 };

	return emu_sys_unlinkat(emu, args);
}

int64_t emu_sys_rmdir(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[3] = { (uint64_t)AT_FDCWD_LINUX, a[0], AT_REMOVEDIR };

	return emu_sys_unlinkat(emu, args);
}

int64_t emu_sys_renameat2(struct emu *emu, const uint64_t *a)
{
	struct fs_target *from = g_new(struct fs_target, 1), *to = g_new(struct fs_target, 1);
	int64_t r = fs_at_host(emu, a[0], a[1], 0, from);

	if (r == 0)
		r = fs_at_host(emu, a[2], a[3], 0, to);
	if (r == 0 && a[4] == 0)
		r = fs_ret(rename(from->path, to->path));
	else if (r == 0)
		r = fs_ret(syscall(SYS_renameat2, AT_FDCWD, from->path, AT_FDCWD, to->path,
				   (unsigned)a[4]));
	g_free(from);
	g_free(to);
	return r;
}

int64_t emu_sys_renameat(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[5] = { a[0], a[1], a[2], a[3], 0 };

	return emu_sys_renameat2(emu, args);
}

int64_t emu_sys_rename(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[5] = { (uint64_t)AT_FDCWD_LINUX, a[0], (uint64_t)AT_FDCWD_LINUX, a[1], 0 };

	return emu_sys_renameat2(emu, args);
}

/* The guest's umask is mmuemu's, so that the host applies it to the files it creates. */
int64_t emu_sys_umask(struct emu *emu, const uint64_t *a)
{
	return umask((mode_t)(a[0] & 0777));
}

int64_t emu_sys_ftruncate(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));

	if (h < 0)
		return h;
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	if (ftruncate(h, (off_t)a[1]) < 0)
		return -errno;
	fs_file_resized(emu, h);
	return 0;
}

int64_t emu_sys_fsync(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));

	return h < 0 ? h : fs_ret(fsync(h));
}

int64_t emu_sys_sync(struct emu *emu, const uint64_t *a)
{
	sync();
	return 0;
}

/*
 * sendfile(out, in, offset, count), through the page cache both ways: what shared
 * mappings of @in dirtied is written back first, and the bytes go out by fs_write_out()'s
 * path, so that mappings of @out see them, as one page cache would.
 */
int64_t emu_sys_sendfile(struct emu *emu, const uint64_t *a)
{
	int out = emu_fs_host_fd(emu, fs_fdarg(a[0])), in = emu_fs_host_fd(emu, fs_fdarg(a[1]));
	uint64_t count = MIN(a[3], MAX_RW_COUNT_LINUX), done = 0, off = 0;
	bool out_mapped, seekable = a[2] != 0;
	struct stat sin, sout;
	uint8_t *buf;
	int64_t ret = 0;

	if (out < 0)
		return out;
	if (in < 0)
		return in;
	if (seekable) {
		if (copy_from_user(emu->proc->mm, &off, a[2], sizeof(off)))
			return -EFAULT;
		off = le64toh(off);
		if ((int64_t)off < 0)
			return -EINVAL;
	}
	if (fstat(in, &sin) < 0 || fstat(out, &sout) < 0)
		return -errno;
	/* Linux's checks: the input must be a regular file (or a block device), readable. */
	if (!S_ISREG(sin.st_mode) && !S_ISBLK(sin.st_mode))
		return -EINVAL;
	if ((fcntl(in, F_GETFL) & O_ACCMODE) == O_WRONLY || (fcntl(out, F_GETFL) & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if ((fcntl(out, F_GETFL) & O_APPEND))
		return -EINVAL;
	if (mm_has_files(emu->proc->mm))
		mm_file_sync(emu->proc->mm, sin.st_dev, sin.st_ino);
	out_mapped = mm_has_files(emu->proc->mm) && S_ISREG(sout.st_mode);
	buf = g_malloc(MIN(count, (uint64_t)EMU_IO_CHUNK) + 1);
	while (done < count) {
		uint64_t n = MIN(count - done, (uint64_t)EMU_IO_CHUNK), w = 0;
		ssize_t r = seekable ? pread(in, buf, n, (off_t)(off + done)) : read(in, buf, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ret = r < 0 ? -errno : 0;
			break;
		}
		while (w < (uint64_t)r) {
			ssize_t k = write(out, buf + w, (uint64_t)r - w);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				ret = k < 0 ? -errno : 0;
				break;
			}
			if (out_mapped) {
				off_t at = lseek(out, 0, SEEK_CUR) - k;

				if (at >= 0)
					mm_file_written(emu->proc->mm, sout.st_dev, sout.st_ino, (uint64_t)at,
							buf + w, (uint64_t)k);
			}
			w += (uint64_t)k;
		}
		/* Bytes read but not written go back to the input, as Linux never takes them. */
		if (!seekable && w < (uint64_t)r)
			lseek(in, -(off_t)((uint64_t)r - w), SEEK_CUR);
		done += w;
		if (ret || w < (uint64_t)r || (uint64_t)r < n)
			break;
	}
	g_free(buf);
	if (done == 0 && ret)
		return ret;
	if (seekable) {
		off = htole64(off + done);
		if (copy_to_user(emu->proc->mm, a[2], &off, sizeof(off)))
			return -EFAULT;
	}
	return (int64_t)done;
}

/* A guest's loff_t at @addr, or -EFAULT. */
static int fs_get_off(struct emu *emu, uint64_t addr, int64_t *off)
{
	uint64_t v;

	if (copy_from_user(emu->proc->mm, &v, addr, sizeof(v)))
		return -EFAULT;
	*off = (int64_t)le64toh(v);
	return 0;
}

static int fs_put_off(struct emu *emu, uint64_t addr, int64_t off)
{
	uint64_t v = htole64((uint64_t)off);

	return copy_to_user(emu->proc->mm, addr, &v, sizeof(v)) ? -EFAULT : 0;
}

static bool fs_is_pipe(int h)
{
	struct stat st;

	return fstat(h, &st) == 0 && S_ISFIFO(st.st_mode);
}

/* The host fds behind guest fds @gin and @gout: 0, or -EBADF. */
static int fs_host_fds(struct emu *emu, uint64_t gin, uint64_t gout, int *in, int *out)
{
	*in = emu_fs_host_fd(emu, fs_fdarg(gin));
	*out = emu_fs_host_fd(emu, fs_fdarg(gout));
	return *in < 0 ? *in : *out < 0 ? *out : 0;
}

/*
 * copy_file_range or splice (@call), whose arguments @a are both (fd_in, off_in, fd_out,
 * off_out, len, flags): the host moves the bytes between the host fds, checking its
 * arguments as Linux does, through the page cache: what shared mappings of the input
 * dirtied is written back first, and what lands in the output is copied into the pages
 * cached for it. The guest's offsets (0: none) are read first and written back after, as
 * Linux does. A pipe end must have no offset (-ESPIPE), which the host says even when the
 * guest's pointer is bad.
 */
static int64_t fs_host_copy(struct emu *emu, long call, const uint64_t *a)
{
	uint64_t off_in = a[1], off_out = a[3];
	int64_t pin = 0, pout = 0, at, r;
	int in, out, err = fs_host_fds(emu, a[0], a[2], &in, &out);

	if (err)
		return err;
	if (off_in && fs_get_off(emu, off_in, &pin) && !fs_is_pipe(in))
		return -EFAULT;
	if (off_out && fs_get_off(emu, off_out, &pout) && !fs_is_pipe(out))
		return -EFAULT;
	fs_sync_in(emu, in);
	at = pout;
	r = syscall(call, in, off_in ? &pin : NULL, out, off_out ? &pout : NULL, (size_t)a[4],
		    (unsigned)a[5]);
	if (r < 0)
		return -errno;
	if (!off_out)
		at = lseek(out, 0, SEEK_CUR) - r;
	fs_written_behind(emu, out, at, (uint64_t)r);
	if ((off_out && fs_put_off(emu, off_out, pout)) || (off_in && fs_put_off(emu, off_in, pin)))
		return -EFAULT;
	return r;
}

int64_t emu_sys_copy_file_range(struct emu *emu, const uint64_t *a)
{
	return fs_host_copy(emu, SYS_copy_file_range, a);
}

/* splice: Linux looks at the length and the flags before the fds. */
int64_t emu_sys_splice(struct emu *emu, const uint64_t *a)
{
	if (a[4] == 0)
		return 0;
	if ((unsigned)a[5] & ~SPLICE_F_ALL_LINUX)
		return -EINVAL;
	return fs_host_copy(emu, SYS_splice, a);
}

/* tee(fd_in, fd_out, len, flags): pipe to pipe, no guest memory: the host's. */
int64_t emu_sys_tee(struct emu *emu, const uint64_t *a)
{
	int in, out, err = fs_host_fds(emu, a[0], a[1], &in, &out);

	return err ? err : fs_ret(syscall(SYS_tee, in, out, (size_t)a[2], (unsigned)a[3]));
}

/*
 * vmsplice(fd, iov, nr_segs, flags): into a pipe opened for writing as writev(2), out of
 * one opened for reading as readv(2); never the host's own vmsplice, which would leave
 * references to mmuemu's buffers in the pipe. Anything but a pipe is -EBADF.
 */
int64_t emu_sys_vmsplice(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0])), fl;

	if ((unsigned)a[3] & ~SPLICE_F_ALL_LINUX)
		return -EINVAL;
	if (h < 0)
		return h;
	fl = fcntl(h, F_GETFL);
	if (!fs_is_pipe(h) || fl < 0)
		return -EBADF;
	return fs_iov(emu, a, (fl & O_ACCMODE) != O_RDONLY);
}

int64_t emu_sys_symlinkat(struct emu *emu, const uint64_t *a)
{
	char target[PATH_MAX_LINUX];
	struct fs_target *t;
	int64_t n = fs_path(emu, a[0], target);

	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	t = g_new(struct fs_target, 1);
	n = fs_at_host(emu, a[1], a[2], 0, t);
	if (n == 0)
		n = fs_ret(symlink(target, t->path));
	g_free(t);
	return n;
}

int64_t emu_sys_symlink(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[3] = { a[0], (uint64_t)AT_FDCWD_LINUX, a[1] };

	return emu_sys_symlinkat(emu, args);
}

int64_t emu_sys_fchmodat(struct emu *emu, const uint64_t *a)
{
	struct fs_target *t = g_new(struct fs_target, 1);
	int64_t r = fs_at_host(emu, a[0], a[1], FS_FOLLOW, t);

	if (r == 0)
		r = fs_ret(chmod(t->path, (mode_t)(a[2] & 07777)));
	g_free(t);
	return r;
}

int64_t emu_sys_chmod(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[3] = { (uint64_t)AT_FDCWD_LINUX, a[0], a[1] };

	return emu_sys_fchmodat(emu, args);
}

int64_t emu_sys_fchmod(struct emu *emu, const uint64_t *a)
{
	struct emu_fd *f = fs_get(emu, fs_fdarg(a[0]));

	if (!f)
		return -EBADF;
	if (f->kind == EMU_FD_PROC)
		return -EPERM;
	return fs_ret(fchmod(f->host, (mode_t)(a[1] & 07777)));
}

/* struct statfs is the same on x86_64 and arm64 (every field 64 bits wide). */
static void fs_proc_statfs(struct statfs *sf)
{
	memset(sf, 0, sizeof(*sf));
	sf->f_type = PROC_SUPER_MAGIC;
	sf->f_bsize = 4096;
	sf->f_namelen = 255;
	sf->f_frsize = 4096;
	sf->f_flags = ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME;
}

int64_t emu_sys_statfs(struct emu *emu, const uint64_t *a)
{
	struct fs_target *t = g_new(struct fs_target, 1);
	struct statfs sf;
	int64_t r = fs_at(emu, (uint64_t)AT_FDCWD_LINUX, a[0], FS_FOLLOW, false, t);

	if (r == 0 && t->proc)
		fs_proc_statfs(&sf);
	else if (r == 0)
		r = fs_ret(statfs(t->path, &sf));
	g_free(t);
	if (r < 0)
		return r;
	return copy_to_user(emu->proc->mm, a[1], &sf, sizeof(sf)) ? -EFAULT : 0;
}

int64_t emu_sys_fstatfs(struct emu *emu, const uint64_t *a)
{
	struct emu_fd *f = fs_get(emu, fs_fdarg(a[0]));
	struct statfs sf;

	if (!f)
		return -EBADF;
	if (f->kind == EMU_FD_PROC)
		fs_proc_statfs(&sf);
	else if (fstatfs(f->host, &sf) < 0)
		return -errno;
	return copy_to_user(emu->proc->mm, a[1], &sf, sizeof(sf)) ? -EFAULT : 0;
}

/* utimensat(dirfd, path or NULL for dirfd itself, times or NULL for now, flags). */
int64_t emu_sys_utimensat(struct emu *emu, const uint64_t *a)
{
	struct fs_target *t;
	int64_t tv[4], r;
	struct timespec ts[2];
	struct emu_fd *f;

	if (a[2]) {
		if (copy_from_user(emu->proc->mm, tv, a[2], sizeof(tv)))
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			ts[i].tv_sec = (time_t)le64toh((uint64_t)tv[2 * i]);
			ts[i].tv_nsec = (long)le64toh((uint64_t)tv[2 * i + 1]);
		}
	}
	if (!a[1]) {
		f = fs_get(emu, fs_fdarg(a[0]));
		if (!f)
			return -EBADF;
		if (f->kind == EMU_FD_PROC)
			return -EPERM;
		return fs_ret(syscall(SYS_utimensat, f->host, NULL, a[2] ? ts : NULL, 0));
	}
	t = g_new(struct fs_target, 1);
	r = fs_at_host(emu, a[0], a[1], a[3] & AT_SYMLINK_NOFOLLOW ? 0 : FS_FOLLOW, t);
	if (r == 0)
		r = fs_ret(syscall(SYS_utimensat, AT_FDCWD, t->path, a[2] ? ts : NULL,
				   (int)(a[3] & AT_SYMLINK_NOFOLLOW)));
	g_free(t);
	return r;
}

/* ---- ioctl ---- */

/*
 * The kernel's termios (four flags, c_line, c_cc[19]) and winsize are the same on every
 * architecture, so the host's answer is the guest's. Other requests: -ENOTTY.
 */
int64_t emu_sys_ioctl(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));
	uint8_t buf[64];
	size_t len;

	if (h < 0)
		return h;
	switch ((uint32_t)a[1]) {
	case TCGETS_LINUX:
		len = TERMIOS_SIZE_LINUX;
		break;
	case TIOCGWINSZ_LINUX:
		len = sizeof(struct winsize);
		break;
	default:
		return -ENOTTY;
	}
	memset(buf, 0, sizeof(buf));
	if (ioctl(h, (unsigned long)(uint32_t)a[1], buf) < 0)
		return -errno;
	return copy_to_user(emu->proc->mm, a[2], buf, len) ? -EFAULT : 0;
}

/* ---- mmap of a file ---- */

int64_t emu_fs_mmap(struct emu *emu, uint64_t addr, uint64_t len, unsigned prot,
		    unsigned flags, uint64_t fd, uint64_t pgoff)
{
	struct emu_fd *f = fs_get(emu, fs_fdarg(fd));
	unsigned type = flags & MAP_TYPE_LINUX;
	char link[64], path[PATH_MAX_LINUX];
	struct mm_file *file;
	struct stat st;
	ssize_t n;
	int acc, dup_fd;
	int64_t ret;

	if (!f)
		return -EBADF;
	if (f->kind != EMU_FD_HOST)
		return -ENODEV;
	if (fstat(f->host, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENODEV;
	{
		struct statfs sf;

		/* A machine-wide file of the host's /proc: no mmap there, as in Linux. */
		if (fstatfs(f->host, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC)
			return -ENODEV;
	}
	acc = fcntl(f->host, F_GETFL);
	if (acc < 0)
		return -errno;
	if ((acc & O_ACCMODE) == O_WRONLY)
		return -EACCES;
	if ((type == MAP_SHARED_LINUX || type == MAP_SHARED_VALIDATE_LINUX) &&
	    (prot & MM_PROT_WRITE) && ((acc & O_ACCMODE) != O_RDWR || (acc & O_APPEND)))
		return -EACCES;
	/* The name maps shows: the file's absolute path, as the host knows it. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", f->host);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		n = 0;
	path[n] = '\0';
	dup_fd = fcntl(f->host, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return -errno;
	/* One object per file, so that every mapping and read/write of it agree. */
	file = mm_file_open(emu->proc->mm, dup_fd, path, (uint64_t)st.st_size, st.st_dev, st.st_ino,
			    (acc & O_ACCMODE) == O_RDWR);
	ret = do_mmap_file(emu->proc->mm, addr, len, prot, flags, file, pgoff);
	mm_file_put(file);
	return ret;
}
