/* SPDX-License-Identifier: MIT */
/*
 * File mappings: MAP_PRIVATE (writes stay private), MAP_SHARED with msync (writes reach
 * the file), the end of the file, and the checks mmap makes of the fd.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"

static long page;

static void show_file(int fd, off_t off, size_t n)
{
	char buf[64] = { 0 };

	pread(fd, buf, n, off);
	printf("file at %ld: [%s]\n", (long)off, buf);
}

int main(void)
{
	unsigned char *p, *s, *s2, *r;
	char *block;
	int fd, ro;

	page = sysconf(_SC_PAGESIZE);
	block = malloc(3 * page);
	for (long i = 0; i < 3 * page; i++)
		block[i] = (char)('A' + i / page);
	fd = open("map.dat", O_CREAT | O_RDWR | O_TRUNC, 0644);
	write(fd, block, 2 * page + 100);	/* the last page is partly past the end */

	p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SHOW(p != MAP_FAILED);
	printf("private: %c %c %c, past EOF %d\n", p[0], p[page], p[2 * page], p[2 * page + 100]);
	memcpy(p + 10, "private", 7);
	show_file(fd, 10, 7);
	printf("mapping: %.7s\n", p + 10);

	s = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
	SHOW(s != MAP_FAILED);
	printf("shared at offset one page: %c %c\n", s[0], s[page]);
	memcpy(s + 5, "shared!", 7);
	SHOW(msync(s, 2 * page, MS_SYNC));
	show_file(fd, page + 5, 7);
	/* A second shared mapping of the same page sees the write at once. */
	s2 = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, page);
	printf("second shared mapping: %.7s\n", s2 + 5);
	memcpy(s + page + 20, "tail", 4);
	SHOW(munmap(s, 2 * page));
	show_file(fd, 2 * page + 20, 4);
	SHOW(msync(s2, page, MS_ASYNC | MS_SYNC));
	SHOW(msync((char *)s2 + 1, page, MS_SYNC));
	SHOW(munmap(s2, page));
	SHOW(munmap(p, 3 * page));

	/* The fd's mode decides what can be mapped. */
	ro = open("map.dat", O_RDONLY);
	r = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	printf("shared writable of O_RDONLY: %s\n", r == MAP_FAILED ? abi_errname(errno) : "mapped");
	r = mmap(NULL, page, PROT_READ, MAP_SHARED, ro, 0);
	printf("shared read-only of O_RDONLY: %s\n", r == MAP_FAILED ? abi_errname(errno) : "mapped");
	munmap(r, page);
	r = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	printf("private writable of O_RDONLY: %s\n", r == MAP_FAILED ? abi_errname(errno) : "mapped");
	r[0] = 'z';
	munmap(r, page);
	show_file(ro, 0, 4);
	close(ro);
	ro = open("map.dat", O_WRONLY);
	r = mmap(NULL, page, PROT_READ, MAP_PRIVATE, ro, 0);
	printf("map of O_WRONLY: %s\n", r == MAP_FAILED ? abi_errname(errno) : "mapped");
	close(ro);
	r = mmap(NULL, page, PROT_READ, MAP_PRIVATE, 77, 0);
	printf("map of a closed fd: %s\n", r == MAP_FAILED ? abi_errname(errno) : "mapped");
	r = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 1);
	printf("unaligned offset: %s\n", r == MAP_FAILED ? abi_errname(errno) : "mapped");
	ro = open(".", O_RDONLY | O_DIRECTORY);
	r = mmap(NULL, page, PROT_READ, MAP_PRIVATE, ro, 0);
	printf("map of a directory: %s\n", r == MAP_FAILED ? abi_errname(errno) : "mapped");
	close(ro);

	/* MAP_SHARED anonymous memory and MAP_POPULATE of a file. */
	s = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	s[0] = 42;
	SHOW(mremap(s, page, 2 * page, MREMAP_MAYMOVE) != MAP_FAILED);
	p = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	{
		unsigned char vec[2];

		SHOW(mincore(p, 2 * page, vec));
		printf("populated: %d%d, data %c%c\n", vec[0] & 1, vec[1] & 1, p[0], p[page]);
	}
	munmap(p, 2 * page);
	close(fd);
	unlink("map.dat");
	free(block);
	return 0;
}
