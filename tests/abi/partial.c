/* SPDX-License-Identifier: MIT */
/*
 * partial.c - transfers into and out of a buffer that ends in an unmapped page: Linux moves
 * the bytes up to the bad page and returns their count (EFAULT only when nothing moved),
 * and nothing a pipe or a directory holds is lost on the way. Also getdents64 with a huge
 * count, newfstatat with a NULL path and AT_EMPTY_PATH, and /proc/self/exe opened for
 * writing. Raw system calls throughout.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "abi.h"

/* Entries in the directory @fd lists from its start, with buffers of @size bytes. */
static int count_entries(int fd, size_t size)
{
	static char buf[1 << 16];
	int n = 0;
	long r;

	lseek(fd, 0, SEEK_SET);
	while ((r = syscall(SYS_getdents64, fd, buf, size)) > 0) {
		for (long off = 0; off < r;) {
			unsigned short reclen;

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			off += reclen;
			n++;
		}
	}
	return r < 0 ? -1 : n;
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *area, *half, data[8192], name[32];
	int p[2], fd, dir;
	struct stat st;

	/* Two pages, the second unmapped: [half, half + 4096) has its second 2048 bytes bad. */
	area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(area + page, page);
	half = area + page - 2048;
	for (int i = 0; i < 8192; i++)
		data[i] = (char)('a' + i % 26);

	/*
	 * A pipe read that does not fit. Linux copies whole pipe buffers (one page each
	 * here: the first write fills one) and stops at the one that faults, leaving it in
	 * the pipe: 4096 bytes, and the other 100 for the next read.
	 */
	pipe(p);
	write(p[1], data, 4096);
	write(p[1], data + 4096, 100);
	SHOW(syscall(SYS_read, p[0], area, 8192));
	printf("pipe bytes delivered intact: %d\n", !memcmp(area, data, 4096));
	SHOW(syscall(SYS_read, p[0], area, 3000));
	printf("the rest follows: %d\n", !memcmp(area, data + 4096, 100));
	close(p[1]);
	SHOW(syscall(SYS_read, p[0], area + page, 10));   /* at the end: 0, the buffer unused */
	close(p[0]);

	/* read, write, pread, pwrite, getrandom of 4096 bytes, the second half unmapped. */
	fd = open("partial.dat", O_CREAT | O_RDWR | O_TRUNC, 0600);
	write(fd, data, sizeof(data));
	lseek(fd, 0, SEEK_SET);
	SHOW(syscall(SYS_read, fd, half, 4096));
	SHOW(lseek(fd, 0, SEEK_CUR));
	SHOW(syscall(SYS_pread64, fd, half, 4096, 100));
	printf("pread bytes: %d\n", !memcmp(half, data + 100, 2048));
	memset(half, 'Z', 2048);
	SHOW(syscall(SYS_write, fd, half, 4096));
	SHOW(lseek(fd, 0, SEEK_CUR));
	SHOW(syscall(SYS_pwrite64, fd, half, 4096, 6000));
	SHOW(syscall(SYS_pread64, fd, area, 300, 7900));
	printf("file tail: %.150s|%.150s\n", area, area + 150);
	SHOW(syscall(SYS_getrandom, half, 4096, 0));
	SHOW(syscall(SYS_read, fd, area + page, 10));
	SHOW(syscall(SYS_write, fd, area + page, 10));

	/* getdents64: an EFAULT loses no entry; 50 files and . and .. are 52. */
	mkdir("partial.d", 0700);
	for (int i = 0; i < 50; i++) {
		int f;

		snprintf(name, sizeof(name), "partial.d/file-%02d", i);
		f = open(name, O_CREAT | O_WRONLY, 0600);
		close(f);
	}
	dir = open("partial.d", O_RDONLY | O_DIRECTORY);
	SHOW(syscall(SYS_getdents64, dir, area + page, 4096));
	SHOW(syscall(SYS_getdents64, dir, half, 4096) > 0);
	printf("entries after the faults: %d\n", count_entries(dir, 4096));
	lseek(dir, 0, SEEK_SET);
	SHOW(syscall(SYS_getdents64, dir, half, 4096) > 0);
	printf("entries after a partial read: %d\n", count_entries(dir, 4096));
	printf("entries, 64-byte buffers: %d\n", count_entries(dir, 64));
	lseek(dir, 0, SEEK_SET);
	SHOW(syscall(SYS_getdents64, dir, area, 10));
	/* A count above INT_MAX, into a buffer that is one page. */
	lseek(dir, 0, SEEK_SET);
	SHOW(syscall(SYS_getdents64, dir, area, 0xffffffffUL));
	SHOW(syscall(SYS_getdents64, dir, area, 0x80000000UL));
	SHOW(syscall(SYS_getdents64, dir, area, 0x7fffffffUL) > 0);
	printf("entries after the big counts: %d\n", count_entries(dir, 4096));
	close(dir);
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "partial.d/file-%02d", i);
		unlink(name);
	}
	rmdir("partial.d");

	/* newfstatat(fd, NULL, AT_EMPTY_PATH): Linux 6.11 and later accept the NULL. */
	SHOW(syscall(SYS_newfstatat, fd, NULL, &st, AT_EMPTY_PATH));
	SHOW(st.st_size);
	SHOW(syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH));
	SHOW(syscall(SYS_newfstatat, fd, NULL, &st, 0));
	SHOW(syscall(SYS_statx, fd, NULL, AT_EMPTY_PATH, STATX_SIZE, area));
	close(fd);
	unlink("partial.dat");

	/* The running program cannot be opened for writing. */
	SHOW(syscall(SYS_openat, AT_FDCWD, "/proc/self/exe", O_RDWR));
	SHOW(syscall(SYS_openat, AT_FDCWD, "/proc/self/exe", O_WRONLY));
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/exe", O_RDONLY);
	printf("exe read only: %d\n", fd >= 0);
	return 0;
}
