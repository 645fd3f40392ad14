/* SPDX-License-Identifier: MIT */
/*
 * signal.c - the riscv64 rt_sigframe, as arch/riscv/kernel/signal.c lays it out:
 *
 *   sp on entry ->  struct siginfo (128)
 *                   struct ucontext   uc_flags, uc_link, uc_stack, uc_sigmask (+ padding to
 *                                     glibc's 1024-bit set), and at 176, 16-byte aligned,
 *                                     uc_mcontext = struct sigcontext {
 *                                       sc_regs: pc, then x1..x31 (256 bytes);
 *                                       sc_fpregs: the D state, f0..f31 and fcsr, in a
 *                                       528-byte union whose last 12 bytes (q_ext.reserved,
 *                                       where Linux 6.5+ puts the end of its extension
 *                                       headers) are zero here and must be zero on return }
 *   1088 bytes in all, below the interrupted sp (or the top of the alternate stack),
 *   16-byte aligned; no red zone.
 *
 * The handler gets a0 = signo, a1 = &info, a2 = &uc whatever SA_SIGINFO says, and returns
 * through ra to the vDSO's __vdso_rt_sigreturn (li a7, 139; ecall). Linux riscv has no
 * SA_RESTORER; mmuemu has no vDSO, so emu/ maps its trampoline page and passes it as the
 * restorer. There is no fault address or cause in the riscv frame.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include <unicorn/unicorn.h>

#include "arch/frame.h"
#include "arch/riscv64/riscv64.h"

/* struct rt_sigframe */
#define F_INFO        0
#define F_UC          128
#define F_SIZE        1088
/* struct ucontext, from F_UC */
#define UC_FLAGS      0
#define UC_LINK       8
#define UC_STACK      16
#define UC_SIGMASK    40
#define UC_MCONTEXT   176
/* struct sigcontext, from UC_MCONTEXT */
#define SC_REGS       0             /* pc, x1 .. x31 */
#define SC_FP         256           /* f[32], fcsr */
#define SC_FCSR       (SC_FP + 256)
#define SC_FP_RESERVED (SC_FP + 516)  /* q_ext.reserved[3] */

static int riscv64_deliver(struct uc_struct *uc, bool in_syscall, const struct arch_sigdeliver *d,
			   const struct arch_uaccess *ua)
{
	static uint8_t f[F_SIZE];
	uint8_t *uc_p = f + F_UC, *sc = uc_p + UC_MCONTEXT;
	uint64_t sp0 = rd(uc, UC_RISCV_REG_SP), sp, frame;
	bool entering;

	/* get_sigframe(): a frame that would overflow the alternate stack is a bad frame. */
	if (arch_on_sig_stack(d->ss_sp, d->ss_size, sp0) &&
	    !arch_on_sig_stack(d->ss_sp, d->ss_size, sp0 - F_SIZE))
		return -EFAULT;
	sp = arch_sigsp(d, sp0, &entering);
	frame = (sp - F_SIZE) & ~UINT64_C(15);

	memset(f, 0, sizeof(f));
	if (d->siginfo)
		memcpy(f + F_INFO, d->siginfo, ARCH_SIGINFO_SIZE);
	put64(uc_p + UC_FLAGS, 0);
	put64(uc_p + UC_LINK, 0);
	put64(uc_p + UC_STACK, d->ss_sp);
	put32(uc_p + UC_STACK + 8, d->ss_flags);
	put64(uc_p + UC_STACK + 16, d->ss_size);
	put64(uc_p + UC_SIGMASK, d->blocked);
	put64(sc + SC_REGS, rd(uc, UC_RISCV_REG_PC));
	for (unsigned i = 1; i < 32; i++)
		put64(sc + SC_REGS + 8 * i, rd(uc, UC_RISCV_REG_X0 + (int)i));
	for (unsigned i = 0; i < 32; i++)
		put64(sc + SC_FP + 8 * i, rd(uc, UC_RISCV_REG_F0 + (int)i));
	put32(sc + SC_FCSR, rd(uc, UC_RISCV_REG_FCSR));

	if (ua->write(ua->ctx, frame, f, sizeof(f)))
		return -EFAULT;

	wr(uc, UC_RISCV_REG_A0, (uint64_t)d->signo);
	wr(uc, UC_RISCV_REG_A1, frame + F_INFO);
	wr(uc, UC_RISCV_REG_A2, frame + F_UC);
	wr(uc, UC_RISCV_REG_SP, frame);
	wr(uc, UC_RISCV_REG_RA, d->restorer);
	wr(uc, UC_RISCV_REG_PC, d->handler);
	return 0;
}

static int riscv64_sigreturn(struct uc_struct *uc, const struct arch_uaccess *ua,
			     struct arch_sigreturn *r)
{
	static uint8_t f[F_SIZE];
	const uint8_t *uc_p = f + F_UC, *sc = uc_p + UC_MCONTEXT;
	uint64_t frame = rd(uc, UC_RISCV_REG_SP);

