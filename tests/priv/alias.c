/* SPDX-License-Identifier: MIT */
/*
 * alias.c - code rewritten through a writable alias (issue 9 §2). One shared anonymous page
 * is mapped twice, RW and RX (the second mapping through mremap of the first with size 0,
 * which makes a second mapping of the same shared pages). A function is written through the
 * RW alias and called through the RX one, then rewritten and called again: Linux runs the
 * new code, "3 4".
 * With the argument "rwx" the first mapping is RWX and the code is rewritten twice more,
 * called through both aliases: Linux prints "3 4 5 6 6".
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

#if defined(__x86_64__)
/* mov eax, N; ret */
static void emit(uint8_t *p, int n)
{
	uint8_t c[] = { 0xb8, (uint8_t)n, 0, 0, 0, 0xc3 };

	memcpy(p, c, sizeof(c));
}
#elif defined(__aarch64__)
/* mov w0, #N; ret */
static void emit(uint8_t *p, int n)
{
	uint32_t c[] = { 0x52800000u | ((uint32_t)n << 5), 0xd65f03c0u };

	memcpy(p, c, sizeof(c));
}
#elif defined(__riscv)
/* li a0, N (addi a0, zero, N); ret (jalr zero, 0(ra)) */
static void emit(uint8_t *p, int n)
{
	uint32_t c[] = { 0x00000513u | ((uint32_t)n << 20), 0x00008067u };

	memcpy(p, c, sizeof(c));
}
#endif

static int run(uint8_t *rw, int (*fn)(void), int n)
{
	emit(rw, n);
	__builtin___clear_cache((char *)fn, (char *)fn + 8);
	return fn();
}

int main(int argc, char **argv)
{
	int rwx = argc > 1 && !strcmp(argv[1], "rwx");
	uint8_t *rw = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | (rwx ? PROT_EXEC : 0),
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint8_t *rx;
	int (*fn)(void);
	int a, b;

	if (rw == MAP_FAILED)
		return 1;
	rx = mremap(rw, 0, PAGE, MREMAP_MAYMOVE);
	if (rx == MAP_FAILED || mprotect(rx, PAGE, PROT_READ | PROT_EXEC))
		return 1;
	fn = (int (*)(void))rx;
	a = run(rw, fn, 3);
	b = run(rw, fn, 4);
	if (rwx) {
		int c = run(rw, fn, 5), d = run(rw, fn, 6), e = ((int (*)(void))rw)();

		printf("%d %d %d %d %d\n", a, b, c, d, e);
		return 0;
	}
	printf("%d %d\n", a, b);
	return 0;
}
