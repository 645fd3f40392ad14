/* SPDX-License-Identifier: MIT */
/*
 * fault_guest MODE - ends in the way MODE names, for the fault report tests:
 *   munmap   read a page of a three-page mapping after munmap took it away (SIGSEGV)
 *   accerr   write to a read-only mapping (SIGSEGV, SEGV_ACCERR)
 *   trap     __builtin_trap (x86_64 ud2: SIGILL; arm64 brk: SIGTRAP; report.sh takes the
 *            status from the reference run)
 *   abort    abort() (SIGABRT)
 *   oom      touch 64 MiB (run it with a smaller --mem)
 *   code     run a function written into an executable page, then read(2) a new one over
 *            it from stdin and run that: the host's write must drop the translated code
 *   ret2     write the machine code of a "return 2" function to stdout, for "code"'s stdin
 *   exit     exit status 0 after the same mmap/munmap, for --stats
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * "return 1" and "return 2", compiled for whatever architecture this is built for: their
 * first FUNC_BYTES bytes are copied as the code (a constant return is position-independent;
 * what follows the return is never run).
 */
#define FUNC_BYTES 32

__attribute__((noinline, aligned(64))) static int ret1(void)
{
	return 1;
}

__attribute__((noinline, aligned(64))) static int ret2(void)
{
	return 2;
}

static int run_code(void)
{
	unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int a, b;
	ssize_t n;

	if (code == MAP_FAILED)
		return 1;
	memcpy(code, (const void *)ret1, FUNC_BYTES);
	__builtin___clear_cache((char *)code, (char *)code + FUNC_BYTES);
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
	if (!strcmp(mode, "ret2"))
		return fwrite((const void *)ret2, 1, FUNC_BYTES, stdout) != FUNC_BYTES;
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
