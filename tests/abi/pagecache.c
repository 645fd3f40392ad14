/* SPDX-License-Identifier: MIT */
/*
 * pagecache.c - copy_file_range, splice, tee and vmsplice as Linux gives them: the copies
 * go through the page cache (what a MAP_SHARED mapping wrote is what is copied; what is
 * copied into a file is seen through its mappings), offsets given or not, and the errors
 * Linux checks for.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "abi.h"

static long page;

/* @n bytes of host fd @fd at @off, printed as text. */
static void show_file(const char *what, int fd, off_t off, size_t n)
{
	char buf[64] = "";
	ssize_t r = pread(fd, buf, n, off);

	printf("%s: %zd \"%.*s\"\n", what, r, r > 0 ? (int)r : 0, buf);
}

static void show_mem(const char *what, const char *p, size_t n)
{
	printf("%s: \"%.*s\"\n", what, (int)n, p);
}

/* Two files of three pages of 'a'..'z', each mapped shared, their first pages faulted in. */
static int make_file(const char *name, char **map)
{
	char data[3 * 4096];
	int fd = open(name, O_CREAT | O_RDWR | O_TRUNC, 0600);

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	if (write(fd, data, 3 * page) != 3 * page)
		return -1;
	*map = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*map == MAP_FAILED)
		return -1;
	printf("%s first byte %c\n", name, (*map)[0]);
	return fd;
}

static void copy_file_range_tests(void)
{
	char *fm, *gm;
	int f = make_file("f.dat", &fm), g = make_file("g.dat", &gm), p[2], d, ap;
	loff_t in, out;

	/* A store through the mapping, not yet written back, is what is copied. */
	memcpy(fm + 100, "MAPPED-F", 8);
	in = 96;
	out = 200;
	SHOW(copy_file_range(f, &in, g, &out, 16, 0));
	printf("offsets now %lld %lld\n", (long long)in, (long long)out);
	show_mem("g mapping at 200", gm + 200, 16);
	show_file("g file at 200", g, 200, 16);
	/* No offsets: the file positions are used and moved. */
	SHOW(lseek(f, 100, SEEK_SET));
	SHOW(lseek(g, page + 10, SEEK_SET));
	SHOW(copy_file_range(f, NULL, g, NULL, 8, 0));
	SHOW(lseek(f, 0, SEEK_CUR));
	SHOW(lseek(g, 0, SEEK_CUR));
	show_mem("g mapping at page+10", gm + page + 10, 8);
	/* One offset given, the other the position. */
	in = 2 * page;
	SHOW(copy_file_range(f, &in, g, NULL, 5, 0));
	printf("offset now %lld\n", (long long)in);
	show_mem("g mapping after it", gm + page + 18, 5);
	/* Past the end of the input: 0. Growing the output past its end. */
	in = 3 * page;
	SHOW(copy_file_range(f, &in, g, NULL, 5, 0));
	in = 0;
	out = 3 * page - 2;
	SHOW(copy_file_range(f, &in, g, &out, 4, 0));
	show_file("g grown", g, 3 * page - 2, 8);
	SHOW(lseek(g, 0, SEEK_END));

	/* What Linux refuses. */
	in = out = 0;
	SHOW(copy_file_range(f, &in, g, &out, 4, 1));
	SHOW(copy_file_range(f, &in, g, &out, 4, 0x80000000u));
	in = 0, out = 100;
	SHOW(copy_file_range(f, &in, f, &out, 200, 0));
	in = 100, out = 0;
	SHOW(copy_file_range(f, &in, f, &out, 101, 0));
	in = 100, out = 0;
	SHOW(copy_file_range(f, &in, f, &out, 100, 0));
	show_mem("f mapping at 0", fm, 8);
	in = -1;
	SHOW(copy_file_range(f, &in, g, NULL, 4, 0));
	SHOW(copy_file_range(f, (loff_t *)8, g, NULL, 4, 0));
	SHOW(copy_file_range(99, NULL, g, NULL, 4, 0));
	SHOW(pipe(p));
	SHOW(copy_file_range(p[0], NULL, g, NULL, 4, 0));
	SHOW(copy_file_range(f, NULL, p[1], NULL, 4, 0));
	d = open(".", O_RDONLY | O_DIRECTORY);
	SHOW(copy_file_range(d, NULL, g, NULL, 4, 0));
	ap = open("g.dat", O_WRONLY | O_APPEND);
	SHOW(copy_file_range(f, NULL, ap, NULL, 4, 0));
	SHOW(copy_file_range(ap, NULL, g, NULL, 4, 0));
	SHOW(copy_file_range(f, NULL, g, NULL, 0, 0));
	close(ap);
	close(d);
	close(p[0]);
	close(p[1]);
	munmap(fm, 3 * page);
	munmap(gm, 3 * page);
	close(f);
	close(g);
}

