/* SPDX-License-Identifier: MIT */
/*
 * fpstate - the FP/SIMD state and fault details in the frame, read the way a handler
 * reads them through its ucontext: x86_64 uc_mcontext.fpregs (the fxsave area) and
 * gregs[REG_TRAPNO], [REG_ERR], [REG_CR2]; arm64 the fpsimd_context record found by its
 * magic in uc_mcontext.__reserved, and fault_address; riscv64 the D state in
 * uc_mcontext.__fpregs (f0-f31, fcsr). The handler clobbers a vector (riscv64: an FP)
 * register; rt_sigreturn must bring the interrupted value back.
 */
#include <ucontext.h>

#include "sigtest.h"

#define PATTERN 0x1122334455667788ull

static volatile uintptr_t next_addr, fault_addr;
static volatile uint64_t seen_vreg, entry_vreg;
static volatile long trapno = -1, err = -1, cr2_ok = -1, fault_ok = -1;
static volatile unsigned mxcsr;
static volatile long uc_align = -1, si_minus_uc, fp_align = -1, fp_above, cs;

static void handler(int sig, siginfo_t *si, void *ucp)
{
	ucontext_t *uc = ucp;
	uint64_t v;

#if defined(__x86_64__)
	__asm__ volatile("movq %%xmm8, %0" : "=r"(v));
	entry_vreg = v;
	memcpy((void *)&seen_vreg, &uc->uc_mcontext.fpregs->_xmm[8], 8);
	mxcsr = uc->uc_mcontext.fpregs->mxcsr;
	trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	err = uc->uc_mcontext.gregs[REG_ERR];
	cr2_ok = (uintptr_t)uc->uc_mcontext.gregs[REG_CR2] == (uintptr_t)si->si_addr;
	/* The layout: uc 16-byte aligned (sp = frame, 16n - 8), siginfo after it, the fxsave
	 * area 64-byte aligned above the frame, the user code segment. */
	uc_align = (uintptr_t)uc & 15;
	si_minus_uc = (intptr_t)si - (intptr_t)uc;
	fp_align = (uintptr_t)uc->uc_mcontext.fpregs & 63;
	fp_above = (uintptr_t)uc->uc_mcontext.fpregs >= (uintptr_t)si + sizeof(*si);
	cs = uc->uc_mcontext.gregs[REG_CSGSFS] & 0xffff;
	__asm__ volatile("pxor %%xmm8, %%xmm8" ::: "xmm8");
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)next_addr;
#elif defined(__riscv)
	__asm__ volatile("fmv.x.d %0, ft11" : "=r"(v));
	entry_vreg = v;
	memcpy((void *)&seen_vreg, &uc->uc_mcontext.__fpregs.__d.__f[31], 8);
	mxcsr = uc->uc_mcontext.__fpregs.__d.__fcsr;
	uc_align = (uintptr_t)uc & 15;
	si_minus_uc = (intptr_t)si - (intptr_t)uc;
	__asm__ volatile("fmv.d.x ft11, zero" ::: "ft11");
	uc->uc_mcontext.__gregs[REG_PC] = next_addr;
#else
	const uint8_t *res = uc->uc_mcontext.__reserved;
	uint32_t off = 0, magic, size;

	__asm__ volatile("fmov %0, d16" : "=r"(v));
	entry_vreg = v;
	for (;;) {
		memcpy(&magic, res + off, 4);
		memcpy(&size, res + off + 4, 4);
		if (magic == 0 || size == 0)
			break;
		if (magic == 0x46508001u) {
			memcpy((void *)&seen_vreg, res + off + 16 + 16 * 16, 8);
			memcpy((void *)&mxcsr, res + off + 12, 4);   /* fpcr */
		}
		off += size;
	}
	fault_ok = uc->uc_mcontext.fault_address == (uintptr_t)si->si_addr;
	__asm__ volatile("movi v16.2d, #0" ::: "v16");
	uc->uc_mcontext.pc = next_addr;
#endif
}

