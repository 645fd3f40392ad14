/* SPDX-License-Identifier: MIT */
/*
 * signal.c - the x86_64 rt_sigframe, as arch/x86/kernel/signal_64.c lays it out:
 *
 *   sp on entry ->  pretcode                    (the handler's return address: sa_restorer)
 *                   struct ucontext             uc_flags, uc_link, uc_stack,
 *                                               uc_mcontext (struct sigcontext), uc_sigmask
 *                   struct siginfo
 *                   ...
 *   fpstate     ->  fxsave area, 512 bytes, 64-byte aligned (sigcontext.fpstate points here)
 *                   ...
 *                   128-byte red zone below the interrupted sp
 *
 * The frame address is 16-byte aligned minus 8, as if the handler had been called.
 * Inside the syscall hook RIP still reads as the syscall instruction and Unicorn adds its
 * two bytes after the hook, also to a RIP written there: in_syscall takes care of both.
 */
#include <errno.h>
#include <endian.h>
#include <signal.h>
#include <string.h>

#include <unicorn/unicorn.h>

#include "arch/arch.h"
#include "arch/frame.h"

#define X86_SYSCALL_LEN 2

/* struct rt_sigframe */
#define F_PRETCODE   0
#define F_UC         8
#define F_INFO       312
#define F_SIZE       440
/* struct ucontext, from F_UC */
#define UC_FLAGS     0
#define UC_LINK      8
#define UC_STACK     16
#define UC_MCONTEXT  40
#define UC_SIGMASK   296
/* struct sigcontext: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags */
#define SC_NR_GREGS  18
#define SC_CS        144
#define SC_GS        146
#define SC_FS        148
#define SC_SS        150
#define SC_ERR       152
#define SC_TRAPNO    160
#define SC_OLDMASK   168
#define SC_CR2       176
#define SC_FPSTATE   184

#define FX_SIZE      512
#define REDZONE      128

#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4

#define USER_CS 0x33
#define USER_DS 0x2b

#define EFL_CF 0x1u
#define EFL_PF 0x4u
#define EFL_AF 0x10u
#define EFL_ZF 0x40u
#define EFL_SF 0x80u
#define EFL_TF 0x100u
#define EFL_DF 0x400u
#define EFL_OF 0x800u
#define EFL_RF 0x10000u
#define EFL_AC 0x40000u
/* What rt_sigreturn takes from the frame (FIX_EFLAGS). */
#define EFL_FIX (EFL_AC | EFL_OF | EFL_DF | EFL_TF | EFL_SF | EFL_ZF | EFL_AF | EFL_PF | \
		 EFL_CF | EFL_RF)

#define MXCSR_FEATURE_MASK 0xffffu

static const int x86_gregs[SC_NR_GREGS] = {
	UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11, UC_X86_REG_R12,
	UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15, UC_X86_REG_RDI, UC_X86_REG_RSI,
	UC_X86_REG_RBP, UC_X86_REG_RBX, UC_X86_REG_RDX, UC_X86_REG_RAX, UC_X86_REG_RCX,
	UC_X86_REG_RSP, UC_X86_REG_RIP, UC_X86_REG_EFLAGS,
};
#define G_RAX 13
#define G_RSP 15
#define G_RIP 16
#define G_EFL 17

/* The fxsave image of the FPU and SSE state. */
static void fx_save(struct uc_struct *uc, uint8_t *fx)
{
	uint64_t tag = rd(uc, UC_X86_REG_FPTAG);
	uint8_t ftw = 0;

	memset(fx, 0, FX_SIZE);
	put16(fx + 0, rd(uc, UC_X86_REG_FPCW));
	put16(fx + 2, rd(uc, UC_X86_REG_FPSW));
	for (unsigned i = 0; i < 8; i++) {
		if (((tag >> (2 * i)) & 3) != 3)
			ftw |= (uint8_t)(1u << i);
	}
	fx[4] = ftw;
	put32(fx + 24, rd(uc, UC_X86_REG_MXCSR));
	put32(fx + 28, MXCSR_FEATURE_MASK);
	for (unsigned i = 0; i < 8; i++) {
		uint8_t st[16] = { 0 };

		uc_reg_read(uc, UC_X86_REG_ST0 + (int)i, st);
		memcpy(fx + 32 + 16 * i, st, 10);
	}
	for (unsigned i = 0; i < 16; i++) {
		uint8_t x[32] = { 0 };

		uc_reg_read(uc, UC_X86_REG_XMM0 + (int)i, x);
		memcpy(fx + 160 + 16 * i, x, 16);
	}
}

