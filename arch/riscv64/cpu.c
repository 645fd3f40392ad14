/* SPDX-License-Identifier: MIT */
/*
 * cpu.c - the RV64GC CPU as emu/ drives it: registers, the ecall ABI, exceptions and the
 * scause of a page fault.
 *
 * Unicorn starts the hart in M-mode. cpu_init() moves it to U-mode the only way Unicorn
 * 2.1.1 allows (it has no privilege register): mstatus.MPP = U and mret, run from a scratch
 * page outside guest memory under a fill hook of its own. mstatus.FS is set to Initial
 * first, as Linux's start_thread() does, because once in U-mode uc_reg_read() and
 * uc_reg_write() of an M- or S-mode CSR fail the privilege check inside QEMU and do nothing
 * (a read returns no value). See docs/ENGINE.md, "riscv64".
 *
 * Every exception reaches one UC_HOOK_INTR callback, with the PC already 4 bytes past the
 * instruction (Unicorn adds 4 for every RISC-V exception, even after a 2-byte one): ecall
 * (cause 8 whatever the mode) is a syscall and the PC is right; anything else goes to
 * emu/, whose trap() steps back. ebreak and c.ebreak reach the hook only through an
 * UC_HOOK_INSN_INVALID hook (see riscv64_insn_invalid()); without one Unicorn stops with
 * UC_ERR_INSN_INVALID. An illegal instruction arrives as cause 2.
 */
#include <elf.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <capstone/capstone.h>
#include <unicorn/unicorn.h>

#include "arch/riscv64/pgtable.h"
#include "arch/riscv64/riscv64.h"

#define RV_MSTATUS_MPP_MASK  (UINT64_C(3) << 11)
#define RV_MSTATUS_FS_INITIAL (UINT64_C(1) << 13)
#define RV_STUB_PHYS         (UINT64_C(1) << 44)
#define RV_STUB_VIRT         UINT64_C(0xffffffffff5ff000)
#define RV_STUB_SIZE         0x1000u

static bool riscv64_stub_fill(uc_engine *uc, uint64_t vaddr, uc_mem_type type,
			      uc_tlb_entry *e, void *user)
{
	if (vaddr != RV_STUB_VIRT || type != UC_MEM_FETCH)
		return false;
	e->paddr = RV_STUB_PHYS;
	e->perms = UC_PROT_READ | UC_PROT_EXEC;
	return true;
}

struct riscv64_stub_stop {
	uint32_t intno;
	uint64_t pc;
};

static void riscv64_stub_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct riscv64_stub_stop *s = user;

	s->intno = intno;
	uc_reg_read(uc, UC_RISCV_REG_PC, &s->pc);
	uc_emu_stop(uc);
}

/*
 * mret with MPP = U from the stub page; the next instruction, csrr mstatus, must then be
 * an illegal instruction, which proves the hart is in U-mode.
 */
static int riscv64_cpu_init(struct uc_struct *uc)
{
	static uint8_t stub[RV_STUB_SIZE] __attribute__((aligned(4096)));
	static const uint8_t code[] = {
		0x73, 0x00, 0x20, 0x30,	/* mret */
		0x73, 0x25, 0x00, 0x30,	/* csrr a0, mstatus: illegal in U-mode */
	};
	struct riscv64_stub_stop stop = { UINT32_MAX, 0 };
	uint64_t mstatus = 0, mepc = RV_STUB_VIRT + 4, zero = 0;
	uc_hook fill, intr;
	uc_err err;

	memcpy(stub, code, sizeof(code));
	err = uc_reg_read(uc, UC_RISCV_REG_MSTATUS, &mstatus);
	if (err)
		return err;
	mstatus = (mstatus & ~RV_MSTATUS_MPP_MASK) | RV_MSTATUS_FS_INITIAL;
	err = uc_reg_write(uc, UC_RISCV_REG_MSTATUS, &mstatus);
	if (!err)
		err = uc_reg_write(uc, UC_RISCV_REG_MEPC, &mepc);
	if (!err)
		err = uc_mem_map_ptr(uc, RV_STUB_PHYS, RV_STUB_SIZE, UC_PROT_READ | UC_PROT_EXEC,
				     stub);
	if (err)
		return err;
	err = uc_hook_add(uc, &fill, UC_HOOK_TLB_FILL, (void *)riscv64_stub_fill, NULL, 1, 0);
	if (!err) {
		err = uc_hook_add(uc, &intr, UC_HOOK_INTR, (void *)riscv64_stub_intr, &stop, 1, 0);
		if (!err) {
			err = uc_emu_start(uc, RV_STUB_VIRT, 0, 0, 0);
			uc_hook_del(uc, intr);
		}
		uc_hook_del(uc, fill);
	}
	uc_mem_unmap(uc, RV_STUB_PHYS, RV_STUB_SIZE);
	/* As on x86_64: only the TLB; the stub's block is keyed by a frame never filled again. */
	uc_ctl_flush_tlb(uc);
	if (!err && (stop.intno != RV_EXCP_ILLEGAL_INST ||
		     stop.pc != RV_STUB_VIRT + 4 + RV_INTR_PC_ADVANCE))
		err = UC_ERR_EXCEPTION;
	uc_reg_write(uc, UC_RISCV_REG_A0, &zero);
	uc_reg_write(uc, UC_RISCV_REG_PC, &zero);
	return err;
}

