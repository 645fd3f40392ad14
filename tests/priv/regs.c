/* SPDX-License-Identifier: MIT */
/*
 * regs.c - a register-heavy computation with stores to fresh pages between its steps, for
 * --inject=code-flush:N (codeflush.sh): a forced code flush at any fill must not change the
 * result, which is printed as one checksum.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#define PAGE 4096
#define PAGES 48

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ull;
	return x ^ (x >> 27);
}

int main(void)
{
	uint64_t r0 = 1, r1 = 2, r2 = 3, r3 = 5, r4 = 7, r5 = 11, r6 = 13, r7 = 17;
	uint64_t total = 0;

	for (int round = 0; round < 4; round++) {
		volatile uint64_t *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 1;
		for (int i = 0; i < PAGES; i++) {
			volatile uint64_t *q = p + i * (PAGE / 8);

			r0 += mix(r7 + i);
			r1 ^= r0 * 3;
			q[0] = r1;
			r2 += r1 >> 3;
			r3 = (r3 << 7 | r3 >> 57) + r2;
			q[1] = r3;
			r4 ^= r3 + r0;
			r5 += r4 * 5;
			r6 = mix(r6 ^ r5);
			q[2] = r6;
			r7 += r6 + q[0] + q[1];
		}
		for (int i = 0; i < PAGES; i++)
			total = mix(total + p[i * (PAGE / 8) + 2]);
		munmap((void *)p, PAGES * PAGE);
	}
	printf("%016llx %016llx\n", (unsigned long long)total,
	       (unsigned long long)(r0 ^ r1 ^ r2 ^ r3 ^ r4 ^ r5 ^ r6 ^ r7));
	return 0;
}
