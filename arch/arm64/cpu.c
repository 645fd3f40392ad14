/* SPDX-License-Identifier: MIT */
/*
 * cpu.c - the AArch64 CPU as emu/ drives it: registers, the syscall ABI, exceptions and the
 * ESR_EL1 syndrome of an abort.
 *
 * Unicorn starts the CPU at EL1 with the MMU off; cpu_init() moves it to EL0 with the
 * controls Linux gives user space. emu/ translates through the TLB-fill hook, and FP/SIMD
 * works without touching CPACR_EL1.
 * Every exception, svc included, reaches one UC_HOOK_INTR callback, which sorts them.
 */
#include <elf.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>

#include <capstone/capstone.h>
#include <unicorn/unicorn.h>

#include "arch/arch.h"

/* QEMU's exception numbers (target/arm/cpu.h), as Unicorn reports them. */
#define ARM64_EXCP_UDEF           1
#define ARM64_EXCP_SWI            2
#define ARM64_EXCP_PREFETCH_ABORT 3
#define ARM64_EXCP_DATA_ABORT     4
#define ARM64_EXCP_BKPT           7
#define ARM64_EXCP_HVC            11
#define ARM64_EXCP_SMC            13
#define ARM64_EXCP_UNALIGNED      22

/* ESR_ELx fields. */
#define ARM64_ESR_EC_SHIFT        26
#define ARM64_ESR_EC_IABT_LOW     0x20u
#define ARM64_ESR_EC_DABT_LOW     0x24u
#define ARM64_ESR_IL              (1u << 25)
#define ARM64_ESR_WNR             (1u << 6)
#define ARM64_FSC_ADDR_SIZE       0x00u
#define ARM64_FSC_TRANSLATION     0x04u
#define ARM64_FSC_PERMISSION      0x0cu


/*
 * EL0, with the EL1 controls Linux leaves for user space. SCTLR_EL1: UCI (dc cvau, dc
 * civac, ic ivau), UCT (CTR_EL0), DZE (dc zva), nTWI and nTWE (wfi and wfe do not trap);
 * UMA stays clear, so EL0 cannot touch DAIF. CNTKCTL_EL1.EL0VCTEN lets EL0 read CNTVCT_EL0
 * and CNTFRQ_EL0, but not the physical counter or timers. SCTLR_EL1.M stays clear: the MMU
 * is ours (the TLB-fill hook), and QEMU's own walker must never run. Unicorn hands every
 * exception to the UC_HOOK_INTR hook before any delivery, so the CPU never enters EL1.
 */
#define ARM64_SCTLR_C       (1ull << 2)
#define ARM64_SCTLR_SA      (1ull << 3)
#define ARM64_SCTLR_SA0     (1ull << 4)
#define ARM64_SCTLR_I       (1ull << 12)
#define ARM64_SCTLR_DZE     (1ull << 14)
#define ARM64_SCTLR_UCT     (1ull << 15)
#define ARM64_SCTLR_nTWI    (1ull << 16)
#define ARM64_SCTLR_nTWE    (1ull << 18)
#define ARM64_SCTLR_SPAN    (1ull << 23)
#define ARM64_SCTLR_UCI     (1ull << 26)
#define ARM64_CNTKCTL_EL0VCTEN (1ull << 1)
#define ARM64_PSTATE_M      0xfu     /* M[3:0]: 0 is EL0t */
#define ARM64_PSTATE_DAIF   (0xfu << 6)

static int arm64_cpu_init(struct uc_struct *uc)
{
	uc_arm64_cp_reg sctlr = { .op0 = 3, .op1 = 0, .crn = 1, .crm = 0, .op2 = 0 };
	uc_arm64_cp_reg cntkctl = { .op0 = 3, .op1 = 0, .crn = 14, .crm = 1, .op2 = 0 };
	uint32_t pstate;
	uc_err err;

	err = uc_reg_read(uc, UC_ARM64_REG_PSTATE, &pstate);
	if (err)
		return err;
	pstate &= ~(ARM64_PSTATE_M | ARM64_PSTATE_DAIF);
	err = uc_reg_write(uc, UC_ARM64_REG_PSTATE, &pstate);
	if (err)
		return err;
	sctlr.val = ARM64_SCTLR_C | ARM64_SCTLR_SA | ARM64_SCTLR_SA0 | ARM64_SCTLR_I |
		    ARM64_SCTLR_DZE | ARM64_SCTLR_UCT | ARM64_SCTLR_nTWI | ARM64_SCTLR_nTWE |
		    ARM64_SCTLR_SPAN | ARM64_SCTLR_UCI;
	cntkctl.val = ARM64_CNTKCTL_EL0VCTEN;
	/* Writing a system register also rebuilds the cached flags, EL0 included. */
	err = uc_reg_write(uc, UC_ARM64_REG_CP_REG, &sctlr);
	if (!err)
		err = uc_reg_write(uc, UC_ARM64_REG_CP_REG, &cntkctl);
	if (!err)
		err = uc_reg_read(uc, UC_ARM64_REG_PSTATE, &pstate);
	if (!err && (pstate & ARM64_PSTATE_M))
		err = UC_ERR_ARG;
	return err;
}

