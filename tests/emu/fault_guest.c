/* SPDX-License-Identifier: MIT */
/*
 * fault_guest MODE - ends in the way MODE names, for the fault report tests:
 *   munmap   read a page of a three-page mapping after munmap took it away (SIGSEGV)
 *   accerr   write to a read-only mapping (SIGSEGV, SEGV_ACCERR)
 *   trap     __builtin_trap (x86_64 ud2: SIGILL; arm64 brk: SIGTRAP)
 *   abort    abort() (SIGABRT)
 *   oom      touch 64 MiB (run it with a smaller --mem)
 *   code     run a function written into an executable page, then read(2) a new one over
 *            it from stdin and run that: the host's write must drop the translated code
 *   exit     exit status 0 after the same mmap/munmap, for --stats
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* "return 1" */
#if defined(__x86_64__)
static const unsigned char ret1[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3 };
#elif defined(__riscv)
static const unsigned char ret1[] = { 0x13, 0x05, 0x10, 0x00, 0x67, 0x80, 0x00, 0x00 };
#else
static const unsigned char ret1[] = { 0x20, 0x00, 0x80, 0x52, 0xc0, 0x03, 0x5f, 0xd6 };
#endif

static int run_code(void)
{
	unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int a, b;
	ssize_t n;

	if (code == MAP_FAILED)
		return 1;
	memcpy(code, ret1, sizeof(ret1));
	__builtin___clear_cache((char *)code, (char *)code + sizeof(ret1));
	a = ((int (*)(void))code)();
	n = read(0, code, 64);
	__builtin___clear_cache((char *)code, (char *)code + 64);
	b = ((int (*)(void))code)();
	printf("code: first %d, after read(2) of %zd bytes %d\n", a, n, b);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "exit";
	long page = 4096;
	volatile char *p;

	if (!strcmp(mode, "code"))
		return run_code();
	p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	p[0] = p[page] = p[2 * page] = 1;
	if (munmap((void *)(p + page), page))
		return 1;
	printf("unmapped %p\n", (void *)(p + page));
	fflush(stdout);
	if (!strcmp(mode, "munmap"))
		return p[page + 8];
	if (!strcmp(mode, "accerr")) {
		if (mprotect((void *)p, page, PROT_READ))
			return 1;
		p[16] = 2;
	}
	if (!strcmp(mode, "trap"))
		__builtin_trap();
	if (!strcmp(mode, "abort"))
		abort();
	if (!strcmp(mode, "oom")) {
		size_t len = 64 << 20;
		char *q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (q == MAP_FAILED)
			return 1;
		memset(q, 1, len);
	}
	return 0;
}
