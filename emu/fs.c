/* SPDX-License-Identifier: MIT */
/*
 * fs.c - the guest's files: a table of guest fds, each standing for one host fd that
 * mmuemu owns, and the file system calls passed through to the host as qemu-user passes
 * them. Paths are the host's (the guest's cwd is mmuemu's), except the guest's own
 * /proc/self files (proc.c). Every guest buffer goes through copy_from_user() or
 * copy_to_user(): a bad pointer is -EFAULT, never a fault of the host.
 *
 * What differs between the guest's ABI and the host's is converted here: the open flags
 * (arm64 has the asm-generic values of O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE,
 * x86_64 its own) and struct stat (arch_cpu.stat). struct statx, linux_dirent64, the
 * kernel's termios and winsize are the same on every architecture. Errno values equal the
 * host's on a Linux host.
 */
#include <dirent.h>
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "emu/fs.h"

#define AT_FDCWD_LINUX       (-100)
#define AT_EMPTY_PATH_LINUX  0x1000
#define O_ACCMODE_LINUX      03
#define O_WRONLY_LINUX       01
#define O_RDWR_LINUX         02
#define O_APPEND_LINUX       02000
#define O_CLOEXEC_LINUX      02000000
#define O_NONBLOCK_LINUX     04000
#define FD_CLOEXEC_LINUX     1
#define F_DUPFD_LINUX        0
#define F_GETFD_LINUX        1
#define F_SETFD_LINUX        2
#define F_GETFL_LINUX        3
#define F_SETFL_LINUX        4
#define F_DUPFD_CLOEXEC_LINUX 1030
#define TCGETS_LINUX         0x5401
#define TIOCGWINSZ_LINUX     0x5413
#define KERNEL_TERMIOS_SIZE  36
#define PATH_MAX_LINUX       4096
#define MAX_RW_COUNT_LINUX   (INT32_MAX & ~UINT64_C(4095))
#define UIO_MAXIOV_LINUX     1024
#define EMU_IO_CHUNK         65536

struct emu_fd {
	int host;                 /* -1: the guest fd is free */
	bool cloexec;
	enum emu_fd_kind kind;
	int proc;                 /* EMU_FD_PROC: which file (emu_proc_fill) */
	bool filled;              /* EMU_FD_PROC: generated already */
};

struct emu_fs {
	struct emu_fd fd[EMU_FS_MAX_FDS];
};

/* ---- the fd table ---- */

int emu_fs_init(struct emu *emu)
{
	struct emu_fs *fs = g_new(struct emu_fs, 1);

	for (unsigned i = 0; i < EMU_FS_MAX_FDS; i++)
		fs->fd[i] = (struct emu_fd){ .host = -1 };
	/* Copies, so that the guest closing its stdout leaves mmuemu's own alone. */
	for (int i = 0; i < 3; i++)
		fs->fd[i].host = fcntl(i, F_DUPFD_CLOEXEC, 3);
	emu->fs = fs;
	return 0;
}

void emu_fs_exit(struct emu *emu)
{
	struct emu_fs *fs = emu->fs;

	if (!fs)
		return;
	for (unsigned i = 0; i < EMU_FS_MAX_FDS; i++) {
		if (fs->fd[i].host >= 0)
			close(fs->fd[i].host);
	}
	g_free(fs);
	emu->fs = NULL;
}

static struct emu_fd *fs_get(struct emu *emu, uint64_t fd)
{
	if (!emu->fs || fd >= EMU_FS_MAX_FDS || emu->fs->fd[fd].host < 0)
		return NULL;
	return &emu->fs->fd[fd];
}

/* A generated /proc file is written at its first use, as Linux writes it when it is read. */
int emu_fs_host_fd(struct emu *emu, uint64_t fd)
{
	struct emu_fd *f = fs_get(emu, fd);
	int err;

	if (!f)
		return -EBADF;
	if (f->kind == EMU_FD_PROC && !f->filled) {
		err = emu_proc_fill(emu, f->host, f->proc);
		if (err)
			return err;
		f->filled = true;
	}
	return f->host;
}

void emu_fs_set_proc(struct emu *emu, int fd, int which)
{
	struct emu_fd *f = fs_get(emu, (uint64_t)fd);

	if (f) {
		f->proc = which;
		f->filled = false;
	}
}

