/* SPDX-License-Identifier: MIT */
/*
 * truncate.c - the page cache follows the file: ftruncate and O_TRUNC shrink and grow what
 * mappings see (SIGBUS past the end, zeroes in new pages, stores to new pages work), dirty
 * pages cut off are not written back, and sendfile goes through the cache both ways.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"

static sigjmp_buf jb;

static void on_bus(int sig)
{
	siglongjmp(jb, sig);
}

/* The signal a load (or store, with @store) at @p raises: 0, SIGBUS or SIGSEGV. */
static int touch(volatile char *p, int store, char *value)
{
	int sig = sigsetjmp(jb, 1);

	if (sig)
		return sig;
	if (store)
		*p = *value;
	else
		*value = *p;
	return 0;
}

static const char *signame(int s)
{
	return s == 0 ? "ok" : s == SIGBUS ? "SIGBUS" : s == SIGSEGV ? "SIGSEGV" : "?";
}

/* "what: ok 0" for a load at @p that gives byte 0, "what: SIGBUS" for one that faults. */
static void load(const char *what, volatile char *p)
{
	char c = 0;
	int sig = touch(p, 0, &c);

	if (sig)
		printf("%s: %s\n", what, signame(sig));
	else
		printf("%s: ok %d\n", what, c);
}

static long file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : (long)st.st_size;
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char data[8192], c, buf[64];
	struct sigaction sa;
	char *m, *priv;
	int fd, fd2, p[2];
	off_t off;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_bus;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	for (int i = 0; i < 8192; i++)
		data[i] = (char)('a' + i % 26);

	fd = open("trunc.dat", O_CREAT | O_RDWR | O_TRUNC, 0600);
	write(fd, data, 2 * page);
	m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	priv = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	c = 'X';
	printf("store page 3 of a 2-page file: %s\n", signame(touch(m + 3 * page, 1, &c)));
	load("private load page 2", priv + 2 * page);

	/* Grow: new pages are zero and take stores, through both mappings. */
	SHOW(ftruncate(fd, 4 * page));
	c = 'G';
	printf("store page 3 after growing: %s\n", signame(touch(m + 3 * page, 1, &c)));
	pread(fd, buf, 1, 3 * page);
	printf("the file has it: %c\n", buf[0]);
	load("page 2 reads zero", m + 2 * page + 5);
	load("private page 2 reads zero", priv + 2 * page + 5);
	priv[page + 10] = 'P';   /* a private copy of page 1 */

	/* Shrink to 100 bytes into page 1: page 2 on is gone, page 1 is zero past 100. */
	m[page + 200] = 'D';
	SHOW(ftruncate(fd, page + 100));
	load("load page 2 after shrinking", m + 2 * page);
	printf("store page 3 after shrinking: %s\n", signame(touch(m + 3 * page, 1, &c)));
	load("private load page 2 after shrinking", priv + 2 * page);
	load("page 1 past the end reads zero", m + page + 200);
	load("page 1 before the end", m + page + 50);
	load("private copy of page 1 kept", priv + page + 10);
	SHOW(file_size(fd));

	/* Dirty pages, then ftruncate(0), then munmap: nothing is written back. */
	SHOW(ftruncate(fd, 2 * page));
	memset(m, 'W', 2 * page);
	SHOW(ftruncate(fd, 0));
	SHOW(munmap(m, 4 * page));
	SHOW(munmap(priv, 4 * page));
	SHOW(file_size(fd));

	/* The same through open(O_TRUNC). */
	write(fd, data, 2 * page);
	m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	memset(m, 'T', 2 * page);
	fd2 = open("trunc.dat", O_RDWR | O_TRUNC);
	load("load after O_TRUNC", m);
	SHOW(munmap(m, 2 * page));
	SHOW(file_size(fd));
	close(fd2);

	/* sendfile out of the file sees what the mapping wrote. */
	lseek(fd, 0, SEEK_SET);
	write(fd, data, 2 * page);
	m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	memcpy(m + 10, "MAPPED", 6);
	pipe(p);
	off = 8;
	SHOW(sendfile(p[1], fd, &off, 10));
	SHOW(off);
	memset(buf, 0, sizeof(buf));
	read(p[0], buf, 10);
	printf("sendfile out: %.10s\n", buf);
	/* sendfile into the file shows through the mapping. */
	write(p[1], "PIPED", 5);
	fd2 = open("trunc.src", O_CREAT | O_RDWR | O_TRUNC, 0600);
	write(fd2, "FROMFILE", 8);
	off = 0;
	lseek(fd, 100, SEEK_SET);
	SHOW(sendfile(fd, fd2, &off, 8));
	printf("mapping after sendfile in: %.8s\n", m + 100);
	SHOW(lseek(fd, 0, SEEK_CUR));
	SHOW(sendfile(fd, p[0], NULL, 5));   /* a pipe as input: EINVAL before 5.12, else works */
	printf("mapping after: %.13s\n", m + 100);
	SHOW(munmap(m, 2 * page));
	close(fd2);
	close(fd);
	unlink("trunc.src");
	unlink("trunc.dat");
	return 0;
}
