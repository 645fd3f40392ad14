/* SPDX-License-Identifier: MIT */
/*
 * mmu.c - RISC-V Sv39, Sv48 and Sv57 translation for user mode, 4 KiB pages.
 *
 * One entry format, three depths: Sv39 walks 3 levels (39-bit VA), Sv48 4 and Sv57 5, each
 * level indexed by 9 bits. Linux picks the widest mode satp accepts at boot (Sv57 when the
 * CPU has it, as QEMU's rv64 does), so riscv64_mmu, the one arch_ops uses, is Sv57; the
 * Sv39 and Sv48 tables are the same code with fewer levels, there for the unit tests and
 * for a geometry choice once one exists (riscv64_mmu is Sv57). User addresses follow Linux: the lower half of
 * the VA space is TASK_SIZE, and the stack and the mmap base sit below 2^47 (Linux's
 * DEFAULT_MAP_WINDOW with 48 mmap bits) for Sv48 and Sv57, below 2^38 for Sv39.
 *
 * Leaves are made as Linux's protection_map makes them: V|U|A and R, W, X from the
 * protection, writable ones clean (D=0). PROT_WRITE implies read (W without R is
 * reserved); PROT_EXEC alone is X only, which user loads cannot read through. PROT_NONE is
 * Linux's PAGE_NONE: V clear, G (_PAGE_PROT_NONE) and R set, frame kept.
 *
 * The walk (arch/walk.c with riscv64_walk_step) is the privileged spec's algorithm for a
 * user access with MXR=0 and SUM irrelevant. The hardware here updates A and D itself (as
 * QEMU's walker does, and as Svadu allows) instead of raising a page fault for Linux to
 * set them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/describe.h"
#include "arch/riscv64/pgtable.h"
#include "arch/riscv64/riscv64.h"

/* Linux's _PAGE_CHG_MASK: what a protection change keeps. */
#define RV_LEAF_KEEP (RV_PTE_PPN_MASK | RV_PTE_A | RV_PTE_D | RV_PTE_SOFT_MASK)

static uint64_t riscv64_mk_table(uint64_t table_paddr, unsigned level)
{
	return rv_paddr_pte(table_paddr) | RV_PTE_V;
}

static uint64_t riscv64_leaf_bits(unsigned prot)
{
	uint64_t e = RV_PTE_V | RV_PTE_U | RV_PTE_A;

	if (!(prot & (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC)))
		return RV_PTE_PROT_NONE | RV_PTE_R | RV_PTE_A;
	if (prot & (MM_PROT_READ | MM_PROT_WRITE))
		e |= RV_PTE_R;
	if (prot & MM_PROT_WRITE)
		e |= RV_PTE_W;
	if (prot & MM_PROT_EXEC)
		e |= RV_PTE_X;
	return e;
}

static uint64_t riscv64_mk_leaf(uint64_t paddr, unsigned prot)
{
	return rv_paddr_pte(paddr) | riscv64_leaf_bits(prot);
}

static uint64_t riscv64_leaf_modify_prot(uint64_t e, unsigned prot)
{
	return (e & RV_LEAF_KEEP) | (riscv64_leaf_bits(prot) & ~RV_PTE_A);
}

static bool riscv64_protnone(uint64_t e)
{
	return (e & (RV_PTE_V | RV_PTE_PROT_NONE)) == RV_PTE_PROT_NONE;
}

static bool riscv64_entry_present(uint64_t e, unsigned level)
{
	return (e & RV_PTE_V) || riscv64_protnone(e);
}

/* A pointer: V with R=W=X=0, anywhere but at the last level (@levels deep). */
static bool riscv64_pointer(uint64_t e, unsigned level, unsigned levels)
{
	return level + 1 < levels && (e & RV_PTE_V) && !(e & RV_PTE_RWX);
}

static bool riscv64_sv39_entry_is_table(uint64_t e, unsigned level)
{
	return riscv64_pointer(e, level, 3);
}

