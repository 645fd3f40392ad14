/* SPDX-License-Identifier: MIT */
/*
 * priv.c - privileged and trapping instructions run by a user-mode guest. Each one runs
 * under handlers for SIGSEGV, SIGILL, SIGBUS, SIGTRAP and SIGFPE that print the signal and
 * si_code and jump past it, so one run shows what the kernel (or the emulator) gives for all
 * of them. With an argument, the guest instead runs one case that ends it:
 *   sigreturn-cs / sigreturn-ss: a handler puts a bad CS or SS into its frame (x86_64);
 *   int80: int $0x80 with eax = 20 (getpid) and no handler (x86_64).
 * Left out, because Unicorn 2.1.1 (QEMU 5) differs from Linux and docs/ENGINE.md says so:
 * x86 rdpmc (#UD, not #GP), the arm64 SP alignment check (never made) and riscv64 rdtime
 * (illegal: no CLINT). Also riscv64 wfi, which Linux's hardware may trap or complete and
 * qemu-user halts on.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf resume;
static volatile int got_sig, got_code;

static void trap(int sig, siginfo_t *si, void *ctx)
{
	got_sig = sig;
	got_code = si->si_code;
	siglongjmp(resume, 1);
}

static const char *signame(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGILL:  return "SIGILL";
	case SIGBUS:  return "SIGBUS";
	case SIGTRAP: return "SIGTRAP";
	case SIGFPE:  return "SIGFPE";
	default:      return "?";
	}
}

static void run(const char *name, void (*fn)(void))
{
	got_sig = 0;
	if (!sigsetjmp(resume, 1))
		fn();
	if (got_sig)
		printf("%-16s %s si_code=%d\n", name, signame(got_sig), got_code);
	else
		printf("%-16s no signal\n", name);
	fflush(stdout);
}

/* A cache line's worth of data for the instructions that take an address. */
uint64_t scratch[16] __attribute__((aligned(64), used));
/* dc zva zeroes a block of up to 2 KiB (DCZID_EL0; qemu's is 512 bytes): a page of its own. */
uint8_t zva_page[4096] __attribute__((aligned(4096), used));

#define CASE(name, body) \
	static void name(void) { __asm__ volatile(body ::: "memory", "cc", CLOBBERS); }

#if defined(__x86_64__)
#define CLOBBERS "rax", "rbx", "rcx", "rdx", "rsi"
CASE(x_cli, "cli")
CASE(x_sti, "sti")
CASE(x_mov_cr0, "xor %%eax,%%eax; mov %%rax,%%cr0")
CASE(x_mov_cr3, "xor %%eax,%%eax; mov %%rax,%%cr3")
CASE(x_mov_cr4, "xor %%eax,%%eax; mov %%rax,%%cr4")
CASE(x_read_cr0, "mov %%cr0,%%rax")
CASE(x_mov_dr7, "mov $0x401,%%eax; mov %%rax,%%dr7")
CASE(x_read_dr7, "mov %%dr7,%%rax")
CASE(x_wrmsr, "xor %%eax,%%eax; xor %%edx,%%edx; mov $0xc0000080,%%ecx; wrmsr")
CASE(x_rdmsr, "mov $0xc0000080,%%ecx; rdmsr")
CASE(x_in, "in $0x80,%%al")
CASE(x_out, "out %%al,$0x80")
CASE(x_in_dx, "mov $0x3f8,%%dx; in %%dx,%%al")
CASE(x_outsb, "lea scratch(%%rip),%%rsi; mov $0x3f8,%%dx; outsb")
CASE(x_invlpg, "invlpg scratch(%%rip)")
CASE(x_wbinvd, "wbinvd")
CASE(x_invd, "invd")
CASE(x_swapgs, "swapgs")
CASE(x_hlt, "hlt")
CASE(x_clts, "clts")
CASE(x_lgdt, "lgdt scratch(%%rip)")
CASE(x_lidt, "lidt scratch(%%rip)")
CASE(x_lmsw, "xor %%eax,%%eax; lmsw %%ax")
CASE(x_sysret, "sysretq")
CASE(x_int1, ".byte 0xf1")
CASE(x_int3, "int3")
CASE(x_int_0x21, "int $0x21")
CASE(x_ud2, "ud2")
CASE(x_rdtsc, "rdtsc")
CASE(x_cpuid, "xor %%eax,%%eax; cpuid")
CASE(x_push_pop_ss, "push %%rax; mov %%ss,%%ax; pop %%rax")
#define X(f) { #f + 2, f }
static const struct { const char *name; void (*fn)(void); } cases[] = {
	X(x_cli), X(x_sti), X(x_mov_cr0), X(x_mov_cr3), X(x_mov_cr4), X(x_read_cr0),
	X(x_mov_dr7), X(x_read_dr7), X(x_wrmsr), X(x_rdmsr), X(x_in), X(x_out), X(x_in_dx),
	X(x_outsb), X(x_invlpg), X(x_wbinvd), X(x_invd), X(x_swapgs), X(x_hlt), X(x_clts),
	X(x_lgdt), X(x_lidt), X(x_lmsw), X(x_sysret), X(x_int1), X(x_int3),
	X(x_int_0x21), X(x_ud2), X(x_rdtsc), X(x_cpuid), X(x_push_pop_ss),
};