static int arm64_set_tls(struct uc_struct *uc, uint64_t tp)
{
	return uc_reg_write(uc, UC_ARM64_REG_TPIDR_EL0, &tp);
}

static int arm64_get_tls(struct uc_struct *uc, uint64_t *tp)
{
	return uc_reg_read(uc, UC_ARM64_REG_TPIDR_EL0, tp);
}

/* svc arrives as an exception like any other: send it to the syscall hook. */
static void arm64_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct arch_cpu_hooks *hooks = user;

	if (intno == ARM64_EXCP_SWI)
		hooks->syscall(uc, hooks->user);
	else
		hooks->exception(uc, intno, hooks->user);
}

static int arm64_hook_install(struct uc_struct *uc, struct arch_cpu_hooks *hooks)
{
	uc_hook hh;

	return uc_hook_add(uc, &hh, UC_HOOK_INTR, (void *)arm64_intr, hooks, 1, 0);
}

static int arm64_set_pc_in_syscall(struct uc_struct *uc, uint64_t pc)
{
	return uc_reg_write(uc, UC_ARM64_REG_PC, &pc);
}

/*
 * ESR_EL1 for an abort taken from EL0: EC says data or instruction, the fault status code
 * says which kind of fault at which level, WnR says a data abort was a write.
 */
static uint64_t arm64_fault_code(const struct arch_walk *w, mm_access_t access)
{
	unsigned level = w->fault_level >= 0 ? (unsigned)w->fault_level :
			 w->nr_levels ? w->nr_levels - 1 : 0;
	uint64_t ec = access == MM_PROT_EXEC ? ARM64_ESR_EC_IABT_LOW : ARM64_ESR_EC_DABT_LOW;
	uint64_t fsc;

	switch (w->result) {
	case ARCH_WALK_PROT:
		fsc = ARM64_FSC_PERMISSION;
		break;
	case ARCH_WALK_BAD_TABLE:
		fsc = ARM64_FSC_ADDR_SIZE;
		break;
	default:
		fsc = ARM64_FSC_TRANSLATION;
		break;
	}
	fsc |= level & 3;
	if (access == MM_PROT_WRITE)
		fsc |= ARM64_ESR_WNR;
	return ec << ARM64_ESR_EC_SHIFT | ARM64_ESR_IL | fsc;
}

static void arm64_describe_fault_code(uint64_t esr, char *buf, size_t len)
{
	unsigned ec = (unsigned)(esr >> ARM64_ESR_EC_SHIFT) & 0x3f;
	unsigned fsc = (unsigned)esr & 0x3f;
	const char *kind;

	switch (fsc & ~3u) {
	case ARM64_FSC_TRANSLATION:
		kind = "translation fault";
		break;
	case ARM64_FSC_PERMISSION:
		kind = "permission fault";
		break;
	case ARM64_FSC_ADDR_SIZE:
		kind = "address size fault";
		break;
	default:
		kind = "fault";
		break;
	}
	snprintf(buf, len, "ESR_EL1 0x%08" PRIx64 ": EC 0x%02x (%s from EL0), %s%s 0x%02x (%s, level %u)",
		 esr, ec, ec == ARM64_ESR_EC_IABT_LOW ? "instruction abort" : "data abort",
		 ec == ARM64_ESR_EC_DABT_LOW ? (esr & ARM64_ESR_WNR ? "WnR=1 (write), " :
						"WnR=0 (read), ") : "",
		 ec == ARM64_ESR_EC_IABT_LOW ? "IFSC" : "DFSC", fsc, kind, fsc & 3);
}

