/* SPDX-License-Identifier: MIT */
/*
 * random.c - execute random bytes. Handlers for every fault signal are installed, then
 * ROUNDS times a page of an RWX mapping is filled with bytes from a generator seeded by
 * argv[1] and jumped into; a fault returns to the loop through siglongjmp. The registers
 * the code starts with point into a scratch mapping, so some loads and stores succeed.
 * What the guest does is not checked: only that the emulator survives it (random.sh).
 * The guest never makes a system call on purpose; random bytes may, so it runs only under
 * the emulator, never natively.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
#define ROUNDS 64

static sigjmp_buf back;
static volatile unsigned faults;

static void fault(int sig, siginfo_t *si, void *ctx)
{
	faults++;
	siglongjmp(back, 1);
}

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	static const int sigs[] = { SIGSEGV, SIGILL, SIGBUS, SIGTRAP, SIGFPE, SIGSYS };
	struct sigaction sa;
	uint8_t *code, *data;
	static uint8_t altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };

	rng = (argc > 1 ? strtoull(argv[1], NULL, 0) : 1) * 0x9e3779b97f4a7c15ull | 1;
	code = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	data = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED || data == MAP_FAILED)
		return 1;
	/* The random code may break the stack pointer: handlers run on their own stack. */
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	for (volatile unsigned round = 0; round < ROUNDS; round++) {
		if (sigsetjmp(back, 1))
			continue;
		for (unsigned i = 0; i < PAGE; i += 8) {
			uint64_t v = next();

			memcpy(code + i, &v, 8);
		}
		__builtin___clear_cache((char *)code, (char *)code + PAGE);
#if defined(__x86_64__)
		__asm__ volatile("mov %0, %%rbx; mov %0, %%rsi; mov %0, %%rdi; mov %0, %%rbp;"
				 "mov %0, %%r12; jmp *%1"
				 :: "r"(data + 2 * PAGE), "r"(code) : "rbx", "rsi", "rdi", "rbp", "r12", "memory");
#elif defined(__aarch64__)
		__asm__ volatile("mov x19, %0; mov x20, %0; mov x21, %0; mov x0, %0; br %1"
				 :: "r"(data + 2 * PAGE), "r"(code) : "x19", "x20", "x21", "x0", "memory");
#elif defined(__riscv)
		__asm__ volatile("mv s1, %0; mv s2, %0; mv s3, %0; mv a0, %0; jr %1"
				 :: "r"(data + 2 * PAGE), "r"(code) : "s1", "s2", "s3", "a0", "memory");
#endif
	}
	printf("seed %s: %u faults\n", argc > 1 ? argv[1] : "1", faults);
	return 0;
}
