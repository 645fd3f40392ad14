/* SPDX-License-Identifier: MIT */
/*
 * File system calls passed through to the host: run in an empty directory of its own.
 * open/read/write/pread/pwrite/lseek, stat, lstat, fstat, statx, getdents64, dup*, fcntl,
 * pipe2, readv/writev, rename, unlink, mkdir, chdir, getcwd, access, umask, ftruncate.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "abi.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directory's entries, sorted, with their d_type, through raw getdents64. */
static void list(const char *dir)
{
	char buf[1024], *names[64];
	int fd = open(dir, O_RDONLY | O_DIRECTORY), n = 0;
	long len;

	if (fd < 0) {
		printf("open %s: %s\n", dir, abi_errname(errno));
		return;
	}
	while ((len = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < len;) {
			unsigned short reclen;
			unsigned char type;
			char *name = buf + off + 19;

			memcpy(&reclen, buf + off + 16, 2);
			type = (unsigned char)buf[off + 18];
			if (n < 64) {
				names[n] = malloc(strlen(name) + 8);
				sprintf(names[n++], "%s/%u", name, type);
			}
			off += reclen;
		}
	}
	close(fd);
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	printf("%s:", dir);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void show_stat(const char *what, const struct stat *st)
{
	printf("%s: mode %o size %lld nlink %lu blocks>0 %d\n", what, (unsigned)st->st_mode,
	       (long long)st->st_size, (unsigned long)st->st_nlink, st->st_blocks > 0);
}

int main(void)
{
	char buf[256], cwd[4096], cwd2[4096];
	struct stat st, st2;
	unsigned char stx[256];
	unsigned long long stx_size, stx_ino;
	unsigned short stx_mode;
	struct iovec iov[3];
	int fd, fd2, p[2];

	printf("umask was %o\n", (unsigned)umask(022));
	SHOW(mkdir("d", 0755));
	SHOW(mkdir("d", 0755));
	fd = SHOW(open("d/a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644));
	SHOW(write(fd, "hello, file\n", 12));
	SHOW(write(fd, "second line\n", 12));
	SHOW(lseek(fd, 0, SEEK_CUR));
	SHOW(pwrite(fd, "HELLO", 5, 0));
	SHOW(lseek(fd, 0, SEEK_CUR));
	SHOW(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND));
	SHOW(read(fd, buf, 4));
	SHOW(close(fd));
	SHOW(close(fd));

	fd = SHOW(open("d/a.txt", O_RDONLY | O_CLOEXEC));
	SHOW(fcntl(fd, F_GETFD));
	SHOW(fcntl(fd, F_SETFD, 0));
	SHOW(fcntl(fd, F_GETFD));
	memset(buf, 0, sizeof(buf));
	SHOW(read(fd, buf, sizeof(buf)));
	printf("read: [%s]\n", buf);
	SHOW(read(fd, buf, sizeof(buf)));
	SHOW(lseek(fd, 7, SEEK_SET));
	memset(buf, 0, sizeof(buf));
	SHOW(pread(fd, buf, 5, 13));
	printf("pread: [%s]\n", buf);
	SHOW(lseek(fd, -3, SEEK_END));
	SHOW(lseek(fd, -100, SEEK_SET));
	SHOW(write(fd, "x", 1));
	fd2 = SHOW(dup(fd));
	SHOW(lseek(fd2, 0, SEEK_CUR));
	SHOW(dup2(fd, 10));
	SHOW(dup3(fd, 11, O_CLOEXEC));
	SHOW(fcntl(11, F_GETFD));
	SHOW(dup3(fd, fd, 0));
	SHOW(fcntl(fd, F_DUPFD, 20));
	SHOW(fcntl(fd, F_DUPFD_CLOEXEC, 20));
	SHOW(fcntl(21, F_GETFD));
	SHOW(fstat(fd, &st));
	show_stat("fstat", &st);
	SHOW(stat("d/a.txt", &st2));
	show_stat("stat", &st2);
	printf("same inode: %d\n", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
	/* Raw statx, its layout by hand: not every libc has struct statx. */
	SHOW(syscall(SYS_statx, AT_FDCWD, "d/a.txt", 0, 0x7ff, stx));
	memcpy(&stx_mode, stx + 0x1c, 2);
	memcpy(&stx_ino, stx + 0x20, 8);
	memcpy(&stx_size, stx + 0x28, 8);
	printf("statx: size %llu mode %o ino-match %d\n", stx_size, stx_mode, stx_ino == st.st_ino);
	SHOW(fstatat(AT_FDCWD, "d", &st, 0));
	show_stat("dir", &st);
	SHOW(stat("nonexistent", &st));
	SHOW(lstat("d/a.txt", &st));
	for (int i = 3; i < 30; i++)
		close(i);

	/* writev, readv, O_APPEND */
	fd = SHOW(open("d/b.txt", O_CREAT | O_RDWR | O_APPEND, 0600));
	iov[0] = (struct iovec){ "one ", 4 };
	iov[1] = (struct iovec){ "two ", 4 };
	iov[2] = (struct iovec){ "three\n", 6 };
	SHOW(writev(fd, iov, 3));
	SHOW(lseek(fd, 0, SEEK_SET));
	SHOW(write(fd, "four\n", 5));
	SHOW(lseek(fd, 0, SEEK_SET));
	{
		char a[5] = { 0 }, b[20] = { 0 };

		iov[0] = (struct iovec){ a, 4 };
		iov[1] = (struct iovec){ b, 19 };
		SHOW(readv(fd, iov, 2));
		printf("readv: [%s] [%s]\n", a, b);
	}
	SHOW(ftruncate(fd, 3));
	SHOW(fstat(fd, &st));
	printf("size after ftruncate: %lld\n", (long long)st.st_size);
	SHOW(close(fd));

	/* pipes */
	SHOW(pipe2(p, O_CLOEXEC));
	SHOW(fcntl(p[0], F_GETFD));
	SHOW(write(p[1], "through the pipe", 16));
	memset(buf, 0, sizeof(buf));
	SHOW(read(p[0], buf, sizeof(buf)));
	printf("pipe: [%s]\n", buf);
	SHOW(lseek(p[0], 0, SEEK_SET));
	SHOW(fcntl(p[0], F_SETFL, O_NONBLOCK));
	SHOW(fcntl(p[0], F_GETFL) & (O_ACCMODE | O_NONBLOCK));
	SHOW(read(p[0], buf, sizeof(buf)));
	SHOW(close(p[1]));
	SHOW(read(p[0], buf, sizeof(buf)));
	SHOW(close(p[0]));

	/* names */
	SHOW(rename("d/b.txt", "d/c.txt"));
	SHOW(syscall(SYS_renameat2, AT_FDCWD, "d/c.txt", AT_FDCWD, "d/a.txt", 1 /* NOREPLACE */));
	SHOW(renameat(AT_FDCWD, "d/c.txt", AT_FDCWD, "d/e.txt"));
	SHOW(mkdir("d/sub", 0700));
	SHOW(open("d/sub/f", O_CREAT | O_EXCL | O_WRONLY, 0640) >= 0);
	SHOW(open("d/sub/f", O_CREAT | O_EXCL | O_WRONLY, 0640));
	SHOW(open("d/a.txt/x", O_RDONLY));
	SHOW(open("d", O_WRONLY));
	SHOW(open("d/a.txt", O_RDONLY | O_DIRECTORY));
	list("d");
	list("d/sub");
	SHOW(access("d/a.txt", R_OK | W_OK));
	SHOW(access("d/a.txt", X_OK));
	SHOW(access("d/zzz", F_OK));
	SHOW(faccessat(AT_FDCWD, "d/sub", X_OK, 0));
	SHOW(getcwd(cwd, sizeof(cwd)) != NULL);
	SHOW(chdir("d/sub"));
	SHOW(getcwd(cwd2, sizeof(cwd2)) != NULL);
	printf("cwd moved: %d\n", strlen(cwd2) == strlen(cwd) + 6 && !strncmp(cwd, cwd2, strlen(cwd)));
	SHOW(syscall(SYS_getcwd, cwd2, 2));
	SHOW(chdir("../.."));
	SHOW(chdir("nowhere"));
	SHOW(unlink("d/sub/f"));
	SHOW(unlink("d/sub"));
	SHOW(rmdir("d"));
	SHOW(unlinkat(AT_FDCWD, "d/sub", AT_REMOVEDIR));
	SHOW(unlink("d/a.txt"));
	SHOW(unlink("d/e.txt"));
	list("d");
	SHOW(rmdir("d"));
	SHOW(close(99));
	SHOW(close(-1));
	SHOW(read(1000, buf, 1));
	printf("umask now %o\n", (unsigned)umask(0));
	return 0;
}