static int arm64_uc_reg(unsigned r)
{
	if (r >= ARM64_REG_X0 && r <= ARM64_REG_X28)
		return UC_ARM64_REG_X0 + (int)(r - ARM64_REG_X0);
	if (r >= ARM64_REG_W0 && r <= ARM64_REG_W30)
		return UC_ARM64_REG_W0 + (int)(r - ARM64_REG_W0);
	switch (r) {
	case ARM64_REG_X29:
		return UC_ARM64_REG_X29;
	case ARM64_REG_X30:
		return UC_ARM64_REG_X30;
	case ARM64_REG_SP:
		return UC_ARM64_REG_SP;
	case ARM64_REG_WSP:
		return UC_ARM64_REG_WSP;
	default:
		return -1;
	}
}

static bool arm64_read_reg(struct uc_struct *uc, unsigned r, uint64_t *v)
{
	int reg;

	*v = 0;
	if (r == ARM64_REG_XZR || r == ARM64_REG_WZR)
		return true;
	reg = arm64_uc_reg(r);
	return reg >= 0 && uc_reg_read(uc, reg, v) == UC_ERR_OK;
}

/*
 * base + extended and shifted index + offset. A post-indexed access goes to the base; its
 * offset is a separate immediate operand, so the memory operand alone gives the address.
 */
static bool arm64_fault_addr(struct uc_struct *uc, const void *cs_insn_p, uint64_t page,
			     uint64_t size, uint64_t *addr)
{
	const cs_insn *insn = cs_insn_p;
	const cs_arm64 *d;

	if (!insn->detail)
		return false;
	d = &insn->detail->arm64;
	for (unsigned i = 0; i < d->op_count; i++) {
		const cs_arm64_op *op = &d->operands[i];
		uint64_t base, index = 0, a;

		if (op->type != ARM64_OP_MEM)
			continue;
		if (!arm64_read_reg(uc, op->mem.base, &base))
			return false;
		if (op->mem.index != ARM64_REG_INVALID) {
			if (!arm64_read_reg(uc, op->mem.index, &index))
				return false;
			if (op->ext == ARM64_EXT_UXTW)
				index = (uint32_t)index;
			else if (op->ext == ARM64_EXT_SXTW)
				index = (uint64_t)(int64_t)(int32_t)index;
			if (op->shift.type == ARM64_SFT_LSL && op->shift.value < 64)
				index <<= op->shift.value;
		}
		a = base + index + (uint64_t)(int64_t)op->mem.disp;
		if (a - page < size) {
			*addr = a;
			return true;
		}
	}
	return false;
}

const struct arch_cpu arm64_cpu = {
	.elf_machine = EM_AARCH64,
	.uname_machine = "aarch64",
	.platform = "aarch64",
	.et_dyn_base = 0xaaaaaaaa0000ull,
	.uc_arch = UC_ARCH_ARM64,
	.uc_mode = UC_MODE_ARM,
	.cs_arch = CS_ARCH_ARM64,
	.cs_mode = CS_MODE_ARM,
	.reg_pc = UC_ARM64_REG_PC,
	.reg_sp = UC_ARM64_REG_SP,
	.reg_sysno = UC_ARM64_REG_X8,
	.reg_args = { UC_ARM64_REG_X0, UC_ARM64_REG_X1, UC_ARM64_REG_X2, UC_ARM64_REG_X3,
		      UC_ARM64_REG_X4, UC_ARM64_REG_X5 },
	.reg_ret = UC_ARM64_REG_X0,
	/* HWCAP_FP | HWCAP_ASIMD: what every ARMv8-A core has, Unicorn's Cortex-A72 included. */
	.hwcap = 0x3,
	.hwcap2 = 0,
	.halt_signal = 0,
	.halt_insn_len = 4,
	.abi = &arch_generic_abi,
	/* arch/arm64/include/uapi/asm/fcntl.h */
	.oflags = { .direct = 0200000, .largefile = 0400000, .directory = 040000, .nofollow = 0100000 },
	.cpu_init = arm64_cpu_init,
	.set_tls = arm64_set_tls,
	.get_tls = arm64_get_tls,
	.hook_install = arm64_hook_install,
	.set_pc_in_syscall = arm64_set_pc_in_syscall,
	.fault_code = arm64_fault_code,
	.describe_fault_code = arm64_describe_fault_code,
	.fault_addr = arm64_fault_addr,
	.signal = &arm64_signal,
};