/* The CS and SS words of uc_mcontext: gregs[REG_CSGSFS] is cs, gs, fs, ss. */
static int bad_seg;

static void corrupt(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint64_t *csgsfs = (uint64_t *)&uc->uc_mcontext.gregs[REG_CSGSFS];

	if (bad_seg == 'c')
		*csgsfs = (*csgsfs & ~0xffffull) | 0x1234;
	else
		*csgsfs = (*csgsfs & ~(0xffffull << 48)) | (0x1234ull << 48);
}

static int special(const char *what)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = corrupt;
	sa.sa_flags = SA_SIGINFO;
	if (!strcmp(what, "sigreturn-cs") || !strcmp(what, "sigreturn-ss")) {
		bad_seg = what[10];
		sigaction(SIGUSR1, &sa, NULL);
		printf("raising SIGUSR1, the handler breaks %cs\n", bad_seg);
		fflush(stdout);
		raise(SIGUSR1);
		printf("returned\n");
		return 0;
	}
	if (!strcmp(what, "int80")) {
		long ret;

		printf("int $0x80\n");
		fflush(stdout);
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
		printf("returned %s\n", ret > 0 ? "a pid" : "an error");
		return 0;
	}
	return 2;
}

#elif defined(__aarch64__)
#define CLOBBERS "x0", "x1", "x2"
CASE(a_msr_daif, "msr daifset, #2")
CASE(a_msr_daif_reg, "mov x0, #0; msr daif, x0")
CASE(a_mrs_sctlr, "mrs x0, sctlr_el1")
CASE(a_msr_sctlr, "mov x0, #0; msr sctlr_el1, x0")
CASE(a_msr_ttbr0, "mov x0, #0; msr ttbr0_el1, x0")
CASE(a_msr_vbar, "mov x0, #0; msr vbar_el1, x0")
CASE(a_msr_tcr, "mov x0, #0; msr tcr_el1, x0")
CASE(a_msr_dbgbcr0, "mov x0, #1; msr dbgbcr0_el1, x0")
CASE(a_msr_dbgbvr0, "mov x0, #0; msr dbgbvr0_el1, x0")
CASE(a_msr_mdscr, "mov x0, #0; msr mdscr_el1, x0")
CASE(a_mrs_currentel, "mrs x0, currentel")
CASE(a_msr_spsel, "msr spsel, #1")
CASE(a_tlbi, "tlbi vmalle1")
CASE(a_tlbi_va, "mov x0, #0; tlbi vae1, x0")
CASE(a_at, "adrp x0, scratch; add x0, x0, :lo12:scratch; at s1e1r, x0")
CASE(a_dc_ivac, "adrp x0, scratch; add x0, x0, :lo12:scratch; dc ivac, x0")
CASE(a_dc_isw, "mov x0, #0; dc isw, x0")
CASE(a_ic_iallu, "ic iallu")
CASE(a_ic_ialluis, "ic ialluis")
CASE(a_eret, "eret")
CASE(a_hvc, "hvc #0")
CASE(a_smc, "smc #0")
CASE(a_brk, "brk #0")
CASE(a_udf, ".inst 0x00000000")
CASE(a_mrs_cntpct, "mrs x0, cntpct_el0")
CASE(a_mrs_cntp_ctl, "mrs x0, cntp_ctl_el0")
CASE(a_mrs_pmccntr, "mrs x0, pmccntr_el0")
/* What Linux lets EL0 do: SCTLR_EL1.UCI, UCT, DZE and CNTKCTL_EL1.EL0VCTEN. */
CASE(a_dc_cvau, "adrp x0, scratch; add x0, x0, :lo12:scratch; dc cvau, x0")
CASE(a_dc_civac, "adrp x0, scratch; add x0, x0, :lo12:scratch; dc civac, x0")
CASE(a_ic_ivau, "adrp x0, scratch; add x0, x0, :lo12:scratch; ic ivau, x0")
CASE(a_dc_zva, "adrp x0, zva_page; add x0, x0, :lo12:zva_page; dc zva, x0")
CASE(a_mrs_ctr, "mrs x0, ctr_el0")
CASE(a_mrs_dczid, "mrs x0, dczid_el0")
CASE(a_mrs_cntvct, "mrs x0, cntvct_el0")
CASE(a_mrs_cntfrq, "mrs x0, cntfrq_el0")
CASE(a_mrs_tpidr, "mrs x0, tpidr_el0")
CASE(a_misaligned_pc, "adr x0, 1f; add x0, x0, #2; br x0; 1: nop; nop")
CASE(a_ldxr_odd, "adrp x0, scratch; add x0, x0, :lo12:scratch; add x0, x0, #1; ldxr x1, [x0]")
CASE(a_ldaxr_odd, "adrp x0, scratch; add x0, x0, :lo12:scratch; add x0, x0, #4; ldaxr x1, [x0]")
#define X(f) { #f + 2, f }
static const struct { const char *name; void (*fn)(void); } cases[] = {
	X(a_msr_daif), X(a_msr_daif_reg), X(a_mrs_sctlr), X(a_msr_sctlr), X(a_msr_ttbr0),
	X(a_msr_vbar), X(a_msr_tcr), X(a_msr_dbgbcr0), X(a_msr_dbgbvr0), X(a_msr_mdscr),
	X(a_mrs_currentel), X(a_msr_spsel), X(a_tlbi), X(a_tlbi_va), X(a_at), X(a_dc_ivac),
	X(a_dc_isw), X(a_ic_iallu), X(a_ic_ialluis), X(a_eret), X(a_hvc), X(a_smc), X(a_brk),
	X(a_udf), X(a_mrs_cntpct), X(a_mrs_cntp_ctl), X(a_mrs_pmccntr), X(a_dc_cvau),
	X(a_dc_civac), X(a_ic_ivau), X(a_dc_zva), X(a_mrs_ctr), X(a_mrs_dczid),
	X(a_mrs_cntvct), X(a_mrs_cntfrq), X(a_mrs_tpidr), X(a_misaligned_pc), X(a_ldxr_odd),
	X(a_ldaxr_odd),
};