static int riscv64_set_tls(struct uc_struct *uc, uint64_t tp)
{
	return uc_reg_write(uc, UC_RISCV_REG_TP, &tp);
}

static int riscv64_get_tls(struct uc_struct *uc, uint64_t *tp)
{
	return uc_reg_read(uc, UC_RISCV_REG_TP, tp);
}

/*
 * ebreak and c.ebreak: Unicorn first offers them to UC_HOOK_INSN_INVALID hooks, with the
 * PC still at the instruction; one that claims it makes Unicorn deliver cause 3 to the
 * interrupt hook like any exception, but with the PC 4 bytes on even after the 2-byte
 * c.ebreak. The PC seen here puts that right.
 */
struct riscv64_hook_state {
	struct arch_cpu_hooks *hooks;
	uint64_t ebreak_pc;
};

static bool riscv64_insn_invalid(uc_engine *uc, void *user)
{
	struct riscv64_hook_state *st = user;

	uc_reg_read(uc, UC_RISCV_REG_PC, &st->ebreak_pc);
	return true;
}

/* ecall arrives as an exception like any other: send it to the syscall hook. */
static void riscv64_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct riscv64_hook_state *st = user;
	struct arch_cpu_hooks *hooks = st->hooks;

	if (intno == RV_EXCP_U_ECALL) {
		hooks->syscall(uc, hooks->user);
		return;
	}
	if (intno == RV_EXCP_BREAKPOINT) {
		uint64_t pc = st->ebreak_pc + RV_INTR_PC_ADVANCE;

		uc_reg_write(uc, UC_RISCV_REG_PC, &pc);
	}
	hooks->exception(uc, intno, hooks->user);
}

/* One engine at a time per hook state: emu/ opens one engine per process. */
static struct riscv64_hook_state riscv64_hook_state;

static int riscv64_hook_install(struct uc_struct *uc, struct arch_cpu_hooks *hooks)
{
	uc_hook hh;
	uc_err err;

	riscv64_hook_state.hooks = hooks;
	err = uc_hook_add(uc, &hh, UC_HOOK_INSN_INVALID, (void *)riscv64_insn_invalid,
			  &riscv64_hook_state, 1, 0);
	if (!err)
		err = uc_hook_add(uc, &hh, UC_HOOK_INTR, (void *)riscv64_intr, &riscv64_hook_state,
				  1, 0);
	return err;
}

static int riscv64_set_pc_in_syscall(struct uc_struct *uc, uint64_t pc)
{
	return uc_reg_write(uc, UC_RISCV_REG_PC, &pc);
}

/*
 * scause for a failed walk: a page fault (12 fetch, 13 load, 15 store/AMO) unless the walk
 * met memory that is not there (a table, or a leaf's frames, outside guest physical
 * memory): that is an access fault (1, 5, 7). Reserved bits and encodings, and misaligned
 * superpages, are page faults.
 */