static void splice_tests(void)
{
	char *fm, buf[64];
	int f = make_file("s.dat", &fm), p[2], q[2];
	loff_t off;

	SHOW(pipe(p));
	/* File to pipe: the mapping's store is what goes into the pipe. */
	memcpy(fm + 300, "MAPPED-S", 8);
	off = 296;
	SHOW(splice(f, &off, p[1], NULL, 16, 0));
	printf("offset now %lld\n", (long long)off);
	memset(buf, 0, sizeof(buf));
	SHOW(read(p[0], buf, sizeof(buf)));
	printf("pipe had \"%s\"\n", buf);
	SHOW(lseek(f, 40, SEEK_SET));
	SHOW(splice(f, NULL, p[1], NULL, 4, 0));
	SHOW(lseek(f, 0, SEEK_CUR));
	memset(buf, 0, sizeof(buf));
	SHOW(read(p[0], buf, sizeof(buf)));
	printf("pipe had \"%s\"\n", buf);

	/* Pipe to file: the mapping sees what arrived. */
	SHOW(write(p[1], "SPLICED", 7));
	off = page + 5;
	SHOW(splice(p[0], NULL, f, &off, 64, 0));
	printf("offset now %lld\n", (long long)off);
	show_mem("mapping", fm + page + 5, 7);
	SHOW(write(p[1], "TAIL", 4));
	SHOW(lseek(f, 2 * page + 1, SEEK_SET));
	SHOW(splice(p[0], NULL, f, NULL, 2, 0));
	SHOW(lseek(f, 0, SEEK_CUR));
	show_mem("mapping", fm + 2 * page + 1, 4);
	SHOW(splice(p[0], NULL, f, NULL, 2, SPLICE_F_NONBLOCK));
	show_mem("mapping", fm + 2 * page + 1, 4);
	SHOW(splice(p[0], NULL, f, NULL, 2, SPLICE_F_NONBLOCK));

	/* What Linux refuses. */
	off = 0;
	SHOW(splice(p[0], &off, f, NULL, 2, 0));
	SHOW(splice(p[0], (loff_t *)8, f, NULL, 2, 0));
	SHOW(splice(f, NULL, p[1], &off, 2, 0));
	SHOW(splice(f, (loff_t *)8, p[1], NULL, 2, 0));
	SHOW(splice(f, NULL, f, NULL, 2, 0));
	SHOW(splice(f, NULL, p[1], NULL, 2, 0x100));
	SHOW(splice(99, NULL, p[1], NULL, 2, 0));
	SHOW(splice(99, NULL, p[1], NULL, 0, 0));
	off = -1;
	SHOW(splice(f, &off, p[1], NULL, 2, 0));

	/* tee: pipe to pipe, the input keeps its bytes. */
	SHOW(pipe(q));
	SHOW(write(p[1], "TEE", 3));
	SHOW(tee(p[0], q[1], 10, 0));
	memset(buf, 0, sizeof(buf));
	SHOW(read(q[0], buf, sizeof(buf)));
	printf("copy had \"%s\"\n", buf);
	memset(buf, 0, sizeof(buf));
	SHOW(read(p[0], buf, sizeof(buf)));
	printf("input had \"%s\"\n", buf);
	SHOW(tee(f, q[1], 10, 0));
	SHOW(tee(p[0], q[1], 10, SPLICE_F_NONBLOCK));
	SHOW(tee(p[0], q[1], 10, 0x100));
	close(q[0]);
	close(q[1]);
	munmap(fm, 3 * page);
	close(f);
	close(p[0]);
	close(p[1]);
}

static void vmsplice_tests(void)
{
	char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iovec iov[2];
	char buf[64];
	int p[2], f;

	SHOW(pipe(p));
	iov[0] = (struct iovec){ "VM", 2 };
	iov[1] = (struct iovec){ "SPLICE", 6 };
	SHOW(vmsplice(p[1], iov, 2, 0));
	memset(buf, 0, sizeof(buf));
	iov[0] = (struct iovec){ buf, 3 };
	iov[1] = (struct iovec){ buf + 10, 10 };
	SHOW(vmsplice(p[0], iov, 2, 0));
	printf("got \"%s\" \"%s\"\n", buf, buf + 10);
	/* Up to the first page that cannot be read. */
	memset(m, 'v', 2 * page);
	munmap(m + page, page);
	iov[0] = (struct iovec){ m + page - 2048, 4096 };
	SHOW(vmsplice(p[1], iov, 1, 0));
	SHOW(read(p[0], m, page));
	SHOW(vmsplice(p[1], iov, 0, 0));
	SHOW(vmsplice(p[1], iov, 1, 0x100));
	SHOW(vmsplice(p[1], (struct iovec *)8, 1, 0));
	f = open("v.dat", O_CREAT | O_RDWR | O_TRUNC, 0600);
	SHOW(vmsplice(f, iov, 1, 0));
	SHOW(vmsplice(99, iov, 1, 0));
	close(f);
	close(p[0]);
	close(p[1]);
	munmap(m, page);
}

int main(void)
{
	page = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IONBF, 0);
	copy_file_range_tests();
	splice_tests();
	vmsplice_tests();
	return 0;
}
