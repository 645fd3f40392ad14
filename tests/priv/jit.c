/* SPDX-License-Identifier: MIT */
/*
 * jit.c - code freed, its frame reused (issue 9 §1). Code is copied into an RWX page, run
 * and the page unmapped, as a JIT frees code. Then pages are mapped and the first store to
 * each lands on a fresh frame, probably the one that held the code: the emulator must drop
 * the stale translation, and must not run any instruction twice doing so. Between two
 * stores, registers count and accumulate; the totals are printed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

#if defined(__x86_64__)
static const uint8_t ret1[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3 };	/* mov eax,1; ret */
#elif defined(__aarch64__)
static const uint8_t ret1[] = { 0x20, 0x00, 0x80, 0x52, 0xc0, 0x03, 0x5f, 0xd6 }; /* mov w0,#1; ret */
#elif defined(__riscv)
static const uint8_t ret1[] = { 0x13, 0x05, 0x10, 0x00, 0x67, 0x80, 0x00, 0x00 }; /* li a0,1; ret */
#endif

/*
 * Count and sum in registers around one store: the store's fill may be where the emulator
 * flushes its code cache. Everything is in one asm block, so it is one translation block.
 */
static uint64_t work(volatile uint64_t *p, uint64_t seed, uint64_t *count)
{
	uint64_t a = seed, b = 0, c = 0;

#if defined(__x86_64__)
	__asm__ volatile("inc %[c]\n\tadd %[a], %[b]\n\timul $3, %[a], %[a]\n\t"
			 "mov %[a], (%[p])\n\t"
			 "inc %[c]\n\tadd %[a], %[b]\n\txor $0xff, %[a]\n\t"
			 : [a] "+r"(a), [b] "+r"(b), [c] "+r"(c) : [p] "r"(p) : "memory", "cc");
#elif defined(__aarch64__)
	__asm__ volatile("add %[c], %[c], #1\n\tadd %[b], %[b], %[a]\n\tadd %[a], %[a], %[a], lsl #1\n\t"
			 "str %[a], [%[p]]\n\t"
			 "add %[c], %[c], #1\n\tadd %[b], %[b], %[a]\n\teor %[a], %[a], #0xff\n\t"
			 : [a] "+r"(a), [b] "+r"(b), [c] "+r"(c) : [p] "r"(p) : "memory", "cc");
#elif defined(__riscv)
	uint64_t t;

	__asm__ volatile("addi %[c], %[c], 1\n\tadd %[b], %[b], %[a]\n\t"
			 "slli %[t], %[a], 1\n\tadd %[a], %[a], %[t]\n\t"
			 "sd %[a], 0(%[p])\n\t"
			 "addi %[c], %[c], 1\n\tadd %[b], %[b], %[a]\n\txori %[a], %[a], 0xff\n\t"
			 : [a] "+r"(a), [b] "+r"(b), [c] "+r"(c), [t] "=&r"(t) : [p] "r"(p) : "memory");
#endif
	*count += c;
	return a + b;
}

int main(void)
{
	uint64_t count = 0, sum = 0, calls = 0;

	for (int round = 0; round < 16; round++) {
		uint8_t *code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		volatile uint64_t *data;
		int (*fn)(void);

		if (code == MAP_FAILED)
			return 1;
		memcpy(code, ret1, sizeof(ret1));
		__builtin___clear_cache((char *)code, (char *)code + sizeof(ret1));
		fn = (int (*)(void))code;
		calls += fn();
		munmap(code, PAGE);
		if (round % 2) {
			/* Where the code was: the same table, and likely the same frame. */
			data = mmap(code, PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			if (data == MAP_FAILED)
				return 2;
			sum += work(data, round + 1, &count);
			munmap((void *)data, PAGE);
			continue;
		}
		data = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (data == MAP_FAILED)
			return 3;
		for (int i = 0; i < 4; i++)
			sum += work(data + i * PAGE / 8, round * 4 + i + 17, &count);
		munmap((void *)data, 4 * PAGE);
	}
	printf("calls %llu, count %llu (expect %d), sum %llx\n", (unsigned long long)calls,
	       (unsigned long long)count, (8 * 4 + 8) * 2, (unsigned long long)sum);
	return 0;
}