static void fx_restore(struct uc_struct *uc, const uint8_t *fx)
{
	uint64_t tag = 0;

	wr(uc, UC_X86_REG_FPCW, get16(fx + 0));
	wr(uc, UC_X86_REG_FPSW, get16(fx + 2));
	for (unsigned i = 0; i < 8; i++) {
		if (!(fx[4] & (1u << i)))
			tag |= 3ull << (2 * i);
	}
	wr(uc, UC_X86_REG_FPTAG, tag);
	wr(uc, UC_X86_REG_MXCSR, get32(fx + 24));
	for (unsigned i = 0; i < 8; i++) {
		uint8_t st[16] = { 0 };

		memcpy(st, fx + 32 + 16 * i, 10);
		uc_reg_write(uc, UC_X86_REG_ST0 + (int)i, st);
	}
	for (unsigned i = 0; i < 16; i++) {
		uint8_t x[32] = { 0 };

		memcpy(x, fx + 160 + 16 * i, 16);
		uc_reg_write(uc, UC_X86_REG_XMM0 + (int)i, x);
	}
}

/* The FPU state a handler starts with: fpu__clear_user_states(). */
static void fx_init(struct uc_struct *uc)
{
	uint8_t fx[FX_SIZE] = { 0 };

	put16(fx + 0, 0x37f);
	put32(fx + 24, 0x1f80);
	fx_restore(uc, fx);
}