static int special(const char *what)
{
	return 2;
}

#elif defined(__riscv)
#define CLOBBERS "a0", "a1", "t0"
CASE(r_csrr_mstatus, "csrr a0, mstatus")
CASE(r_csrw_mstatus, "csrw mstatus, zero")
CASE(r_csrr_mhartid, "csrr a0, mhartid")
CASE(r_csrr_mtvec, "csrr a0, mtvec")
CASE(r_csrr_sstatus, "csrr a0, sstatus")
CASE(r_csrw_stvec, "csrw stvec, zero")
CASE(r_csrr_satp, "csrr a0, satp")
CASE(r_csrw_satp, "csrw satp, zero")
CASE(r_csrr_scause, "csrr a0, scause")
CASE(r_mret, "mret")
CASE(r_sret, "sret")
CASE(r_sfence_vma, "sfence.vma")
CASE(r_ebreak, ".option push; .option norvc; ebreak; .option pop")
CASE(r_c_ebreak, "c.ebreak")
CASE(r_c_unimp, ".2byte 0")
CASE(r_ill32, ".4byte 0xffffffff")
/* What Linux lets U-mode do. */
CASE(r_rdcycle, "rdcycle a0")
CASE(r_rdinstret, "rdinstret a0")
CASE(r_csrr_fcsr, "csrr a0, fcsr")
CASE(r_fence_i, "fence.i")
CASE(r_ld_odd, "lla a0, scratch; ld a1, 1(a0)")
CASE(r_sd_odd, "lla a0, scratch; sd a1, 3(a0)")
CASE(r_lr_odd, "lla a0, scratch; addi a0, a0, 4; lr.d a1, (a0)")
CASE(r_sc_odd, "lla a0, scratch; addi a0, a0, 4; sc.d a1, a1, (a0)")
CASE(r_amoadd_odd, "lla a0, scratch; addi a0, a0, 2; amoadd.w a1, a1, (a0)")
#define X(f) { #f + 2, f }
static const struct { const char *name; void (*fn)(void); } cases[] = {
	X(r_csrr_mstatus), X(r_csrw_mstatus), X(r_csrr_mhartid), X(r_csrr_mtvec),
	X(r_csrr_sstatus), X(r_csrw_stvec), X(r_csrr_satp), X(r_csrw_satp), X(r_csrr_scause),
	X(r_mret), X(r_sret), X(r_sfence_vma), X(r_ebreak), X(r_c_ebreak), X(r_c_unimp),
	X(r_ill32), X(r_rdcycle), X(r_rdinstret), X(r_csrr_fcsr), X(r_fence_i), X(r_ld_odd),
	X(r_sd_odd), X(r_lr_odd), X(r_sc_odd), X(r_amoadd_odd),
};

static int special(const char *what)
{
	return 2;
}
#endif

int main(int argc, char **argv)
{
	static const int sigs[] = { SIGSEGV, SIGILL, SIGBUS, SIGTRAP, SIGFPE };
	struct sigaction sa;

	if (argc > 1)
		return special(argv[1]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(cases[i].name, cases[i].fn);
	printf("done\n");
	return 0;
}