static bool riscv64_memory_missing(const struct arch_walk *w)
{
	unsigned level = (unsigned)w->fault_level;
	uint64_t e, span;

	if (w->result != ARCH_WALK_BAD_TABLE || w->fault_level < 0)
		return false;
	if (level == w->nr_levels)
		return true;	/* the table the entry above pointed to */
	e = w->entry[level];
	if ((e & RV_PTE_RESERVED) || (e & (RV_PTE_R | RV_PTE_W)) == RV_PTE_W || !(e & RV_PTE_RWX))
		return false;	/* a reserved encoding */
	span = arch_level_size(&riscv64_mmu, level);
	return !(rv_pte_paddr(e) & (span - 1)); /* aligned, so its frames are not all memory */
}

static uint64_t riscv64_fault_code(const struct arch_walk *w, mm_access_t access)
{
	bool missing = riscv64_memory_missing(w);

	if (access == MM_PROT_EXEC)
		return missing ? RV_EXCP_INST_ACCESS : RV_EXCP_INST_PAGE;
	if (access == MM_PROT_WRITE)
		return missing ? RV_EXCP_STORE_ACCESS : RV_EXCP_STORE_PAGE;
	return missing ? RV_EXCP_LOAD_ACCESS : RV_EXCP_LOAD_PAGE;
}

static void riscv64_describe_fault_code(uint64_t scause, char *buf, size_t len)
{
	const char *what;

	switch (scause) {
	case RV_EXCP_INST_PAGE: what = "instruction page fault"; break;
	case RV_EXCP_LOAD_PAGE: what = "load page fault"; break;
	case RV_EXCP_STORE_PAGE: what = "store/AMO page fault"; break;
	case RV_EXCP_INST_ACCESS: what = "instruction access fault"; break;
	case RV_EXCP_LOAD_ACCESS: what = "load access fault"; break;
	case RV_EXCP_STORE_ACCESS: what = "store/AMO access fault"; break;
	default: what = "exception"; break;
	}
	snprintf(buf, len, "scause %" PRIu64 " (%s)", scause, what);
}

static bool riscv64_xreg(struct uc_struct *uc, unsigned r, uint64_t *v)
{
	*v = 0;
	return r == 0 || uc_reg_read(uc, UC_RISCV_REG_X0 + (int)r, v) == UC_ERR_OK;
}