static uint64_t fault_with_vreg(volatile long *p, int write)
{
	uint64_t out;

#if defined(__x86_64__)
	if (write)
		__asm__ volatile("lea 2f(%%rip), %%rcx\n\t"
				 "mov %%rcx, %[next]\n\t"
				 "movabs $0x1122334455667788, %%rcx\n\t"
				 "movq %%rcx, %%xmm8\n\t"
				 "movq %%rcx, (%[p])\n\t"
				 "2:\n\t"
				 "movq %%xmm8, %[out]\n\t"
				 : [out] "=r"(out), [next] "=m"(next_addr)
				 : [p] "r"(p) : "rcx", "xmm8", "memory");
	else
		__asm__ volatile("lea 2f(%%rip), %%rcx\n\t"
				 "mov %%rcx, %[next]\n\t"
				 "movabs $0x1122334455667788, %%rcx\n\t"
				 "movq %%rcx, %%xmm8\n\t"
				 "mov (%[p]), %%rcx\n\t"
				 "2:\n\t"
				 "movq %%xmm8, %[out]\n\t"
				 : [out] "=r"(out), [next] "=m"(next_addr)
				 : [p] "r"(p) : "rcx", "xmm8", "memory");
#elif defined(__riscv)
	if (write)
		__asm__ volatile("lla t0, 2f\n\t"
				 "sd t0, %[next]\n\t"
				 "li t0, 0x1122334455667788\n\t"
				 "fmv.d.x ft11, t0\n\t"
				 "sd t0, 0(%[p])\n\t"
				 "2:\n\t"
				 "fmv.x.d %[out], ft11\n\t"
				 : [out] "=r"(out), [next] "=m"(next_addr)
				 : [p] "r"(p) : "t0", "ft11", "memory");
	else
		__asm__ volatile("lla t0, 2f\n\t"
				 "sd t0, %[next]\n\t"
				 "li t0, 0x1122334455667788\n\t"
				 "fmv.d.x ft11, t0\n\t"
				 "ld t0, 0(%[p])\n\t"
				 "2:\n\t"
				 "fmv.x.d %[out], ft11\n\t"
				 : [out] "=r"(out), [next] "=m"(next_addr)
				 : [p] "r"(p) : "t0", "ft11", "memory");
#else
	if (write)
		__asm__ volatile("adr x9, 2f\n\t"
				 "str x9, %[next]\n\t"
				 "ldr x9, =0x1122334455667788\n\t"
				 "fmov d16, x9\n\t"
				 "str x9, [%[p]]\n\t"
				 "2:\n\t"
				 "fmov %[out], d16\n\t"
				 : [out] "=r"(out), [next] "=m"(next_addr)
				 : [p] "r"(p) : "x9", "v16", "memory");
	else
		__asm__ volatile("adr x9, 2f\n\t"
				 "str x9, %[next]\n\t"
				 "ldr x9, =0x1122334455667788\n\t"
				 "fmov d16, x9\n\t"
				 "ldr x9, [%[p]]\n\t"
				 "2:\n\t"
				 "fmov %[out], d16\n\t"
				 : [out] "=r"(out), [next] "=m"(next_addr)
				 : [p] "r"(p) : "x9", "v16", "memory");
#endif
	return out;
}

int main(void)
{
	uint8_t *p = map(2, PROT_READ | PROT_WRITE);

	mprotect(p + PAGE, PAGE, PROT_READ);
	munmap(p, PAGE);
	on(SIGSEGV, handler, 0);
	for (int write = 0; write < 2; write++) {
		uint64_t after = fault_with_vreg((volatile long *)(p + (write ? PAGE + 0x40 : 0x80)),
						 write);

		printf("%s: frame vreg=%s handler entry vreg=%s after sigreturn=%s\n",
		       write ? "write to PROT_READ" : "read of unmapped",
		       seen_vreg == PATTERN ? "ok" : "bad",
		       entry_vreg == 0 ? "0" : entry_vreg == PATTERN ? "kept" : "other",
		       after == PATTERN ? "ok" : "bad");
#if defined(__x86_64__)
		printf("  trapno=%ld err=%ld cr2=si_addr:%ld mxcsr=%#x\n", trapno, err, cr2_ok,
		       mxcsr);
		printf("  uc%%16=%ld si-uc=%ld fpstate%%64=%ld fpstate_above_frame=%ld cs=%#lx\n",
		       uc_align, si_minus_uc, fp_align, fp_above, cs);
#elif defined(__riscv)
		printf("  fcsr=%#x uc%%16=%ld si-uc=%ld\n", mxcsr, uc_align, si_minus_uc);
#else
		printf("  fault_address=si_addr:%ld fpcr=%#x\n", fault_ok, mxcsr);
#endif
	}
	return 0;
}
