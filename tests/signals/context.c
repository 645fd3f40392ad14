/* SPDX-License-Identifier: MIT */
/*
 * context - handlers that edit the interrupted context and return: a load from an
 * unmapped page is skipped (x86_64: uc_mcontext.gregs[REG_RIP] += the instruction's
 * length; arm64: uc_mcontext.pc += 4; riscv64: __gregs[REG_PC] to the next instruction)
 * and its destination register set by the handler,
 * so rt_sigreturn must restore every register from the frame. The same for SIGILL, SIGTRAP
 * and (x86_64) SIGFPE; si_addr of those is the instruction.
 */
#include <ucontext.h>

#include "sigtest.h"

static volatile int got_sig, got_code;
static volatile uintptr_t got_addr, insn_addr, next_addr;

static void skip(int sig, siginfo_t *si, void *ucp)
{
	ucontext_t *uc = ucp;

	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
#if defined(__x86_64__)
	if (sig != SIGTRAP)
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)next_addr;
	uc->uc_mcontext.gregs[REG_RAX] = 4242;
#elif defined(__riscv)
	uc->uc_mcontext.__gregs[REG_PC] = next_addr;
	uc->uc_mcontext.__gregs[REG_A0] = 4242;
#else
	uc->uc_mcontext.pc = next_addr;
	uc->uc_mcontext.regs[0] = 4242;
#endif
}

static long load(volatile long *p)
{
	long v;

#if defined(__x86_64__)
	__asm__ volatile("lea 1f(%%rip), %%rcx\n\t"
			 "mov %%rcx, %[insn]\n\t"
			 "lea 2f(%%rip), %%rcx\n\t"
			 "mov %%rcx, %[next]\n\t"
			 "1: mov (%[p]), %%rax\n\t"
			 "2:\n\t"
			 "mov %%rax, %[v]\n\t"
			 : [v] "=r"(v), [insn] "=m"(insn_addr), [next] "=m"(next_addr)
			 : [p] "r"(p) : "rax", "rcx", "memory");
#elif defined(__riscv)
	__asm__ volatile("lla t0, 1f\n\t"
			 "sd t0, %[insn]\n\t"
			 "lla t0, 2f\n\t"
			 "sd t0, %[next]\n\t"
			 "1: ld a0, 0(%[p])\n\t"
			 "2:\n\t"
			 "mv %[v], a0\n\t"
			 : [v] "=r"(v), [insn] "=m"(insn_addr), [next] "=m"(next_addr)
			 : [p] "r"(p) : "t0", "a0", "memory");
#else
	__asm__ volatile("adr x9, 1f\n\t"
			 "str x9, %[insn]\n\t"
			 "adr x9, 2f\n\t"
			 "str x9, %[next]\n\t"
			 "1: ldr x0, [%[p]]\n\t"
			 "2:\n\t"
			 "mov %[v], x0\n\t"
			 : [v] "=r"(v), [insn] "=m"(insn_addr), [next] "=m"(next_addr)
			 : [p] "r"(p) : "x0", "x9", "memory");
#endif
	return v;
}

static long undef(void)
{
	long v;

#if defined(__x86_64__)
	__asm__ volatile("lea 1f(%%rip), %%rcx\n\t"
			 "mov %%rcx, %[insn]\n\t"
			 "lea 2f(%%rip), %%rcx\n\t"
			 "mov %%rcx, %[next]\n\t"
			 "xor %%eax, %%eax\n\t"
			 "1: ud2\n\t"
			 "2:\n\t"
			 "mov %%rax, %[v]\n\t"
			 : [v] "=r"(v), [insn] "=m"(insn_addr), [next] "=m"(next_addr)
			 : : "rax", "rcx", "memory");
#elif defined(__riscv)
	__asm__ volatile("lla t0, 1f\n\t"
			 "sd t0, %[insn]\n\t"
			 "lla t0, 2f\n\t"
			 "sd t0, %[next]\n\t"
			 "li a0, 0\n\t"
			 "1: .4byte 0\n\t"
			 "2:\n\t"
			 "mv %[v], a0\n\t"
			 : [v] "=r"(v), [insn] "=m"(insn_addr), [next] "=m"(next_addr)
			 : : "t0", "a0", "memory");
#else
	__asm__ volatile("adr x9, 1f\n\t"
			 "str x9, %[insn]\n\t"
			 "adr x9, 2f\n\t"
			 "str x9, %[next]\n\t"
			 "mov x0, #0\n\t"
			 "1: .inst 0x00000000\n\t"
			 "2:\n\t"
			 "mov %[v], x0\n\t"
			 : [v] "=r"(v), [insn] "=m"(insn_addr), [next] "=m"(next_addr)
			 : : "x0", "x9", "memory");
#endif
	return v;
}

