/* SPDX-License-Identifier: MIT */
/*
 * cpu.c - the x86_64 CPU as emu/ drives it: registers, the syscall ABI, exceptions and the
 * page-fault error code.
 *
 * Unicorn runs the guest in 64-bit mode with the CPU's own paging off (emu/ translates
 * through the TLB-fill hook), so the only control state that matters is what user code can
 * observe: CR4.OSFXSR and CR4.OSXMMEXCPT, without which SSE instructions raise #UD.
 */
#include <elf.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <capstone/capstone.h>
#include <unicorn/unicorn.h>

#include "arch/arch.h"

#define X86_CR0_MP        (1u << 1)
#define X86_CR0_EM        (1u << 2)
#define X86_CR0_TS        (1u << 3)
#define X86_CR4_OSFXSR    (1u << 9)
#define X86_CR4_OSXMMEXCPT (1u << 10)

/* #PF error code bits. */
#define X86_PF_PROT  (1u << 0)
#define X86_PF_WRITE (1u << 1)
#define X86_PF_USER  (1u << 2)
#define X86_PF_RSVD  (1u << 3)
#define X86_PF_INSTR (1u << 4)

/* Unicorn's exception numbers are the vector numbers. */
#define X86_EXC_NM  7
#define X86_EXC_GP  13

/* The syscall instruction is two bytes; Unicorn adds them after the hook returns. */
#define X86_SYSCALL_INSN_LEN 2


/*
 * User mode. Unicorn starts at CPL0, and a segment register written through uc_reg_write()
 * is loaded from a descriptor table read at a virtual address, through our TLB-fill hook.
 * sysretq needs no table: it loads the hidden CS and SS state from STAR with DPL 3, exactly
 * Linux's __USER_CS (0x33) and __USER_DS (0x2b). So the CPU is sent to user mode by
 * running one sysretq from a scratch page outside guest physical memory, under a TLB-fill
 * hook that serves only that page. cpu_init() runs before emu/ installs its own fill hook.
 *
 * Afterwards the GDT, LDT and TSS have limit 0: no descriptor can ever be read, so every
 * load of a non-null selector at CPL3 (mov to a segment register, far jumps, iretq, lret)
 * is a #GP, and so are the I/O instructions (no I/O bitmap). Linux allows 0x2b, 0x33 and
 * 0x23 there; mmuemu does not (see docs/ENGINE.md). Interrupts never read the IDT: Unicorn
 * hands every exception to the UC_HOOK_INTR hook before any delivery.
 */
#define X86_MSR_EFER      0xc0000080u
#define X86_MSR_STAR      0xc0000081u
#define X86_EFER_SCE      (1u << 0)
#define X86_EFLAGS_IF     (1u << 9)
#define X86_EFLAGS_FIXED  (1u << 1)
/* Linux's GDT: __USER32_CS is entry 4 (0x23), so STAR[63:48] = 0x23 gives CS 0x33, SS 0x2b. */
#define X86_STAR_SYSRET_BASE 0x23ull
#define X86_USER_CS       0x33u
#define X86_STUB_PHYS     (1ull << 44)
#define X86_STUB_VIRT     0xffffffffff5ff000ull
#define X86_STUB_SIZE     0x1000u

static bool x86_64_stub_fill(uc_engine *uc, uint64_t vaddr, uc_mem_type type,
			     uc_tlb_entry *e, void *user)
{
	if (vaddr != X86_STUB_VIRT || type != UC_MEM_FETCH)
		return false;
	e->paddr = X86_STUB_PHYS;
	e->perms = UC_PROT_READ | UC_PROT_EXEC;
	return true;
}

static void x86_64_stub_intr(uc_engine *uc, uint32_t intno, void *user)
{
	*(uint32_t *)user = intno;
	uc_emu_stop(uc);
}

/*
 * The exception in flight. QEMU's x86 CPU remembers the last contributory exception (#DE,
 * #GP...) in env->old_exception until an interrupt is delivered, and Unicorn never
 * delivers one: it hands the exception to the hook. Without a reset, a guest's second #GP
 * (or SIGFPE) becomes a double fault and the third a triple fault, which silently ends
 * emulation. No API reaches the field, but uc_context_save() copies the CPU state as it
 * is: x86_64_enter_user_mode() finds where the field lies by saving the context before
 * and after one #GP (-1 becomes 13 in exactly one place), and x86_64_end_exception()
 * writes -1 back there.
 */
static size_t x86_64_old_exception_at;

