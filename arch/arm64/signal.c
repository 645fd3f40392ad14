/* SPDX-License-Identifier: MIT */
/*
 * signal.c - the arm64 rt_sigframe, as arch/arm64/kernel/signal.c lays it out:
 *
 *   sp on entry ->  struct siginfo
 *                   struct ucontext   uc_flags, uc_link, uc_stack, uc_sigmask (+ padding to
 *                                     glibc's 1024-bit set), uc_mcontext = struct sigcontext
 *                                     { fault_address, regs[31], sp, pc, pstate,
 *                                       __reserved[4096]: fpsimd_context, esr_context (after
 *                                       a fault), a null terminator }
 *   x29         ->  frame record { fp, lr }, 16-byte aligned, below the interrupted sp
 *
 * The handler returns through x30: sa_restorer with SA_RESTORER, else the kernel's vDSO
 * sigreturn trampoline; mmuemu has no vDSO, so emu/ maps the page below (mov x8, #139;
 * svc #0) and passes its address as the restorer.
 *
 * Unicorn runs the guest at EL1: the pstate in the frame is the EL0t one Linux would show
 * (NZCV, mode 0); rt_sigreturn validates it as valid_user_regs() does and restores NZCV.
 */
#include <errno.h>
#include <endian.h>
#include <signal.h>
#include <string.h>

#include <unicorn/unicorn.h>

#include "arch/arch.h"
#include "arch/frame.h"

/* struct rt_sigframe */
#define F_INFO        0
#define F_UC          128
#define F_SIZE        4688
/* struct ucontext, from F_UC */
#define UC_FLAGS      0
#define UC_LINK       8
#define UC_STACK      16
#define UC_SIGMASK    40
#define UC_MCONTEXT   176
/* struct sigcontext, from UC_MCONTEXT */
#define SC_FAULT      0
#define SC_REGS       8
#define SC_SP         256
#define SC_PC         264
#define SC_PSTATE     272
#define SC_RESERVED   288
#define SC_RESERVED_SIZE 4096

#define FPSIMD_MAGIC  0x46508001u
#define FPSIMD_SIZE   528
#define ESR_MAGIC     0x45535201u
#define ESR_SIZE      16

#define PSR_NZCV      0xf0000000ull
#define PSR_MODE_MASK 0x0000000full
#define PSR_MODE32    0x00000010ull
#define PSR_DAIF      0x000003c0ull

#define ESR_IL        (1u << 25)
#define ESR_EC_SHIFT  26
#define ESR_EC_BRK64  0x3cu

static int xreg(unsigned i)
{
	if (i == 29)
		return UC_ARM64_REG_X29;
	if (i == 30)
		return UC_ARM64_REG_X30;
	return UC_ARM64_REG_X0 + (int)i;
}