int emu_fs_install(struct emu *emu, int host, unsigned min, bool cloexec, enum emu_fd_kind kind)
{
	struct emu_fs *fs = emu->fs;

	for (unsigned i = min; fs && i < EMU_FS_MAX_FDS; i++) {
		if (fs->fd[i].host < 0) {
			fs->fd[i] = (struct emu_fd){ .host = host, .cloexec = cloexec, .kind = kind };
			return (int)i;
		}
	}
	close(host);
	return -EMFILE;
}

/* A directory fd argument: AT_FDCWD, or a guest fd. */
static int fs_dirfd(struct emu *emu, uint64_t dirfd)
{
	if ((int32_t)dirfd == AT_FDCWD_LINUX)
		return AT_FDCWD;
	return emu_fs_host_fd(emu, (uint64_t)(uint32_t)dirfd);
}

/* A guest fd argument: the ABI's int, the upper half of the register ignored. */
static uint64_t fs_fdarg(uint64_t v)
{
	return (uint64_t)(int64_t)(int32_t)v;
}

/* Copy a guest path: -EFAULT, -ENAMETOOLONG, or its length. */
static int64_t fs_path(struct emu *emu, uint64_t addr, char *buf)
{
	int64_t n = strncpy_from_user(emu->mm, buf, addr, PATH_MAX_LINUX);

	return n;
}

static int64_t fs_ret(long r)
{
	return r < 0 ? -errno : r;
}

/* ---- open flags: guest <-> host ---- */

struct fs_oflag_map {
	uint32_t x86, generic;
};

/* The four bits that x86_64 numbers its own way; every other bit is shared. */
static const struct fs_oflag_map fs_oflag_diff[] = {
	{ 040000, 0200000 },    /* O_DIRECT */
	{ 0100000, 0400000 },   /* O_LARGEFILE */
	{ 0200000, 040000 },    /* O_DIRECTORY */
	{ 0400000, 0100000 },   /* O_NOFOLLOW */
};

static bool fs_guest_generic(const struct emu *emu)
{
	return emu->cpu->elf_machine != EM_X86_64;
}

static bool fs_host_generic(void)
{
#if defined(__x86_64__)
	return false;
#else
	return true;
#endif
}

static uint64_t fs_oflags_convert(uint64_t f, bool from_generic, bool to_generic)
{
	uint64_t out = f;

	if (from_generic == to_generic)
		return f;
	for (size_t i = 0; i < G_N_ELEMENTS(fs_oflag_diff); i++)
		out &= ~(uint64_t)(from_generic ? fs_oflag_diff[i].generic : fs_oflag_diff[i].x86);
	for (size_t i = 0; i < G_N_ELEMENTS(fs_oflag_diff); i++) {
		uint32_t from = from_generic ? fs_oflag_diff[i].generic : fs_oflag_diff[i].x86;
		uint32_t to = to_generic ? fs_oflag_diff[i].generic : fs_oflag_diff[i].x86;

		if (f & from)
			out |= to;
	}
	return out;
}

static uint64_t fs_oflags_to_host(struct emu *emu, uint64_t f)
{
	return fs_oflags_convert(f, fs_guest_generic(emu), fs_host_generic());
}

static uint64_t fs_oflags_to_guest(struct emu *emu, uint64_t f)
{
	return fs_oflags_convert(f, fs_host_generic(), fs_guest_generic(emu));
}

/* ---- read and write ---- */