static int x86_64_find_old_exception(const uint8_t *before, const uint8_t *after, size_t size)
{
	const int32_t none = -1, gp = X86_EXC_GP;
	size_t found = 0;
	int n = 0;

	for (size_t i = 0; i + 4 <= size; i += 4) {
		if (!memcmp(before + i, &none, 4) && !memcmp(after + i, &gp, 4)) {
			found = i;
			n++;
		}
	}
	if (n != 1)
		return UC_ERR_EXCEPTION;
	x86_64_old_exception_at = found;
	return 0;
}

static void x86_64_end_exception(struct uc_struct *uc)
{
	const int32_t none = -1;
	uc_context *ctx;

	if (!x86_64_old_exception_at || uc_context_alloc(uc, &ctx))
		return;
	if (!uc_context_save(uc, ctx)) {
		memcpy((uint8_t *)ctx + x86_64_old_exception_at, &none, 4);
		uc_context_restore(uc, ctx);
	}
	uc_context_free(ctx);
}

static int x86_64_enter_user_mode(struct uc_struct *uc)
{
	static uint8_t stub[X86_STUB_SIZE] __attribute__((aligned(4096)));
	uc_x86_msr efer = { .rid = X86_MSR_EFER }, star = { .rid = X86_MSR_STAR };
	uc_x86_mmr none = { 0 };
	uint64_t zero = 0, flags = X86_EFLAGS_IF | X86_EFLAGS_FIXED, rip;
	uint32_t intno = 0;
	uint16_t seg = 0;
	uc_context *before = NULL, *after = NULL;
	uc_hook fill, intr;
	uc_err err;

	stub[0] = 0x48, stub[1] = 0x0f, stub[2] = 0x07;	/* sysretq */
	stub[3] = 0xfa;					/* cli: #GP at CPL3 */
	stub[4] = 0xf4;					/* hlt, never reached */
	err = uc_reg_read(uc, UC_X86_REG_MSR, &efer);
	if (err)
		return err;
	efer.value |= X86_EFER_SCE;
	star.value = X86_STAR_SYSRET_BASE << 48;
	err = uc_reg_write(uc, UC_X86_REG_MSR, &efer);
	if (!err)
		err = uc_reg_write(uc, UC_X86_REG_MSR, &star);
	if (err)
		return err;
	/* sysretq: RIP = RCX, RFLAGS = R11 (IF on, IOPL 0, as Linux starts a process). */
	rip = X86_STUB_VIRT + 3;
	uc_reg_write(uc, UC_X86_REG_RCX, &rip);
	uc_reg_write(uc, UC_X86_REG_R11, &flags);
	err = uc_context_alloc(uc, &before);
	if (!err)
		err = uc_context_alloc(uc, &after);
	if (!err)
		err = uc_context_save(uc, before);
	if (!err)
		err = uc_mem_map_ptr(uc, X86_STUB_PHYS, X86_STUB_SIZE,
				     UC_PROT_READ | UC_PROT_EXEC, stub);
	if (err)
		goto out_free;
	err = uc_hook_add(uc, &fill, UC_HOOK_TLB_FILL, (void *)x86_64_stub_fill, NULL, 1, 0);
	if (!err) {
		err = uc_hook_add(uc, &intr, UC_HOOK_INTR, (void *)x86_64_stub_intr, &intno, 1, 0);
		if (!err) {
			err = uc_emu_start(uc, X86_STUB_VIRT, 0, 0, 0);
			uc_hook_del(uc, intr);
		}
		uc_hook_del(uc, fill);
	}
	uc_mem_unmap(uc, X86_STUB_PHYS, X86_STUB_SIZE);
	/*
	 * Only the TLB is flushed. The stub's translated block stays in the code cache, keyed
	 * by a physical address no fill ever returns again, so it can never run. A code-cache
	 * flush here would cost 1 GiB of RSS and about 3 s per run: Unicorn's tb_flush
	 * touches every region of its 1 GiB TCG buffer, which is madvised for huge pages.
	 */
	uc_ctl_flush_tlb(uc);
	if (!err)
		err = uc_reg_read(uc, UC_X86_REG_CS, &seg);
	/* The cli must have raised #GP: the CPU is at CPL3 with Linux's CS. */
	if (!err && (seg != X86_USER_CS || intno != X86_EXC_GP))
		err = UC_ERR_EXCEPTION;
	if (!err)
		err = uc_context_save(uc, after);
	if (!err)
		err = x86_64_find_old_exception((const uint8_t *)before, (const uint8_t *)after,
						uc_context_size(uc));
	if (err)
		goto out_free;
	x86_64_end_exception(uc);
	/* DS, ES, FS and GS are null, as start_thread() leaves them. */
	uc_reg_write(uc, UC_X86_REG_RCX, &zero);
	uc_reg_write(uc, UC_X86_REG_R11, &zero);
	uc_reg_write(uc, UC_X86_REG_RIP, &zero);
	err = uc_reg_write(uc, UC_X86_REG_GDTR, &none);
	if (!err)
		err = uc_reg_write(uc, UC_X86_REG_LDTR, &none);
	if (!err)
		err = uc_reg_write(uc, UC_X86_REG_TR, &none);
	if (!err)
		err = uc_reg_write(uc, UC_X86_REG_IDTR, &none);
out_free:
	if (after)
		uc_context_free(after);
	if (before)
		uc_context_free(before);
	return err;
}