static int arm64_deliver(struct uc_struct *uc, bool in_syscall, const struct arch_sigdeliver *d,
			 const struct arch_uaccess *ua)
{
	static uint8_t f[F_SIZE];
	uint8_t *uc_p = f + F_UC, *sc = uc_p + UC_MCONTEXT, *rec = sc + SC_RESERVED;
	uint64_t sp0 = rd(uc, UC_ARM64_REG_SP), sp, frame, record[2];
	bool entering;

	sp = arch_sigsp(d, sp0, &entering);
	sp = (sp - 16) & ~UINT64_C(15);
	frame = sp - F_SIZE;

	memset(f, 0, sizeof(f));
	if ((d->sa_flags & SA_SIGINFO_LINUX) && d->siginfo)
		memcpy(f + F_INFO, d->siginfo, ARCH_SIGINFO_SIZE);
	put64(uc_p + UC_FLAGS, 0);
	put64(uc_p + UC_LINK, 0);
	put64(uc_p + UC_STACK, d->ss_sp);
	put32(uc_p + UC_STACK + 8, d->ss_flags);
	put64(uc_p + UC_STACK + 16, d->ss_size);
	put64(uc_p + UC_SIGMASK, d->blocked);
	put64(sc + SC_FAULT, d->fault_addr);
	for (unsigned i = 0; i < 31; i++)
		put64(sc + SC_REGS + 8 * i, rd(uc, xreg(i)));
	put64(sc + SC_SP, sp0);
	put64(sc + SC_PC, rd(uc, UC_ARM64_REG_PC));
	put64(sc + SC_PSTATE, rd(uc, UC_ARM64_REG_NZCV) & PSR_NZCV);

	/* fpsimd_context: head, fpsr, fpcr, vregs[32] at 16-byte alignment. */
	put32(rec + 0, FPSIMD_MAGIC);
	put32(rec + 4, FPSIMD_SIZE);
	put32(rec + 8, rd(uc, UC_ARM64_REG_FPSR));
	put32(rec + 12, rd(uc, UC_ARM64_REG_FPCR));
	for (unsigned i = 0; i < 32; i++) {
		uint8_t v[32] = { 0 };

		uc_reg_read(uc, UC_ARM64_REG_V0 + (int)i, v);
		memcpy(rec + 16 + 16 * i, v, 16);
	}
	rec += FPSIMD_SIZE;
	if (d->fault_code) {
		put32(rec + 0, ESR_MAGIC);
		put32(rec + 4, ESR_SIZE);
		put64(rec + 8, d->fault_code);
		rec += ESR_SIZE;
	}
	/* the null terminator: already zero */

	record[0] = htole64(rd(uc, UC_ARM64_REG_X29));
	record[1] = htole64(rd(uc, UC_ARM64_REG_X30));
	if (ua->write(ua->ctx, sp, record, sizeof(record)) ||
	    ua->write(ua->ctx, frame, f, sizeof(f)))
		return -EFAULT;

	wr(uc, UC_ARM64_REG_X0, (uint64_t)d->signo);
	if (d->sa_flags & SA_SIGINFO_LINUX) {
		wr(uc, UC_ARM64_REG_X1, frame + F_INFO);
		wr(uc, UC_ARM64_REG_X2, frame + F_UC);
	}
	wr(uc, UC_ARM64_REG_SP, frame);
	wr(uc, UC_ARM64_REG_X29, sp);
	wr(uc, UC_ARM64_REG_X30, d->restorer);
	wr(uc, UC_ARM64_REG_PC, d->handler);
	return 0;
}

/*
 * The records in __reserved: an fpsimd_context is required, an esr_context is skipped,
 * anything else is a bad frame (no SVE, ZA or extra context here).
 */
static const uint8_t *parse_records(const uint8_t *res)
{
	const uint8_t *fpsimd = NULL;
	uint32_t off = 0;

	for (;;) {
		uint32_t magic, size;

		if (SC_RESERVED_SIZE - off < 8)
			return NULL;
		magic = get32(res + off);
		size = get32(res + off + 4);
		if (magic == 0)
			return size == 0 ? fpsimd : NULL;
		if (size < 8 || size > SC_RESERVED_SIZE - off)
			return NULL;
		switch (magic) {
		case FPSIMD_MAGIC:
			if (fpsimd || size != FPSIMD_SIZE)
				return NULL;
			fpsimd = res + off;
			break;
		case ESR_MAGIC:
			break;
		default:
			return NULL;
		}
		off += size;
	}
}

static int arm64_sigreturn(struct uc_struct *uc, const struct arch_uaccess *ua,
			   struct arch_sigreturn *r)
{
	static uint8_t f[F_SIZE];
	const uint8_t *uc_p = f + F_UC, *sc = uc_p + UC_MCONTEXT, *fp;
	uint64_t frame = rd(uc, UC_ARM64_REG_SP), pstate;