static bool riscv64_sv48_entry_is_table(uint64_t e, unsigned level)
{
	return riscv64_pointer(e, level, 4);
}

static bool riscv64_sv57_entry_is_table(uint64_t e, unsigned level)
{
	return riscv64_pointer(e, level, 5);
}

static uint64_t riscv64_entry_paddr(uint64_t e)
{
	return rv_pte_paddr(e);
}

static unsigned riscv64_leaf_prot(uint64_t e)
{
	unsigned prot = 0;

	if (!(e & RV_PTE_V) || !(e & RV_PTE_U))
		return MM_PROT_NONE;
	if (e & RV_PTE_R)
		prot |= MM_PROT_READ;
	if (e & RV_PTE_W)
		prot |= MM_PROT_WRITE;
	if (e & RV_PTE_X)
		prot |= MM_PROT_EXEC;
	return prot;
}

static bool riscv64_leaf_dirty(uint64_t e)
{
	return e & RV_PTE_D;
}

static bool riscv64_leaf_young(uint64_t e)
{
	return e & RV_PTE_A;
}

static uint64_t riscv64_leaf_mkclean(uint64_t e)
{
	return e & ~RV_PTE_D;
}

/*
 * One entry of the walk (the spec's steps 3 to 7). V clear is invalid (PROT_NONE leaves
 * too). W without R, any of bits 63:54, and D, A or U in a pointer are reserved; so is a
 * pointer at the last level, and a superpage whose low PPN fields are not zero
 * (misaligned). R=W=X=0 points down. Anything else is a leaf at this level: U must be set
 * for a user access, R, W and X grant each their own access (MXR = 0). The hardware sets A,
 * and D on a write, in the leaf; tables have no limits for what lies below.
 */
static enum arch_step riscv64_walk_step(const struct arch_mmu *mmu, unsigned level, uint64_t e,
					mm_access_t access, unsigned flags,
					struct arch_step_out *out)
{
	uint64_t final;

	if (!(e & RV_PTE_V))
		return ARCH_STEP_INVALID;
	out->next = rv_pte_paddr(e);
	out->update = e;
	if ((e & RV_PTE_RESERVED) || (e & (RV_PTE_R | RV_PTE_W)) == RV_PTE_W)
		return ARCH_STEP_RESERVED;
	if (!(e & RV_PTE_RWX)) {
		if (level + 1 == mmu->levels || (e & RV_PTE_TABLE_RESERVED))
			return ARCH_STEP_RESERVED;
		return ARCH_STEP_TABLE;
	}
	if (out->next & (arch_level_size(mmu, level) - 1))
		return ARCH_STEP_RESERVED;
	out->update = e | RV_PTE_A | (access == MM_PROT_WRITE ? RV_PTE_D : 0);
	out->prot = riscv64_leaf_prot(e);
	final = flags & ARCH_WALK_F_NOUPDATE ? e : out->update;
	out->tlb_prot = final & RV_PTE_D ? out->prot : out->prot & ~MM_PROT_WRITE;
	return ARCH_STEP_LEAF;
}