static int x86_64_cpu_init(struct uc_struct *uc)
{
	/* The FPU state Linux starts a process with: FCW 0x37f, MXCSR 0x1f80 (all masked). */
	uint64_t cr0, cr4, fcw = 0x37f, mxcsr = 0x1f80;
	uc_err err;

	err = uc_reg_write(uc, UC_X86_REG_FPCW, &fcw);
	if (!err)
		err = uc_reg_write(uc, UC_X86_REG_MXCSR, &mxcsr);
	if (!err)
		err = uc_reg_read(uc, UC_X86_REG_CR0, &cr0);
	if (!err)
		err = uc_reg_read(uc, UC_X86_REG_CR4, &cr4);
	if (err)
		return err;
	cr0 = (cr0 | X86_CR0_MP) & ~(uint64_t)X86_CR0_EM;
	cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	err = uc_reg_write(uc, UC_X86_REG_CR0, &cr0);
	if (!err)
		err = uc_reg_write(uc, UC_X86_REG_CR4, &cr4);
	if (!err)
		err = x86_64_enter_user_mode(uc);
	return err;
}

static int x86_64_set_tls(struct uc_struct *uc, uint64_t tp)
{
	return uc_reg_write(uc, UC_X86_REG_FS_BASE, &tp);
}

static int x86_64_get_tls(struct uc_struct *uc, uint64_t *tp)
{
	return uc_reg_read(uc, UC_X86_REG_FS_BASE, tp);
}

/*
 * The syscall instruction through UC_HOOK_INSN, every other exception (int3, ud2, #GP,
 * int $n) through UC_HOOK_INTR, which first ends the exception in flight (see above).
 */
static void x86_64_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct arch_cpu_hooks *hooks = user;
	uint64_t cr0;

	x86_64_end_exception(uc);
	/*
	 * #NM with CR0.TS set: Linux's exc_device_not_available() clears TS and carries on,
	 * and so does this hook: QEMU put RIP back at the instruction, which runs again
	 * (writing CR0 rebuilds the translation flags). Without TS it goes up (die()).
	 */
	if (intno == X86_EXC_NM && !uc_reg_read(uc, UC_X86_REG_CR0, &cr0) &&
	    (cr0 & X86_CR0_TS)) {
		cr0 &= ~(uint64_t)X86_CR0_TS;
		if (!uc_reg_write(uc, UC_X86_REG_CR0, &cr0))
			return;
	}
	hooks->exception(uc, intno, hooks->user);
}

/*
 * Unicorn lets every I/O instruction through, whatever the CPL and IOPL. At CPL3 with IOPL
 * 0 and no I/O bitmap they are a #GP. The hook sees no synced RIP, so the stop lands at
 * the end of the block: the guest gets its SIGSEGV, but after the block's remaining
 * instructions (see docs/ENGINE.md).
 */
static uint32_t x86_64_in(uc_engine *uc, uint32_t port, int size, void *user)
{
	struct arch_cpu_hooks *hooks = user;

	hooks->exception(uc, X86_EXC_GP, hooks->user);
	return 0;
}

static void x86_64_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
	x86_64_in(uc, port, size, user);
}

static int x86_64_hook_install(struct uc_struct *uc, struct arch_cpu_hooks *hooks)
{
	uc_hook hh;
	uc_err err;

	err = uc_hook_add(uc, &hh, UC_HOOK_INSN, (void *)hooks->syscall, hooks->user, 1, 0,
			  UC_X86_INS_SYSCALL);
	if (!err)
		err = uc_hook_add(uc, &hh, UC_HOOK_INSN, (void *)x86_64_in, hooks, 1, 0,
				  UC_X86_INS_IN);
	if (!err)
		err = uc_hook_add(uc, &hh, UC_HOOK_INSN, (void *)x86_64_out, hooks, 1, 0,
				  UC_X86_INS_OUT);
	if (err)
		return err;
	return uc_hook_add(uc, &hh, UC_HOOK_INTR, (void *)x86_64_intr, hooks, 1, 0);
}