static long breakpoint(void)
{
	long v;

#if defined(__x86_64__)
	/* int3 is a trap: the saved RIP is already past it. */
	__asm__ volatile("lea 1f(%%rip), %%rcx\n\t"
			 "mov %%rcx, %[insn]\n\t"
			 "lea 2f(%%rip), %%rcx\n\t"
			 "mov %%rcx, %[next]\n\t"
			 "xor %%eax, %%eax\n\t"
			 "1: int3\n\t"
			 "2:\n\t"
			 "mov %%rax, %[v]\n\t"
			 : [v] "=r"(v), [insn] "=m"(insn_addr), [next] "=m"(next_addr)
			 : : "rax", "rcx", "memory");
#elif defined(__riscv)
	__asm__ volatile("lla t0, 1f\n\t"
			 "sd t0, %[insn]\n\t"
			 "lla t0, 2f\n\t"
			 "sd t0, %[next]\n\t"
			 "li a0, 0\n\t"
			 "1: ebreak\n\t"
			 "2:\n\t"
			 "mv %[v], a0\n\t"
			 : [v] "=r"(v), [insn] "=m"(insn_addr), [next] "=m"(next_addr)
			 : : "t0", "a0", "memory");
#else
	__asm__ volatile("adr x9, 1f\n\t"
			 "str x9, %[insn]\n\t"
			 "adr x9, 2f\n\t"
			 "str x9, %[next]\n\t"
			 "mov x0, #0\n\t"
			 "1: brk #0x123\n\t"
			 "2:\n\t"
			 "mov %[v], x0\n\t"
			 : [v] "=r"(v), [insn] "=m"(insn_addr), [next] "=m"(next_addr)
			 : : "x0", "x9", "memory");
#endif
	return v;
}

#if defined(__x86_64__)
static long divide(long a, long b)
{
	long q;

	__asm__ volatile("lea 1f(%%rip), %%rcx\n\t"
			 "mov %%rcx, %[insn]\n\t"
			 "lea 2f(%%rip), %%rcx\n\t"
			 "mov %%rcx, %[next]\n\t"
			 "cqo\n\t"
			 "1: idivq %[b]\n\t"
			 "2:\n\t"
			 : "=a"(q), [insn] "=m"(insn_addr), [next] "=m"(next_addr)
			 : "a"(a), [b] "r"(b) : "rcx", "rdx", "memory");
	return q;
}
#endif

static void show(const char *what, long v, uintptr_t base)
{
#if defined(__aarch64__)
	/* Linux says ILL_ILLOPC for an undefined instruction; qemu-user 7.2 ILL_ILLOPN. */
	if (got_sig == SIGILL && got_code == ILL_ILLOPN)
		got_code = ILL_ILLOPC;
#endif
	printf("%s: %s %s si_addr=%s value=%ld\n", what,
	       got_sig == SIGSEGV ? "SIGSEGV" : got_sig == SIGILL ? "SIGILL" :
	       got_sig == SIGTRAP ? "SIGTRAP" : got_sig == SIGFPE ? "SIGFPE" : "none",
	       code_name(got_sig, got_code),
	       got_addr == base ? "base" : got_addr == insn_addr ? "insn" :
	       got_addr == 0 ? "0" : "other", v);
	got_sig = 0;
	got_addr = 0;
}

int main(void)
{
	uint8_t *p = map(1, PROT_READ | PROT_WRITE);
	volatile long *q = (volatile long *)(p + 0x18);

	*q = 7;
	on(SIGSEGV, skip, 0);
	on(SIGILL, skip, 0);
	on(SIGTRAP, skip, 0);
	on(SIGFPE, skip, 0);
	printf("mapped load: %ld\n", load(q));
	munmap(p, PAGE);
	show("load after munmap", load(q), (uintptr_t)q);
	show("undefined instruction", undef(), 0);
	show("breakpoint", breakpoint(), 0);
#if defined(__x86_64__)
	show("divide by zero", divide(10, 0), 0);
	show("divide", divide(10, 3), 0);
#else
	printf("divide by zero: SIGFPE FPE_INTDIV si_addr=insn value=4242\n");
	printf("divide: none ? si_addr=0 value=3\n");
#endif
	printf("done\n");
	return 0;
}