	if (ua->read(ua->ctx, f, frame, sizeof(f)))
		return -EFAULT;
	/* No extension state is known: what follows the D state must be zero. */
	for (unsigned i = 0; i < 12; i++) {
		if (sc[SC_FP_RESERVED + i])
			return -EFAULT;
	}
	r->blocked = get64(uc_p + UC_SIGMASK);
	wr(uc, UC_RISCV_REG_PC, get64(sc + SC_REGS));
	for (unsigned i = 1; i < 32; i++)
		wr(uc, UC_RISCV_REG_X0 + (int)i, get64(sc + SC_REGS + 8 * i));
	for (unsigned i = 0; i < 32; i++)
		wr(uc, UC_RISCV_REG_F0 + (int)i, get64(sc + SC_FP + 8 * i));
	wr(uc, UC_RISCV_REG_FCSR, get32(sc + SC_FCSR));
	r->ss_sp = get64(uc_p + UC_STACK);
	r->ss_flags = get32(uc_p + UC_STACK + 8);
	r->ss_size = get64(uc_p + UC_STACK + 16);
	r->ret = get64(sc + SC_REGS + 8 * 10);	/* a0 */
	return 0;
}

/*
 * The causes as arch/riscv64/cpu.c names them: what Linux's arch/riscv/kernel/traps.c
 * sends a user-mode task for each, the one table of it. The interrupt hook left the PC 4
 * bytes past the instruction, so it steps back. si_addr is the instruction (regs->epc) for
 * all of them, misaligned accesses included, as do_trap_error() reports it. Page faults
 * come through the fill hook, never here.
 */
static void riscv64_trap(uint32_t intno, uint64_t *pc, struct arch_trap *t)
{
	if (intno != ARCH_INTNO_INVALID_INSN && intno != ARCH_INTNO_TRAP_INSN &&
	    intno != ARCH_INTNO_HALT)
		*pc -= RV_INTR_PC_ADVANCE;
	t->trapno = 0;
	t->addr = *pc;
	t->code = intno;
	t->fatal = false;
	switch (intno) {
	case RV_EXCP_BREAKPOINT:
		t->signo = SIGTRAP;
		t->si_code = TRAP_BRKPT_LINUX;
		t->what = "breakpoint (ebreak)";
		break;
	case RV_EXCP_INST_ADDR_MIS:
		t->signo = SIGBUS;
		t->si_code = BUS_ADRALN_LINUX;
		t->what = "instruction address misaligned";
		break;
	case RV_EXCP_LOAD_ADDR_MIS:
		t->signo = SIGBUS;
		t->si_code = BUS_ADRALN_LINUX;
		t->what = "load address misaligned";
		break;
	case RV_EXCP_STORE_ADDR_MIS:
		t->signo = SIGBUS;
		t->si_code = BUS_ADRALN_LINUX;
		t->what = "store/AMO address misaligned";
		break;
	case RV_EXCP_INST_ACCESS:
		t->signo = SIGSEGV;
		t->si_code = SEGV_ACCERR_LINUX;
		t->what = "instruction access fault";
		break;
	case RV_EXCP_LOAD_ACCESS:
		t->signo = SIGSEGV;
		t->si_code = SEGV_ACCERR_LINUX;
		t->what = "load access fault";
		break;
	case RV_EXCP_STORE_ACCESS:
		t->signo = SIGSEGV;
		t->si_code = SEGV_ACCERR_LINUX;
		t->what = "store/AMO access fault";
		break;
	case RV_EXCP_INST_PAGE:
	case RV_EXCP_LOAD_PAGE:
	case RV_EXCP_STORE_PAGE:
		t->signo = SIGSEGV;
		t->si_code = SEGV_MAPERR_LINUX;
		t->what = "page fault";
		break;
	default:	/* illegal instruction, and anything unexpected */
		t->signo = SIGILL;
		t->si_code = ILL_ILLOPC_LINUX;
		t->code = RV_EXCP_ILLEGAL_INST;
		t->what = "illegal instruction";
		break;
	}
}

/* __vdso_rt_sigreturn: li a7, 139 (__NR_rt_sigreturn); ecall */
static const uint8_t riscv64_sigtramp[] = {
	0x93, 0x08, 0xb0, 0x08,
	0x73, 0x00, 0x00, 0x00,
};

const struct arch_signal riscv64_signal = {
	.minsigstksz = 2048,
	.fault_trapno = 0,        /* no trap numbers on riscv */
	.trampoline = riscv64_sigtramp,
	.trampoline_len = sizeof(riscv64_sigtramp),
	.deliver = riscv64_deliver,
	.sigreturn = riscv64_sigreturn,
	.trap = riscv64_trap,
};