static int x86_64_set_pc_in_syscall(struct uc_struct *uc, uint64_t pc)
{
	uint64_t rip = pc - X86_SYSCALL_INSN_LEN;

	return uc_reg_write(uc, UC_X86_REG_RIP, &rip);
}

/* --inject=lazy-fpu: CR0.TS, so that the next FPU or SSE instruction raises #NM. */
static int x86_64_fpu_trap_next(struct uc_struct *uc)
{
	uint64_t cr0;
	uc_err err = uc_reg_read(uc, UC_X86_REG_CR0, &cr0);

	cr0 |= X86_CR0_TS;
	return err ? err : uc_reg_write(uc, UC_X86_REG_CR0, &cr0);
}

static uint64_t x86_64_fault_code(const struct arch_walk *w, mm_access_t access)
{
	uint64_t code = X86_PF_USER;

	if (w->result == ARCH_WALK_PROT)
		code |= X86_PF_PROT;
	if (w->result == ARCH_WALK_BAD_TABLE)
		code |= X86_PF_PROT | X86_PF_RSVD;
	if (access == MM_PROT_WRITE)
		code |= X86_PF_WRITE;
	if (access == MM_PROT_EXEC)
		code |= X86_PF_INSTR;
	return code;
}

static void x86_64_describe_fault_code(uint64_t code, char *buf, size_t len)
{
	snprintf(buf, len, "#PF error code 0x%" PRIx64 ": %s, %s, %s mode%s", code,
		 code & X86_PF_PROT ? "protection violation" : "not-present page",
		 code & X86_PF_INSTR ? "instruction fetch" : code & X86_PF_WRITE ? "write" : "read",
		 code & X86_PF_USER ? "user" : "supervisor",
		 code & X86_PF_RSVD ? ", reserved bit set" : "");
}

/* Capstone's register to Unicorn's, for the registers an address can be made of. */
static int x86_64_uc_reg(unsigned cs_reg)
{
	static const struct {
		uint16_t cs, uc;
	} map[] = {
		{ X86_REG_RAX, UC_X86_REG_RAX }, { X86_REG_RBX, UC_X86_REG_RBX },
		{ X86_REG_RCX, UC_X86_REG_RCX }, { X86_REG_RDX, UC_X86_REG_RDX },
		{ X86_REG_RSI, UC_X86_REG_RSI }, { X86_REG_RDI, UC_X86_REG_RDI },
		{ X86_REG_RBP, UC_X86_REG_RBP }, { X86_REG_RSP, UC_X86_REG_RSP },
		{ X86_REG_R8, UC_X86_REG_R8 },   { X86_REG_R9, UC_X86_REG_R9 },
		{ X86_REG_R10, UC_X86_REG_R10 }, { X86_REG_R11, UC_X86_REG_R11 },
		{ X86_REG_R12, UC_X86_REG_R12 }, { X86_REG_R13, UC_X86_REG_R13 },
		{ X86_REG_R14, UC_X86_REG_R14 }, { X86_REG_R15, UC_X86_REG_R15 },
		{ X86_REG_EAX, UC_X86_REG_EAX }, { X86_REG_EBX, UC_X86_REG_EBX },
		{ X86_REG_ECX, UC_X86_REG_ECX }, { X86_REG_EDX, UC_X86_REG_EDX },
		{ X86_REG_ESI, UC_X86_REG_ESI }, { X86_REG_EDI, UC_X86_REG_EDI },
		{ X86_REG_EBP, UC_X86_REG_EBP }, { X86_REG_ESP, UC_X86_REG_ESP },
		{ X86_REG_R8D, UC_X86_REG_R8D }, { X86_REG_R9D, UC_X86_REG_R9D },
		{ X86_REG_R10D, UC_X86_REG_R10D }, { X86_REG_R11D, UC_X86_REG_R11D },
		{ X86_REG_R12D, UC_X86_REG_R12D }, { X86_REG_R13D, UC_X86_REG_R13D },
		{ X86_REG_R14D, UC_X86_REG_R14D }, { X86_REG_R15D, UC_X86_REG_R15D },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].cs == cs_reg)
			return map[i].uc;
	}
	return -1;
}

static bool x86_64_read_reg(struct uc_struct *uc, unsigned cs_reg, uint64_t *v)
{
	int reg = x86_64_uc_reg(cs_reg);

	*v = 0;
	return reg >= 0 && uc_reg_read(uc, reg, v) == UC_ERR_OK;
}

