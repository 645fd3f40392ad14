/* SPDX-License-Identifier: MIT */
/* mremap: shrink, grow in place, grow by moving, MREMAP_FIXED, bad arguments; data kept. */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"

static long page;

static void fill(unsigned char *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(tag + i / 4096 * 7 + i % 251);
}

/* @p holds the bytes fill() wrote from offset @from of a region tagged @tag. */
static int check_from(const unsigned char *p, size_t n, unsigned tag, size_t from)
{
	for (size_t i = from; i < from + n; i++) {
		if (p[i - from] != (unsigned char)(tag + i / 4096 * 7 + i % 251))
			return 0;
	}
	return 1;
}

static int check(const unsigned char *p, size_t n, unsigned tag)
{
	return check_from(p, n, tag, 0);
}

int main(void)
{
	unsigned char *a, *b, *c, *hole;
	void *r;

	page = sysconf(_SC_PAGESIZE);
	/* Reserve room, then free the top half so that the first grow can stay in place. */
	a = mmap(NULL, 64 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SHOW(a != MAP_FAILED);
	SHOW(munmap(a + 8 * page, 56 * page));
	fill(a, 8 * page, 1);

	r = mremap(a, 8 * page, 4 * page, 0);
	printf("shrink: same address %d, data %d\n", r == a, check(a, 4 * page, 1));
	r = mremap(a, 4 * page, 16 * page, 0);
	printf("grow in place: same address %d, data %d\n", r == a, check(a, 4 * page, 1));
	printf("new part reads zero: %d\n", a[15 * page] == 0 && a[4 * page] == 0);

	/* A neighbour stops growth in place: without MAYMOVE it fails, with it the data move. */
	hole = mmap(a + 16 * page, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	SHOW(hole == a + 16 * page);
	r = mremap(a, 16 * page, 32 * page, 0);
	printf("grow blocked: %s\n", r == MAP_FAILED ? abi_errname(errno) : "moved?");
	fill(a, 16 * page, 9);
	b = mremap(a, 16 * page, 32 * page, MREMAP_MAYMOVE);
	printf("grow by moving: moved %d, data %d\n", b != a && b != MAP_FAILED, check(b, 16 * page, 9));
	printf("old place gone: %d\n", msync(a, page, MS_ASYNC) == -1 && errno == ENOMEM);
	b[31 * page] = 5;

	/* MREMAP_FIXED onto a chosen place, replacing what was there. */
	c = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(c, 8 * page, 3);
	r = mremap(b, 8 * page, 8 * page, MREMAP_MAYMOVE | MREMAP_FIXED, c);
	printf("fixed: at target %d, data %d\n", r == c, check(c, 8 * page, 9));
	printf("rest of b kept: %d\n", check_from(b + 8 * page, 8 * page, 9, 8 * page) && b[31 * page] == 5);

	/* Errors. */
	SHOW(mremap(c + 1, page, page, 0) == MAP_FAILED ? -errno : 0);
	SHOW(mremap(c, page, 0, 0) == MAP_FAILED ? -errno : 0);
	SHOW(mremap(c, page, page, 8) == MAP_FAILED ? -errno : 0);
	SHOW(mremap(c, page, 2 * page, MREMAP_FIXED, c + 4 * page) == MAP_FAILED ? -errno : 0);
	{
		unsigned char *gone = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		munmap(gone, page);
		SHOW(mremap(gone, page, 2 * page, MREMAP_MAYMOVE) == MAP_FAILED ? -errno : 0);
	}

	/* Shrinking a large region through the munmap path, then everything back. */
	r = mremap(b + 8 * page, 24 * page, page, 0);
	printf("shrink to one page: %d, data %d\n", r == b + 8 * page,
	       check_from(b + 8 * page, page, 9, 8 * page));
	SHOW(munmap(b + 8 * page, page));
	SHOW(munmap(c, 8 * page));
	SHOW(munmap(hole, page));
	return 0;
}