	if (frame & 15)
		return -EFAULT;
	if (ua->read(ua->ctx, f, frame, sizeof(f)))
		return -EFAULT;
	r->blocked = get64(uc_p + UC_SIGMASK);
	pstate = get64(sc + SC_PSTATE);
	if (pstate & (PSR_MODE_MASK | PSR_MODE32 | PSR_DAIF))
		return -EFAULT;
	fp = parse_records(sc + SC_RESERVED);
	if (!fp)
		return -EFAULT;
	for (unsigned i = 0; i < 31; i++)
		wr(uc, xreg(i), get64(sc + SC_REGS + 8 * i));
	wr(uc, UC_ARM64_REG_SP, get64(sc + SC_SP));
	wr(uc, UC_ARM64_REG_PC, get64(sc + SC_PC));
	wr(uc, UC_ARM64_REG_NZCV, pstate & PSR_NZCV);
	wr(uc, UC_ARM64_REG_FPSR, get32(fp + 8));
	wr(uc, UC_ARM64_REG_FPCR, get32(fp + 12));
	for (unsigned i = 0; i < 32; i++) {
		uint8_t v[32] = { 0 };

		memcpy(v, fp + 16 + 16 * i, 16);
		uc_reg_write(uc, UC_ARM64_REG_V0 + (int)i, v);
	}
	r->ss_sp = get64(uc_p + UC_STACK);
	r->ss_flags = get32(uc_p + UC_STACK + 8);
	r->ss_size = get64(uc_p + UC_STACK + 16);
	r->ret = get64(sc + SC_REGS);
	return 0;
}

/*
 * QEMU's exception numbers, as arch/arm64/cpu.c names them: what Linux's
 * arch/arm64/kernel/traps.c and fault.c do for each, the one table of it.
 */
static void arm64_trap(uint32_t intno, uint64_t *pc, struct arch_trap *t)
{
	t->trapno = 0;
	t->addr = *pc;
	t->code = ESR_IL;
	t->fatal = false;
	switch (intno) {
	case 7:		/* brk */
		t->signo = SIGTRAP;
		t->si_code = TRAP_BRKPT_LINUX;
		t->code = (uint64_t)ESR_EC_BRK64 << ESR_EC_SHIFT | ESR_IL;
		t->what = "breakpoint (brk)";
		break;
	case 22:	/* alignment */
		t->signo = SIGBUS;
		t->si_code = BUS_ADRALN_LINUX;
		t->what = "alignment fault";
		break;
	case 4:
		/*
		 * Translation and permission faults come through the fill hook, never here: a
		 * data abort raised by the CPU itself is an alignment fault (an exclusive or
		 * acquire/release access at a misaligned address).
		 */
		t->signo = SIGBUS;
		t->si_code = BUS_ADRALN_LINUX;
		t->what = "alignment fault (data abort)";
		break;
	case 3:		/* an instruction abort the fill hook did not see */
		t->signo = SIGSEGV;
		t->si_code = SEGV_MAPERR_LINUX;
		t->what = "instruction abort";
		break;
	case 1:
		/*
		 * Unicorn does not check PC alignment: a branch to a misaligned address decodes
		 * the word there, and it is undefined as a rule. Linux raises a PC alignment
		 * fault: SIGBUS, BUS_ADRALN at the PC.
		 */
		if (*pc & 3) {
			t->signo = SIGBUS;
			t->si_code = BUS_ADRALN_LINUX;
			t->what = "PC alignment fault";
			break;
		}
		/* fall through */
	default:	/* undefined instruction, hvc, smc, an undecodable one */
		t->signo = SIGILL;
		t->si_code = ILL_ILLOPC_LINUX;
		t->what = "undefined instruction";
		break;
	}
}

/* mov x8, #139 (__NR_rt_sigreturn); svc #0 */
static const uint8_t arm64_sigtramp[] = {
	0x68, 0x11, 0x80, 0xd2,
	0x01, 0x00, 0x00, 0xd4,
};

const struct arch_signal arm64_signal = {
	.minsigstksz = 5120,
	.fault_trapno = 0,        /* no trap numbers on arm64 */
	.trampoline = arm64_sigtramp,
	.trampoline_len = sizeof(arm64_sigtramp),
	.deliver = arm64_deliver,
	.sigreturn = arm64_sigreturn,
	.trap = arm64_trap,
};