/* Write @len guest bytes at @buf to host fd @fd (or at @off with pwrite when @off >= 0). */
static int64_t fs_write_out(struct emu *emu, int fd, uint64_t buf, uint64_t len, int64_t off)
{
	uint8_t *chunk = g_malloc(MIN(len, (uint64_t)EMU_IO_CHUNK) + 1);
	uint64_t done = 0;
	int64_t ret = 0;
	struct stat st;
	/* A file the guest also maps: its cached pages must see what write(2) puts there. */
	bool mapped = mm_has_files(emu->mm) && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);

	while (done < len) {
		uint64_t n = MIN(len - done, (uint64_t)EMU_IO_CHUNK), w = 0;

		if (copy_from_user(emu->mm, chunk, buf + done, n)) {
			ret = -EFAULT;
			break;
		}
		while (w < n) {
			ssize_t r = off >= 0 ? pwrite(fd, chunk + w, n - w, off + (int64_t)(done + w))
					     : write(fd, chunk + w, n - w);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				ret = -errno;
				break;
			}
			if (mapped && r > 0) {
				off_t at = off >= 0 ? off + (int64_t)(done + w) : lseek(fd, 0, SEEK_CUR) - r;

				if (at >= 0)
					mm_file_written(emu->mm, st.st_dev, st.st_ino, (uint64_t)at,
							chunk + w, (uint64_t)r);
			}
			w += (uint64_t)r;
		}
		done += w;
		if (ret)
			break;
	}
	g_free(chunk);
	/* As Linux does: a partial transfer reports what was done, not the error. */
	return done ? (int64_t)done : ret;
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
	/* What shared mappings wrote is in the file before the read, as one page cache has it. */
	if (mm_has_files(emu->mm) && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		mm_file_sync(emu->mm, st.st_dev, st.st_ino);
	chunk = g_malloc(MIN(len, (uint64_t)EMU_IO_CHUNK));
	while (done < len) {
		uint64_t n = MIN(len - done, (uint64_t)EMU_IO_CHUNK);
		ssize_t r;

		do {
			r = off >= 0 ? pread(fd, chunk, n, off + (int64_t)done) : read(fd, chunk, n);
		} while (r < 0 && errno == EINTR);
		if (r < 0) {
			ret = -errno;
			break;
		}
		if (copy_to_user(emu->mm, buf + done, chunk, (uint64_t)r)) {
			/* Linux faults before it consumes: give the bytes back to the file. */
			if (off < 0 && r > 0)
				lseek(fd, -(off_t)r, SEEK_CUR);
			ret = -EFAULT;
			break;
		}
		done += (uint64_t)r;
		if ((uint64_t)r < n || !regular)
			break;
	}
	g_free(chunk);
	return done ? (int64_t)done : ret;
}

int64_t emu_sys_read(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));

	if (h < 0)
		return h;
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
	if (copy_from_user(emu->mm, iov, a[1], a[2] * sizeof(*iov))) {
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

static int64_t fs_openat(struct emu *emu, uint64_t dirfd, uint64_t pathp, uint64_t flags,
			 uint64_t mode)
{
	char path[PATH_MAX_LINUX];
	int64_t n = fs_path(emu, pathp, path);
	bool cloexec = flags & O_CLOEXEC_LINUX;
	int dir, h;

	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	dir = fs_dirfd(emu, dirfd);
	if (dir < 0 && dir != AT_FDCWD)
		return dir;
	if (path[0] == '/') {
		int which, g;

		h = emu_proc_open(emu, path, &which);
		if (h < 0)
			return h;
		if (h != 1) {
			g = emu_fs_install(emu, h, 0, cloexec, EMU_FD_PROC);
			if (g >= 0)
				emu_fs_set_proc(emu, g, which);
			return g;
		}
		if (emu_proc_is_exe(path))
			g_strlcpy(path, emu->exe_path, sizeof(path));
	}
	h = openat(dir, path, (int)(fs_oflags_to_host(emu, flags) | O_CLOEXEC), (mode_t)(mode & 07777));
	if (h < 0)
		return -errno;
	return emu_fs_install(emu, h, 0, cloexec, EMU_FD_HOST);
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
	struct emu_fd *f = &emu->fs->fd[fd];

	close(f->host);
	*f = (struct emu_fd){ .host = -1 };
}

int64_t emu_sys_close(struct emu *emu, const uint64_t *a)
{
	uint64_t fd = fs_fdarg(a[0]);

	if (!fs_get(emu, fd))
		return -EBADF;
	fs_release(emu, fd);
	return 0;
}

static int64_t fs_dup_min(struct emu *emu, uint64_t old, uint64_t min, bool cloexec)
{
	struct emu_fd *f = fs_get(emu, old);
	int h;

	if (!f)
		return -EBADF;
	if (min >= EMU_FS_MAX_FDS)
		return -EINVAL;
	struct emu_fd copy;
	int g;

	h = fcntl(f->host, F_DUPFD_CLOEXEC, 3);
	if (h < 0)
		return -errno;
	copy = *f;
	g = emu_fs_install(emu, h, (unsigned)min, cloexec, f->kind);
	if (g >= 0) {
		emu->fs->fd[g].proc = copy.proc;
		emu->fs->fd[g].filled = copy.filled;
	}
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
	copy = *f;
	if (fs_get(emu, new))
		fs_release(emu, new);
	emu->fs->fd[new] = (struct emu_fd){ .host = h, .cloexec = cloexec, .kind = copy.kind,
					    .proc = copy.proc, .filled = copy.filled };
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
	if (copy_to_user(emu->mm, a[0], g, sizeof(g))) {
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
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));
	off_t r;

	if (h < 0)
		return h;
	if (a[2] > SEEK_HOLE)
		return -EINVAL;
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
	const struct arch_stat_layout *l = &emu->cpu->stat;
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
	return copy_to_user(emu->mm, addr, buf, l->size) ? -EFAULT : 0;
}

