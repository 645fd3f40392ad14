/* SPDX-License-Identifier: MIT */
/*
 * codefree.c N - a JIT that frees its code N times: each round maps an RWX page, writes
 * a function into it, calls it, unmaps it, and then stores into a fresh page (which may
 * get the freed frame, whose translated code must then go). Prints "pairs: N" and the
 * sum of the results, which the caller checks. mmuemu's own peak RSS must stay bounded
 * however many times the code cache is flushed (codefree.py).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096

#if defined(__x86_64__)
/* mov eax, N; ret */
static void emit(uint8_t *p, unsigned n)
{
	uint8_t c[] = { 0xb8, (uint8_t)n, (uint8_t)(n >> 8), 0, 0, 0xc3 };

	memcpy(p, c, sizeof(c));
}
#elif defined(__aarch64__)
/* mov w0, #N; ret */
static void emit(uint8_t *p, unsigned n)
{
	uint32_t c[] = { 0x52800000u | ((n & 0xffff) << 5), 0xd65f03c0u };

	memcpy(p, c, sizeof(c));
}
#elif defined(__riscv)
/* li a0, N in two halves (addi takes 12 signed bits: N & 0xfff may not fit one); ret */
static void emit(uint8_t *p, unsigned n)
{
	unsigned lo = (n & 0xfff) / 2, hi = (n & 0xfff) - lo;
	uint32_t c[] = { 0x00000513u | (lo << 20), 0x00050513u | (hi << 20), 0x00008067u };

	memcpy(p, c, sizeof(c));
}
#endif

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	uint64_t sum = 0;

	for (long i = 0; i < n; i++) {
		uint8_t *code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		volatile uint8_t *data;

		if (code == MAP_FAILED)
			return 1;
		emit(code, (unsigned)(i & 0xfff));
		__builtin___clear_cache((char *)code, (char *)code + 8);
		sum += (unsigned)((int (*)(void))code)();
		munmap(code, PAGE);
		data = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (data == MAP_FAILED)
			return 1;
		data[0] = 1;
		munmap((void *)data, PAGE);
	}
	printf("pairs: %ld\nsum: %llu\n", n, (unsigned long long)sum);
	return 0;
}