static void riscv64_describe_entry(uint64_t e, unsigned level, char *buf, size_t len)
{
	static const struct { uint64_t bit; const char *name; } bits[] = {
		{ RV_PTE_V, "V" }, { RV_PTE_R, "R" }, { RV_PTE_W, "W" }, { RV_PTE_X, "X" },
		{ RV_PTE_U, "U" }, { RV_PTE_G, "G" }, { RV_PTE_A, "A" }, { RV_PTE_D, "D" },
	};
	size_t pos = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (e == 0) {
		arch_describe_put(buf, len, &pos, "none");
		return;
	}
	if (riscv64_protnone(e))
		arch_describe_put(buf, len, &pos, "PROTNONE");
	else if (!(e & RV_PTE_V))
		arch_describe_put(buf, len, &pos, "invalid 0x%016" PRIx64, e);
	else if (!(e & RV_PTE_RWX))
		arch_describe_put(buf, len, &pos, "table");
	else
		arch_describe_put(buf, len, &pos, "leaf");
	if (!(e & RV_PTE_V) && !riscv64_protnone(e))
		return;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (e & bits[i].bit)
			arch_describe_put(buf, len, &pos, " %s", bits[i].name);
	}
	if (e & RV_PTE_SOFT_MASK)
		arch_describe_put(buf, len, &pos, " RSW=%u", (unsigned)((e & RV_PTE_SOFT_MASK) >> 8));
	if (e & RV_PTE_RESERVED)
		arch_describe_put(buf, len, &pos, " reserved=0x%" PRIx64, (e & RV_PTE_RESERVED) >> 54);
	arch_describe_put(buf, len, &pos, " %s=0x%" PRIx64,
			  (e & RV_PTE_V) && !(e & RV_PTE_RWX) ? "next" : "pa", rv_pte_paddr(e));
}

#define RV_MMU_OPS \
	.page_shift = RV_PAGE_SHIFT, \
	.mk_table = riscv64_mk_table, \
	.mk_leaf = riscv64_mk_leaf, \
	.leaf_modify_prot = riscv64_leaf_modify_prot, \
	.entry_present = riscv64_entry_present, \
	.entry_paddr = riscv64_entry_paddr, \
	.leaf_prot = riscv64_leaf_prot, \
	.leaf_dirty = riscv64_leaf_dirty, \
	.leaf_young = riscv64_leaf_young, \
	.leaf_mkclean = riscv64_leaf_mkclean, \
	.walk = arch_walk, \
	.walk_step = riscv64_walk_step, \
	.describe_entry = riscv64_describe_entry, \
	.tlb_flush_plan = riscv64_tlb_flush_plan /* arch/riscv64/tlb.c */

/* 128 MiB between the stack top and the mmap base, as the other architectures have it. */
#define RV_STACK_GAP (UINT64_C(128) << 20)

const struct arch_mmu riscv64_mmu = {
	.name = "riscv64",
	.levels = 5,
	.entry_is_table = riscv64_sv57_entry_is_table,
	.shift = { 48, 39, 30, 21, 12 },
	.index_bits = { 9, 9, 9, 9, 9 },
	.va_bits = 57,
	.task_size = UINT64_C(1) << 56,
	.mmap_base = (UINT64_C(1) << 47) - RV_STACK_GAP,
	.stack_top = UINT64_C(1) << 47,
	.level_name = { "PGD", "P4D", "PUD", "PMD", "PTE" },
	RV_MMU_OPS,
};

const struct arch_mmu riscv64_sv48_mmu = {
	.name = "riscv64-sv48",
	.levels = 4,
	.entry_is_table = riscv64_sv48_entry_is_table,
	.shift = { 39, 30, 21, 12 },
	.index_bits = { 9, 9, 9, 9 },
	.va_bits = 48,
	.task_size = UINT64_C(1) << 47,
	.mmap_base = (UINT64_C(1) << 47) - RV_STACK_GAP,
	.stack_top = UINT64_C(1) << 47,
	.level_name = { "PGD", "PUD", "PMD", "PTE" },
	RV_MMU_OPS,
};

const struct arch_mmu riscv64_sv39_mmu = {
	.name = "riscv64-sv39",
	.levels = 3,
	.entry_is_table = riscv64_sv39_entry_is_table,
	.shift = { 30, 21, 12 },
	.index_bits = { 9, 9, 9 },
	.va_bits = 39,
	.task_size = UINT64_C(1) << 38,
	.mmap_base = (UINT64_C(1) << 38) - RV_STACK_GAP,
	.stack_top = UINT64_C(1) << 38,
	.level_name = { "PGD", "PMD", "PTE" },
	RV_MMU_OPS,
};