int64_t emu_sys_fstat(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));
	struct stat st;

	if (h < 0)
		return h;
	if (fstat(h, &st) < 0)
		return -errno;
	return fs_put_stat(emu, &st, a[1]);
}

/* A path for the *at calls: /proc/self/exe stands for the guest's program. */
static int64_t fs_at_path(struct emu *emu, uint64_t dirfd, uint64_t pathp, char *path,
			  int *dir, bool empty_ok)
{
	int64_t n = fs_path(emu, pathp, path);

	if (n < 0)
		return n;
	if (n == 0 && !empty_ok)
		return -ENOENT;
	*dir = fs_dirfd(emu, dirfd);
	if (*dir < 0 && *dir != AT_FDCWD)
		return *dir;
	if (emu_proc_is_exe(path))
		g_strlcpy(path, emu->exe_path, PATH_MAX_LINUX);
	return n;
}

static int64_t fs_fstatat(struct emu *emu, uint64_t dirfd, uint64_t pathp, uint64_t addr,
			  uint64_t flags)
{
	char path[PATH_MAX_LINUX];
	struct stat st;
	int dir;
	int64_t n = fs_at_path(emu, dirfd, pathp, path, &dir, flags & AT_EMPTY_PATH_LINUX);

	if (n < 0)
		return n;
	if (fstatat(dir, path, &st, (int)flags) < 0)
		return -errno;
	return fs_put_stat(emu, &st, addr);
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

int64_t emu_sys_statx(struct emu *emu, const uint64_t *a)
{
	char path[PATH_MAX_LINUX];
	struct statx stx;
	int dir;
	int64_t n = fs_at_path(emu, a[0], a[1], path, &dir, a[2] & AT_EMPTY_PATH_LINUX);

	if (n < 0)
		return n;
	if (statx(dir, path, (int)a[2], (unsigned)a[3], &stx) < 0)
		return -errno;
	/* struct statx is the same on every architecture: the host's bytes are the guest's. */
	return copy_to_user(emu->mm, a[4], &stx, sizeof(stx)) ? -EFAULT : 0;
}

/* linux_dirent64 is the same on every architecture: the host's records go as they are. */
int64_t emu_sys_getdents64(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));
	uint64_t count = MIN((uint64_t)(uint32_t)a[2], (uint64_t)1 << 20);
	uint8_t *buf;
	long n;

	if (h < 0)
		return h;
	buf = g_malloc(count ? count : 1);
	n = syscall(SYS_getdents64, h, buf, count);
	if (n < 0)
		n = -errno;
	else if (n > 0 && copy_to_user(emu->mm, a[1], buf, (uint64_t)n))
		n = -EFAULT;
	g_free(buf);
	return n;
}

/* ---- names ---- */

