/* SPDX-License-Identifier: MIT */
/* madvise(MADV_DONTNEED): private anonymous pages read back as zero, shared ones keep data. */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *p, *s, *f;
	int fd;

	p = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 0xab, 8 * page);
	SHOW(madvise(p + 2 * page, 3 * page, MADV_DONTNEED));
	for (int i = 0; i < 8; i++)
		printf("private page %d: %02x %02x\n", i, p[i * page], p[i * page + page - 1]);
	p[3 * page] = 1;
	printf("written again: %d\n", p[3 * page]);

	s = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(s, 0xcd, 4 * page);
	SHOW(madvise(s, 4 * page, MADV_DONTNEED));
	printf("shared after DONTNEED: %02x %02x\n", s[0], s[3 * page + 17]);

	/* A private file mapping: DONTNEED drops the private copy, the file shows again. */
	fd = open("madv.dat", O_CREAT | O_RDWR | O_TRUNC, 0600);
	for (int i = 0; i < 2; i++) {
		memset(p, 'a' + i, page);
		write(fd, p, page);
	}
	f = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	printf("file page: %c %c\n", f[0], f[page]);
	f[0] = 'X';
	printf("private write: %c\n", f[0]);
	SHOW(madvise(f, 2 * page, MADV_DONTNEED));
	printf("after DONTNEED: %c %c\n", f[0], f[page]);

	/* Advice that only checks its arguments. */
	SHOW(madvise(p, 8 * page, MADV_SEQUENTIAL));
	SHOW(madvise(p, 8 * page, MADV_WILLNEED));
	SHOW(madvise(p + 1, page, MADV_DONTNEED));
	SHOW(madvise(p, page, 12345));
	SHOW(munmap(p + 4 * page, page));
	SHOW(madvise(p, 8 * page, MADV_DONTNEED));
	SHOW(madvise(p, 0, MADV_DONTNEED));
	munmap(p, 8 * page);
	munmap(s, 4 * page);
	munmap(f, 2 * page);
	close(fd);
	unlink("madv.dat");
	return 0;
}