static bool x86_64_in_page(uint64_t a, uint64_t page, uint64_t size)
{
	return a - page < size;
}

static bool x86_64_mem_operand(struct uc_struct *uc, const cs_insn *insn, const x86_op_mem *m,
			       uint64_t *addr)
{
	uint64_t base = 0, index = 0, seg = 0;

	if (m->base == X86_REG_RIP)
		base = insn->address + insn->size;
	else if (m->base != X86_REG_INVALID && !x86_64_read_reg(uc, m->base, &base))
		return false;
	if (m->index != X86_REG_INVALID && !x86_64_read_reg(uc, m->index, &index))
		return false;
	if (m->segment == X86_REG_FS && uc_reg_read(uc, UC_X86_REG_FS_BASE, &seg))
		return false;
	if (m->segment == X86_REG_GS && uc_reg_read(uc, UC_X86_REG_GS_BASE, &seg))
		return false;
	*addr = seg + base + index * (uint64_t)m->scale + (uint64_t)m->disp;
	return true;
}

/*
 * The address of the explicit memory operand, or of the implicit stack slot of push, call,
 * pop and ret. String instructions (movs, stos) are left to the page address.
 */
static bool x86_64_fault_addr(struct uc_struct *uc, const void *cs_insn_p, uint64_t page,
			      uint64_t size, uint64_t *addr)
{
	const cs_insn *insn = cs_insn_p;
	const cs_x86 *x;
	uint64_t a, rsp;

	if (!insn->detail)
		return false;
	x = &insn->detail->x86;
	for (unsigned i = 0; i < x->op_count; i++) {
		if (x->operands[i].type != X86_OP_MEM || insn->id == X86_INS_LEA ||
		    insn->id == X86_INS_NOP)
			continue;
		if (x86_64_mem_operand(uc, insn, &x->operands[i].mem, &a) &&
		    x86_64_in_page(a, page, size)) {
			*addr = a;
			return true;
		}
	}
	if (uc_reg_read(uc, UC_X86_REG_RSP, &rsp))
		return false;
	switch (insn->id) {
	case X86_INS_PUSH:
	case X86_INS_PUSHFQ:
	case X86_INS_CALL:
		a = rsp - 8;
		break;
	case X86_INS_POP:
	case X86_INS_POPFQ:
	case X86_INS_RET:
		a = rsp;
		break;
	default:
		return false;
	}
	if (!x86_64_in_page(a, page, size))
		return false;
	*addr = a;
	return true;
}

/* int1 (icebp): QEMU's translator ends emulation with it as an invalid instruction. */
static const uint8_t x86_64_int1[] = { 0xf1 };

const struct arch_cpu x86_64_cpu = {
	.elf_machine = EM_X86_64,
	.uname_machine = "x86_64",
	.platform = "x86_64",
	.et_dyn_base = 0x555555554000ull,
	.uc_arch = UC_ARCH_X86,
	.uc_mode = UC_MODE_64,
	.cs_arch = CS_ARCH_X86,
	.cs_mode = CS_MODE_64,
	.reg_pc = UC_X86_REG_RIP,
	.reg_sp = UC_X86_REG_RSP,
	.reg_sysno = UC_X86_REG_RAX,
	.reg_args = { UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX, UC_X86_REG_R10,
		      UC_X86_REG_R8, UC_X86_REG_R9 },
	.reg_ret = UC_X86_REG_RAX,
	/* CPUID.1:EDX of Unicorn's default qemu64 model: fpu ... sse sse2. */
	.hwcap = 0x078bfbffull,
	.hwcap2 = 0,
	.reg_gs_base = UC_X86_REG_GS_BASE,
	/* At CPL3 hlt raises #GP and never halts. */
	.halt_signal = SIGSEGV,
	.halt_insn_len = 1,
	.trap_insn = x86_64_int1,
	.trap_insn_len = sizeof(x86_64_int1),
	.abi = &x86_64_abi,
	.oflags = ARCH_GENERIC_OFLAGS,
	.cpu_init = x86_64_cpu_init,
	.set_tls = x86_64_set_tls,
	.get_tls = x86_64_get_tls,
	.hook_install = x86_64_hook_install,
	.set_pc_in_syscall = x86_64_set_pc_in_syscall,
	.fpu_trap_next = x86_64_fpu_trap_next,
	.fault_code = x86_64_fault_code,
	.describe_fault_code = x86_64_describe_fault_code,
	.fault_addr = x86_64_fault_addr,
	.signal = &x86_64_signal,
};
