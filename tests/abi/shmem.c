/* SPDX-License-Identifier: MIT */
/*
 * shmem.c - shared anonymous memory keeps the size it was mapped with, as a shmem object
 * does: grown by mremap, the mapping gives SIGBUS past the old size and keeps its data
 * inside it; shrunk then grown, the pages up to the first size come back with their data.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"

static sigjmp_buf jb;

static void on_signal(int sig)
{
	siglongjmp(jb, sig);
}

/* "what: ok N" (the byte a load at @p reads, or stored with @store) or "what: SIGBUS". */
static void touch(const char *what, volatile char *p, int store)
{
	int sig = sigsetjmp(jb, 1);

	if (sig) {
		printf("%s: %s\n", what, sig == SIGBUS ? "SIGBUS" : sig == SIGSEGV ? "SIGSEGV" : "?");
		return;
	}
	if (store)
		*p = 'w';
	printf("%s: ok %d\n", what, *p);
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct sigaction sa;
	char *m, *r, *hole;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	/* Grown in place (room reserved above it), then grown by moving. */
	m = mmap(NULL, 8 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SHOW(m == MAP_FAILED);
	SHOW(munmap(m + 2 * page, 6 * page));
	r = mmap(m, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	SHOW(r == m);
	memset(m, 'a', 2 * page);
	r = mremap(m, 2 * page, 4 * page, 0);
	SHOW(r == m);
	touch("grown in place, first page", r, 0);
	touch("grown in place, last old page", r + 2 * page - 1, 0);
	touch("grown in place, first new page", r + 2 * page, 0);
	touch("grown in place, store to a new page", r + 3 * page, 1);
	hole = mmap(r + 4 * page, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	SHOW(hole == r + 4 * page);
	m = mremap(r, 4 * page, 8 * page, MREMAP_MAYMOVE);
	SHOW(m == MAP_FAILED || m == r);
	touch("moved, old page", m + page, 0);
	touch("moved, store to an old page", m + page, 1);
	touch("moved, page past the size", m + 2 * page, 0);
	touch("moved, last page", m + 7 * page, 0);
	SHOW(munmap(m, 8 * page));
	SHOW(munmap(hole, page));

	/* Shrunk, then grown back: the object still holds its first size. */
	m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SHOW(m == MAP_FAILED);
	for (int i = 0; i < 4; i++)
		m[i * page] = (char)('p' + i);
	r = mremap(m, 4 * page, page, 0);
	SHOW(r == m);
	touch("shrunk, first page", r, 0);
	r = mremap(m, page, 6 * page, MREMAP_MAYMOVE);
	SHOW(r == MAP_FAILED);
	for (int i = 0; i < 6; i++) {
		char what[64];

		snprintf(what, sizeof(what), "shrunk then grown, page %d", i);
		touch(what, r + i * page, 0);
	}
	SHOW(munmap(r, 6 * page));

	/* A one-byte mapping's object is one page long. */
	m = mmap(NULL, 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	r = mremap(m, page, 2 * page, MREMAP_MAYMOVE);
	touch("one byte, grown: its page", r + page - 1, 1);
	touch("one byte, grown: the next", r + page, 0);
	return 0;
}