static int64_t fs_readlinkat(struct emu *emu, uint64_t dirfd, uint64_t pathp, uint64_t buf,
			     uint64_t size)
{
	char path[PATH_MAX_LINUX], target[PATH_MAX_LINUX];
	int64_t n = fs_path(emu, pathp, path);
	ssize_t len;
	int dir;

	if (n < 0)
		return n;
	if ((int32_t)size <= 0)
		return -EINVAL;
	dir = fs_dirfd(emu, dirfd);
	if (dir < 0 && dir != AT_FDCWD)
		return dir;
	if (emu_proc_is_exe(path)) {
		len = (ssize_t)strlen(emu->exe_path);
		memcpy(target, emu->exe_path, (size_t)len);
	} else {
		if (n == 0)
			return -ENOENT;
		len = readlinkat(dir, path, target, sizeof(target));
		if (len < 0)
			return -errno;
	}
	len = MIN(len, (ssize_t)(uint32_t)size);
	return copy_to_user(emu->mm, buf, target, (uint64_t)len) ? -EFAULT : len;
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
	char path[PATH_MAX_LINUX];
	int dir;
	int64_t n = fs_at_path(emu, dirfd, pathp, path, &dir, flags & AT_EMPTY_PATH_LINUX);

	if (n < 0)
		return n;
	if (two)
		return fs_ret(syscall(SYS_faccessat2, dir, path, (int)mode, (int)flags));
	return fs_ret(syscall(SYS_faccessat, dir, path, (int)mode));
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
	char cwd[PATH_MAX_LINUX];
	size_t len;

	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	len = strlen(cwd) + 1;
	if (len > a[1])
		return -ERANGE;
	return copy_to_user(emu->mm, a[0], cwd, len) ? -EFAULT : (int64_t)len;
}

int64_t emu_sys_chdir(struct emu *emu, const uint64_t *a)
{
	char path[PATH_MAX_LINUX];
	int64_t n = fs_path(emu, a[0], path);

	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	return fs_ret(chdir(path));
}

int64_t emu_sys_fchdir(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));

	return h < 0 ? h : fs_ret(fchdir(h));
}

int64_t emu_sys_mkdirat(struct emu *emu, const uint64_t *a)
{
	char path[PATH_MAX_LINUX];
	int dir;
	int64_t n = fs_at_path(emu, a[0], a[1], path, &dir, false);

	return n < 0 ? n : fs_ret(mkdirat(dir, path, (mode_t)(a[2] & 07777)));
}

int64_t emu_sys_mkdir(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[3] = { (uint64_t)AT_FDCWD_LINUX, a[0], a[1] };

	return emu_sys_mkdirat(emu, args);
}

int64_t emu_sys_unlinkat(struct emu *emu, const uint64_t *a)
{
	char path[PATH_MAX_LINUX];
	int dir;
	int64_t n = fs_at_path(emu, a[0], a[1], path, &dir, false);

	if (n < 0)
		return n;
	if (a[2] & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	return fs_ret(unlinkat(dir, path, (int)a[2]));
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
	char from[PATH_MAX_LINUX], to[PATH_MAX_LINUX];
	int dfrom, dto;
	int64_t n = fs_at_path(emu, a[0], a[1], from, &dfrom, false);

	if (n < 0)
		return n;
	n = fs_at_path(emu, a[2], a[3], to, &dto, false);
	if (n < 0)
		return n;
	if (a[4] == 0)
		return fs_ret(renameat(dfrom, from, dto, to));
	return fs_ret(syscall(SYS_renameat2, dfrom, from, dto, to, (unsigned)a[4]));
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
	return fs_ret(ftruncate(h, (off_t)a[1]));
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

/* sendfile(out, in, offset, count): between host fds; only the offset is guest memory. */
int64_t emu_sys_sendfile(struct emu *emu, const uint64_t *a)
{
	int out = emu_fs_host_fd(emu, fs_fdarg(a[0])), in = emu_fs_host_fd(emu, fs_fdarg(a[1]));
	uint64_t off;
	ssize_t n;

	if (out < 0)
		return out;
	if (in < 0)
		return in;
	if (!a[2])
		return fs_ret(sendfile(out, in, NULL, MIN(a[3], MAX_RW_COUNT_LINUX)));
	if (copy_from_user(emu->mm, &off, a[2], sizeof(off)))
		return -EFAULT;
	off = le64toh(off);
	if ((int64_t)off < 0)
		return -EINVAL;
	n = sendfile(out, in, (off_t *)&off, MIN(a[3], MAX_RW_COUNT_LINUX));
	if (n < 0)
		return -errno;
	off = htole64(off);
	return copy_to_user(emu->mm, a[2], &off, sizeof(off)) ? -EFAULT : n;
}

int64_t emu_sys_symlinkat(struct emu *emu, const uint64_t *a)
{
	char target[PATH_MAX_LINUX], path[PATH_MAX_LINUX];
	int dir;
	int64_t n = fs_path(emu, a[0], target);

	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	n = fs_at_path(emu, a[1], a[2], path, &dir, false);
	return n < 0 ? n : fs_ret(symlinkat(target, dir, path));
}

int64_t emu_sys_symlink(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[3] = { a[0], (uint64_t)AT_FDCWD_LINUX, a[1] };

	return emu_sys_symlinkat(emu, args);
}

int64_t emu_sys_fchmodat(struct emu *emu, const uint64_t *a)
{
	char path[PATH_MAX_LINUX];
	int dir;
	int64_t n = fs_at_path(emu, a[0], a[1], path, &dir, false);

	return n < 0 ? n : fs_ret(syscall(SYS_fchmodat, dir, path, (mode_t)(a[2] & 07777)));
}

int64_t emu_sys_chmod(struct emu *emu, const uint64_t *a)
{
	const uint64_t args[3] = { (uint64_t)AT_FDCWD_LINUX, a[0], a[1] };

	return emu_sys_fchmodat(emu, args);
}

int64_t emu_sys_fchmod(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));

	return h < 0 ? h : fs_ret(fchmod(h, (mode_t)(a[1] & 07777)));
}

