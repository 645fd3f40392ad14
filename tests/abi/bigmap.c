/* SPDX-License-Identifier: MIT */
/*
 * bigmap.c - a 1-byte file under a 1 TiB shared mapping: msync and read(2) must cost by
 * what is mapped (one page), not by the range. cost.sh counts the entries they visit.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"

int main(void)
{
	size_t len = (size_t)1 << 40;
	char *m, c = 0;
	int fd = open("bigmap.dat", O_CREAT | O_RDWR | O_TRUNC, 0600);

	write(fd, "a", 1);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("mapped: %d\n", m != MAP_FAILED);
	m[0] = 'b';
	for (int i = 0; i < 3; i++) {
		SHOW(msync(m, len, MS_SYNC));
		SHOW(pread(fd, &c, 1, 0));
		printf("the file has: %c\n", c);
		m[0] = (char)('c' + i);
	}
	SHOW(munmap(m, len));
	close(fd);
	unlink("bigmap.dat");
	return 0;
}