static int64_t rv_sext(uint64_t v, unsigned bits)
{
	return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

/*
 * The address a load, store or AMO accesses, decoded from its encoding (RV64GC: the
 * 32-bit LOAD, LOAD-FP, STORE, STORE-FP and AMO opcodes, and the compressed loads and
 * stores), since the installed capstone may not know RISC-V.
 */
static bool riscv64_access_addr(struct uc_struct *uc, const uint8_t *b, size_t n, uint64_t *addr)
{
	uint32_t insn;
	uint64_t base;
	unsigned rs1;
	int64_t off;

	if (n < 2)
		return false;
	insn = b[0] | (uint32_t)b[1] << 8;
	if ((insn & 3) != 3) {
		unsigned f3 = insn >> 13, q = insn & 3;
		uint64_t uimm;

		if (q == 0 && (f3 == 2 || f3 == 6)) {		/* c.lw, c.sw */
			rs1 = 8 + ((insn >> 7) & 7);
			uimm = ((insn >> 10) & 7) << 3 | ((insn >> 6) & 1) << 2 |
			       ((insn >> 5) & 1) << 6;
		} else if (q == 0 && (f3 == 1 || f3 == 3 || f3 == 5 || f3 == 7)) {
			rs1 = 8 + ((insn >> 7) & 7);		/* c.fld, c.ld, c.fsd, c.sd */
			uimm = ((insn >> 10) & 7) << 3 | ((insn >> 5) & 3) << 6;
		} else if (q == 2 && f3 == 2) {			/* c.lwsp */
			rs1 = 2;
			uimm = ((insn >> 12) & 1) << 5 | ((insn >> 4) & 7) << 2 |
			       ((insn >> 2) & 3) << 6;
		} else if (q == 2 && (f3 == 1 || f3 == 3)) {	/* c.fldsp, c.ldsp */
			rs1 = 2;
			uimm = ((insn >> 12) & 1) << 5 | ((insn >> 5) & 3) << 3 |
			       ((insn >> 2) & 7) << 6;
		} else if (q == 2 && f3 == 6) {			/* c.swsp */
			rs1 = 2;
			uimm = ((insn >> 9) & 0xf) << 2 | ((insn >> 7) & 3) << 6;
		} else if (q == 2 && (f3 == 5 || f3 == 7)) {	/* c.fsdsp, c.sdsp */
			rs1 = 2;
			uimm = ((insn >> 10) & 7) << 3 | ((insn >> 7) & 7) << 6;
		} else {
			return false;
		}
		off = (int64_t)uimm;
	} else {
		if (n < 4)
			return false;
		insn |= (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
		rs1 = (insn >> 15) & 31;
		switch (insn & 0x7f) {
		case 0x03:	/* LOAD */
		case 0x07:	/* LOAD-FP */
			off = rv_sext(insn >> 20, 12);
			break;
		case 0x23:	/* STORE */
		case 0x27:	/* STORE-FP */
			off = rv_sext((insn >> 25) << 5 | ((insn >> 7) & 31), 12);
			break;
		case 0x2f:	/* AMO, LR, SC */
			off = 0;
			break;
		default:
			return false;
		}
	}
	if (!riscv64_xreg(uc, rs1, &base))
		return false;
	*addr = base + (uint64_t)off;
	return true;
}

/*
 * Capstone's decoding is not needed: only the instruction's bytes are read, which every
 * capstone fills in (and which emu/ passes alone when capstone has no RISC-V).
 */
static bool riscv64_fault_addr(struct uc_struct *uc, const void *cs_insn_p, uint64_t page,
			       uint64_t size, uint64_t *addr)
{
	const cs_insn *insn = cs_insn_p;
	uint64_t a;

	if (!riscv64_access_addr(uc, insn->bytes, insn->size, &a) || a - page >= size)
		return false;
	*addr = a;
	return true;
}

/* Capstone 5 knows RISC-V; capstone 4 does not, and cs_open() then fails cleanly. */
#if CS_API_MAJOR >= 5
#define RV_CS_ARCH CS_ARCH_RISCV
#define RV_CS_MODE (CS_MODE_RISCV64 | CS_MODE_RISCVC)
#else
#define RV_CS_ARCH CS_ARCH_MAX
#define RV_CS_MODE 0
#endif

/* AT_HWCAP: one bit per single-letter extension, 'a' = bit 0: I M A F D C (rv64gc). */
#define RV_HWCAP(c) (UINT64_C(1) << ((c) - 'A'))

const struct arch_cpu riscv64_cpu = {
	.elf_machine = EM_RISCV,
	.uname_machine = "riscv64",
	.platform = NULL,		/* Linux riscv has no ELF_PLATFORM */
	.et_dyn_base = UINT64_C(0x555555555000), /* 2/3 of DEFAULT_MAP_WINDOW, page-aligned */
	.uc_arch = UC_ARCH_RISCV,
	.uc_mode = UC_MODE_RISCV64,
	.cs_arch = RV_CS_ARCH,
	.cs_mode = RV_CS_MODE,
	.reg_pc = UC_RISCV_REG_PC,
	.reg_sp = UC_RISCV_REG_SP,
	.reg_sysno = UC_RISCV_REG_A7,
	.reg_args = { UC_RISCV_REG_A0, UC_RISCV_REG_A1, UC_RISCV_REG_A2, UC_RISCV_REG_A3,
		      UC_RISCV_REG_A4, UC_RISCV_REG_A5 },
	.reg_ret = UC_RISCV_REG_A0,
	.hwcap = RV_HWCAP('I') | RV_HWCAP('M') | RV_HWCAP('A') | RV_HWCAP('F') |
		 RV_HWCAP('D') | RV_HWCAP('C'),
	.hwcap2 = 0,
	/* wfi in U-mode is an illegal instruction (cause 2), never a halt. */
	.halt_signal = 0,
	.halt_insn_len = 4,
	/* The asm-generic syscall numbers and struct stat, shared with arm64. */
	.abi = &arch_generic_abi,
	/* riscv has no uapi/asm/fcntl.h of its own: asm-generic's values. */
	.oflags = ARCH_GENERIC_OFLAGS,
	.cpu_init = riscv64_cpu_init,
	.set_tls = riscv64_set_tls,
	.get_tls = riscv64_get_tls,
	.hook_install = riscv64_hook_install,
	.set_pc_in_syscall = riscv64_set_pc_in_syscall,
	.fault_code = riscv64_fault_code,
	.describe_fault_code = riscv64_describe_fault_code,
	.fault_addr = riscv64_fault_addr,
	.signal = &riscv64_signal,
};