/* struct statfs is the same on x86_64 and arm64 (every field 64 bits wide). */
int64_t emu_sys_statfs(struct emu *emu, const uint64_t *a)
{
	char path[PATH_MAX_LINUX];
	struct statfs sf;
	int64_t n = fs_path(emu, a[0], path);

	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	if (statfs(path, &sf) < 0)
		return -errno;
	return copy_to_user(emu->mm, a[1], &sf, sizeof(sf)) ? -EFAULT : 0;
}

int64_t emu_sys_fstatfs(struct emu *emu, const uint64_t *a)
{
	int h = emu_fs_host_fd(emu, fs_fdarg(a[0]));
	struct statfs sf;

	if (h < 0)
		return h;
	if (fstatfs(h, &sf) < 0)
		return -errno;
	return copy_to_user(emu->mm, a[1], &sf, sizeof(sf)) ? -EFAULT : 0;
}

/* utimensat(dirfd, path or NULL for dirfd itself, times or NULL for now, flags). */
int64_t emu_sys_utimensat(struct emu *emu, const uint64_t *a)
{
	char path[PATH_MAX_LINUX];
	int64_t t[4], n;
	struct timespec ts[2];
	int dir;

	if (a[2]) {
		if (copy_from_user(emu->mm, t, a[2], sizeof(t)))
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			ts[i].tv_sec = (time_t)le64toh((uint64_t)t[2 * i]);
			ts[i].tv_nsec = (long)le64toh((uint64_t)t[2 * i + 1]);
		}
	}
	if (!a[1]) {
		dir = emu_fs_host_fd(emu, fs_fdarg(a[0]));
		if (dir < 0)
			return dir;
		return fs_ret(syscall(SYS_utimensat, dir, NULL, a[2] ? ts : NULL, (int)a[3]));
	}
	n = fs_at_path(emu, a[0], a[1], path, &dir, a[3] & AT_EMPTY_PATH_LINUX);
	if (n < 0)
		return n;
	return fs_ret(syscall(SYS_utimensat, dir, path, a[2] ? ts : NULL, (int)a[3]));
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
		len = KERNEL_TERMIOS_SIZE;
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
	return copy_to_user(emu->mm, a[2], buf, len) ? -EFAULT : 0;
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
	file = mm_file_open(emu->mm, dup_fd, path, (uint64_t)st.st_size, st.st_dev, st.st_ino,
			    (acc & O_ACCMODE) == O_RDWR);
	ret = do_mmap_file(emu->mm, addr, len, prot, flags, file, pgoff);
	mm_file_put(file);
	return ret;
}