static int x86_64_deliver(struct uc_struct *uc, bool in_syscall, const struct arch_sigdeliver *d,
			  const struct arch_uaccess *ua)
{
	uint8_t f[F_SIZE], fx[FX_SIZE];
	uint8_t *uc_p = f + F_UC, *sc = uc_p + UC_MCONTEXT;
	uint64_t g[SC_NR_GREGS], sp, fxa, frame;
	bool nested, entering = false;

	/* x86-64 requires the restorer: there is no vDSO fallback. */
	if (!(d->sa_flags & SA_RESTORER_LINUX))
		return -EFAULT;
	for (unsigned i = 0; i < SC_NR_GREGS; i++)
		g[i] = rd(uc, x86_gregs[i]);
	if (in_syscall)
		g[G_RIP] += X86_SYSCALL_LEN;

	sp = g[G_RSP] - REDZONE;
	nested = arch_on_sig_stack(d->ss_sp, d->ss_size, sp);
	sp = arch_sigsp(d, sp, &entering);
	fxa = (sp - FX_SIZE) & ~UINT64_C(63);
	frame = ((fxa - F_SIZE) & ~UINT64_C(15)) - 8;
	if ((nested || entering) && !arch_on_sig_stack(d->ss_sp, d->ss_size, frame))
		return -EFAULT;

	memset(f, 0, sizeof(f));
	put64(f + F_PRETCODE, d->restorer);
	put64(uc_p + UC_FLAGS, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
	put64(uc_p + UC_LINK, 0);
	put64(uc_p + UC_STACK, d->ss_sp);
	put32(uc_p + UC_STACK + 8, d->ss_flags);
	put64(uc_p + UC_STACK + 16, d->ss_size);
	for (unsigned i = 0; i < SC_NR_GREGS; i++)
		put64(sc + 8 * i, g[i]);
	put16(sc + SC_CS, USER_CS);
	put16(sc + SC_GS, 0);
	put16(sc + SC_FS, 0);
	put16(sc + SC_SS, USER_DS);
	put64(sc + SC_ERR, d->fault_code);
	put64(sc + SC_TRAPNO, d->trapno);
	put64(sc + SC_OLDMASK, d->blocked);
	put64(sc + SC_CR2, d->fault_addr);
	put64(sc + SC_FPSTATE, fxa);
	put64(uc_p + UC_SIGMASK, d->blocked);
	if ((d->sa_flags & SA_SIGINFO_LINUX) && d->siginfo)
		memcpy(f + F_INFO, d->siginfo, ARCH_SIGINFO_SIZE);

	fx_save(uc, fx);
	if (ua->write(ua->ctx, fxa, fx, sizeof(fx)) || ua->write(ua->ctx, frame, f, sizeof(f)))
		return -EFAULT;

	wr(uc, UC_X86_REG_RDI, (uint64_t)d->signo);
	wr(uc, UC_X86_REG_RAX, 0);
	wr(uc, UC_X86_REG_RSI, frame + F_INFO);
	wr(uc, UC_X86_REG_RDX, frame + F_UC);
	wr(uc, UC_X86_REG_RSP, frame);
	wr(uc, UC_X86_REG_EFLAGS, g[G_EFL] & ~(uint64_t)(EFL_DF | EFL_RF | EFL_TF));
	wr(uc, UC_X86_REG_RIP, d->handler - (in_syscall ? X86_SYSCALL_LEN : 0));
	fx_init(uc);
	return 0;
}

/* rt_sigreturn: the handler's ret popped pretcode, so the frame is 8 bytes below sp. */
static int x86_64_sigreturn(struct uc_struct *uc, const struct arch_uaccess *ua,
			    struct arch_sigreturn *r)
{
	uint8_t f[F_SIZE], fx[FX_SIZE];
	const uint8_t *uc_p = f + F_UC, *sc = uc_p + UC_MCONTEXT;
	uint64_t frame = rd(uc, UC_X86_REG_RSP) - 8, fxa, efl;

	if (ua->read(ua->ctx, f, frame, sizeof(f)))
		return -EFAULT;
	/*
	 * The kernel's iret back to user mode faults on a selector that is not a user code
	 * segment, and on a bad SS when the frame asks for a strict restore (which the frames
	 * we build do); without UC_STRICT_RESTORE_SS it substitutes __USER_DS. The guest runs
	 * only with 0x33 and 0x2b (arch/x86_64/cpu.c), so any other is a bad frame: SIGSEGV.
	 */
	if ((get16(sc + SC_CS) | 3) != USER_CS)
		return -EFAULT;
	if ((get16(sc + SC_SS) | 3) != USER_DS && (get64(uc_p + UC_FLAGS) & UC_STRICT_RESTORE_SS))
		return -EFAULT;
	r->blocked = get64(uc_p + UC_SIGMASK);
	fxa = get64(sc + SC_FPSTATE);
	if (fxa) {
		if (fxa & 15)
			return -EFAULT;
		if (ua->read(ua->ctx, fx, fxa, sizeof(fx)))
			return -EFAULT;
		/* fxrstor would fault on reserved MXCSR bits: a bad frame. */
		if (get32(fx + 24) & ~MXCSR_FEATURE_MASK)
			return -EFAULT;
	}
	for (unsigned i = 0; i < SC_NR_GREGS; i++) {
		uint64_t v = get64(sc + 8 * i);

		switch (i) {
		case G_RIP:
			wr(uc, UC_X86_REG_RIP, v - X86_SYSCALL_LEN);
			break;
		case G_EFL:
			efl = (rd(uc, UC_X86_REG_EFLAGS) & ~(uint64_t)EFL_FIX) | (v & EFL_FIX);
			wr(uc, UC_X86_REG_EFLAGS, efl);
			break;
		default:
			wr(uc, x86_gregs[i], v);
			break;
		}
	}
	if (fxa)
		fx_restore(uc, fx);
	else
		fx_init(uc);
	r->ss_sp = get64(uc_p + UC_STACK);
	r->ss_flags = get32(uc_p + UC_STACK + 8);
	r->ss_size = get64(uc_p + UC_STACK + 16);
	r->ret = get64(sc + 8 * G_RAX);
	return 0;
}

/*
 * What arch/x86/kernel/traps.c does for each vector taken in user mode: the one table of
 * it (signal, siginfo, the report's words).
 */
static void x86_64_trap(uint32_t intno, uint64_t *pc, struct arch_trap *t)
{
	t->addr = 0;
	t->code = 0;
	t->trapno = intno;
	t->fatal = false;
	switch (intno) {
	case 0:		/* #DE */
		t->signo = SIGFPE;
		t->si_code = FPE_INTDIV_LINUX;
		t->addr = *pc;
		t->what = "divide error (#DE)";
		break;
	case 1:		/* #DB */
		t->signo = SIGTRAP;
		t->si_code = TRAP_BRKPT_LINUX;
		t->what = "debug trap (#DB)";
		break;
	case 3:		/* #BP: int3 is a trap, RIP is past it */
		t->signo = SIGTRAP;
		t->si_code = SI_KERNEL_LINUX;
		t->what = "breakpoint (#BP, int3)";
		break;
	case 6:		/* #UD */
	case ARCH_INTNO_INVALID_INSN:
		t->signo = SIGILL;
		t->si_code = ILL_ILLOPN_LINUX;
		t->addr = *pc;
		t->trapno = 6;
		t->what = "invalid opcode (#UD)";
		break;
	case 7:
		/*
		 * #NM: exc_device_not_available() clears a stray CR0.TS and carries on (the
		 * exception hook in cpu.c does that, and never stops); without TS it calls
		 * die("unexpected #NM exception"), which kills the task with SIGSEGV.
		 */
		t->signo = SIGSEGV;
		t->si_code = SI_KERNEL_LINUX;
		t->fatal = true;
		t->what = "device not available (#NM)";
		break;
	case 16:	/* #MF */
	case 19:	/* #XM */
		t->signo = SIGFPE;
		t->si_code = FPE_FLTINV_LINUX;
		t->addr = *pc;
		t->what = intno == 16 ? "x87 floating-point error (#MF)" :
			  "SIMD floating-point error (#XM)";
		break;
	case 17:	/* #AC */
		t->signo = SIGBUS;
		t->si_code = BUS_ADRALN_LINUX;
		t->what = "alignment check (#AC)";
		break;
	case ARCH_INTNO_HALT:
		t->signo = SIGSEGV;
		t->si_code = SI_KERNEL_LINUX;
		t->trapno = 13;
		t->what = "privileged instruction (it halts the CPU)";
		break;
	case ARCH_INTNO_TRAP_INSN:
		/* int1 (icebp): #DB, a trap, so RIP is past it. */
		t->signo = SIGTRAP;
		t->si_code = TRAP_BRKPT_LINUX;
		t->trapno = 1;
		t->what = "debug trap (int1)";
		*pc += 1;
		break;
	case 13:	/* #GP */
		t->signo = SIGSEGV;
		t->si_code = SI_KERNEL_LINUX;
		t->what = "general protection (#GP)";
		break;
	default:	/* int $n: #GP with the IDT entry in the error code */
		t->signo = SIGSEGV;
		t->si_code = SI_KERNEL_LINUX;
		t->trapno = 13;
		t->code = ((uint64_t)intno << 3) | 2;
		t->what = "software interrupt (int $n): general protection";
		break;
	}
}

const struct arch_signal x86_64_signal = {
	.minsigstksz = 2048,
	.fault_trapno = 14,       /* X86_TRAP_PF */
	.trampoline = NULL,
	.trampoline_len = 0,
	.deliver = x86_64_deliver,
	.sigreturn = x86_64_sigreturn,
	.trap = x86_64_trap,
};
