/* SPDX-License-Identifier: MIT */
/*
 * mmu.c - x86_64 4-level paging: the entry format Linux writes and the walk the CPU does.
 *
 * Leaves are made as Linux's protection_map makes private mappings: every user leaf is
 * P|US|A, a writable one adds RW (and starts clean, D=0), a non-executable one adds NX.
 * x86 cannot say "write-only" or "exec-only": both come out readable. PROT_NONE is Linux's
 * PAGE_NONE, P=0 with _PAGE_PROTNONE (bit 8, G while present) and A, frame kept.
 *
 * The walk (arch/walk.c with x86_64_walk_step) models a user-mode access with CR0.WP=1,
 * EFER.NXE=1 and CR4.PKE=0.
 */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/describe.h"
#include "arch/x86_64/pgtable.h"

#define X86_64_LEVELS 4u

/* Bits of a leaf that a protection change keeps (Linux's _PAGE_CHG_MASK, in spirit). */
#define X86_LEAF_KEEP (X86_PTE_ADDR_MASK | X86_PTE_PWT | X86_PTE_PCD | X86_PTE_PAT | \
		       X86_PTE_A | X86_PTE_D | X86_PTE_SOFT_MASK | X86_PTE_SOFT_HIGH_MASK)

/* PS makes a leaf only in a PDPTE or PDE, the two levels above the PT. */
static bool x86_64_ps_level(unsigned levels, unsigned level)
{
	return level + 1 < levels && level + 3 >= levels;
}

static uint64_t x86_64_mk_table(uint64_t table_paddr, unsigned level)
{
	return (table_paddr & X86_PTE_ADDR_MASK) | X86_PTE_TABLE;
}

/* The protection bits of a leaf for @prot, frame excluded. */
static uint64_t x86_64_leaf_bits(unsigned prot)
{
	uint64_t e;

	if (!(prot & (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC)))
		return X86_PTE_PROTNONE | X86_PTE_A;
	e = X86_PTE_P | X86_PTE_US | X86_PTE_A;
	if (prot & MM_PROT_WRITE)
		e |= X86_PTE_RW;
	if (!(prot & MM_PROT_EXEC))
		e |= X86_PTE_NX;
	return e;
}

static uint64_t x86_64_mk_leaf(uint64_t paddr, unsigned prot)
{
	return (paddr & X86_PTE_ADDR_MASK) | x86_64_leaf_bits(prot);
}

static uint64_t x86_64_leaf_modify_prot(uint64_t e, unsigned prot)
{
	return (e & X86_LEAF_KEEP) | (x86_64_leaf_bits(prot) & ~X86_LEAF_KEEP);
}

/* A PROT_NONE leaf: P=0 with bit 8, at the PT or as a PS leaf. */
static bool x86_64_protnone(uint64_t e, unsigned level)
{
	if ((e & (X86_PTE_P | X86_PTE_PROTNONE)) != X86_PTE_PROTNONE)
		return false;
	return level == X86_64_LEVELS - 1 ||
	       (x86_64_ps_level(X86_64_LEVELS, level) && (e & X86_PTE_PS));
}

static bool x86_64_entry_present(uint64_t e, unsigned level)
{
	return (e & X86_PTE_P) || x86_64_protnone(e, level);
}

static bool x86_64_entry_is_table(uint64_t e, unsigned level)
{
	return level + 1 < X86_64_LEVELS && (e & X86_PTE_P) && !(e & X86_PTE_PS);
}

static uint64_t x86_64_entry_paddr(uint64_t e)
{
	return e & X86_PTE_ADDR_MASK;
}

static unsigned x86_64_leaf_prot(uint64_t e)
{
	unsigned prot = 0;

	if (!(e & X86_PTE_P) || !(e & X86_PTE_US))
		return MM_PROT_NONE;
	prot = MM_PROT_READ;
	if (e & X86_PTE_RW)
		prot |= MM_PROT_WRITE;
	if (!(e & X86_PTE_NX))
		prot |= MM_PROT_EXEC;
	return prot;
}

static bool x86_64_leaf_dirty(uint64_t e)
{
	return e & X86_PTE_D;
}

static uint64_t x86_64_leaf_mkclean(uint64_t e)
{
	return e & ~X86_PTE_D;
}

static bool x86_64_leaf_young(uint64_t e)
{
	return e & X86_PTE_A;
}

/*
 * One entry of the walk: P=0 is invalid (PROT_NONE leaves too), PS in a PML4E is reserved,
 * PS in a PDPTE or PDE and any entry of the PT is a leaf. RW and US are ANDed over the
 * levels and NX ORed: limits carries RW or US clear in any entry so far, and NX. The
 * hardware sets A in every entry it used and D in the leaf it wrote through.
 */
static enum arch_step x86_64_walk_step(const struct arch_mmu *mmu, unsigned level, uint64_t e,
				       mm_access_t access, unsigned flags,
				       struct arch_step_out *out)
{
	uint64_t final;
	unsigned prot = 0;

	if (!(e & X86_PTE_P))
		return ARCH_STEP_INVALID;
	out->limits |= (~e & (X86_PTE_RW | X86_PTE_US)) | (e & X86_PTE_NX);
	out->next = e & X86_PTE_ADDR_MASK;
	out->update = e | X86_PTE_A;
	if (level + 1 < mmu->levels && !(e & X86_PTE_PS))
		return ARCH_STEP_TABLE;
	if (level + 1 < mmu->levels && !x86_64_ps_level(mmu->levels, level))
		return ARCH_STEP_RESERVED;

	if (access == MM_PROT_WRITE)
		out->update |= X86_PTE_D;
	if (!(out->limits & X86_PTE_US)) {
		prot = MM_PROT_READ;
		if (!(out->limits & X86_PTE_RW))
			prot |= MM_PROT_WRITE;
		if (!(out->limits & X86_PTE_NX))
			prot |= MM_PROT_EXEC;
	}
	final = flags & ARCH_WALK_F_NOUPDATE ? e : out->update;
	out->prot = prot;
	out->tlb_prot = final & X86_PTE_D ? prot : prot & ~MM_PROT_WRITE;
	return ARCH_STEP_LEAF;
}

static void x86_64_describe_entry(uint64_t e, unsigned level, char *buf, size_t len)
{
	bool large = level + 1 < X86_64_LEVELS && (e & X86_PTE_PS);
	uint64_t frame = e & X86_PTE_ADDR_MASK;
	size_t pos = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (e == 0) {
		arch_describe_put(buf, len, &pos, "none");
		return;
	}
	if (e & X86_PTE_P) {
		arch_describe_put(buf, len, &pos, "P");
	} else if (x86_64_protnone(e, level)) {
		arch_describe_put(buf, len, &pos, "PROTNONE");
	} else {
		arch_describe_put(buf, len, &pos, "not-present 0x%016" PRIx64, e);
		return;
	}
	if (e & X86_PTE_RW)
		arch_describe_put(buf, len, &pos, " RW");
	if (e & X86_PTE_US)
		arch_describe_put(buf, len, &pos, " US");
	if (e & X86_PTE_PWT)
		arch_describe_put(buf, len, &pos, " PWT");
	if (e & X86_PTE_PCD)
		arch_describe_put(buf, len, &pos, " PCD");
	if (e & X86_PTE_A)
		arch_describe_put(buf, len, &pos, " A");
	if (e & X86_PTE_D)
		arch_describe_put(buf, len, &pos, " D");
	if (e & X86_PTE_PS)
		arch_describe_put(buf, len, &pos, level + 1 == X86_64_LEVELS ? " PAT" :
			   x86_64_ps_level(X86_64_LEVELS, level) ? " PS" : " PS(reserved)");
	if ((e & X86_PTE_G) && (e & X86_PTE_P))
		arch_describe_put(buf, len, &pos, " G");
	if (large && (e & X86_PTE_PAT_LARGE)) {
		arch_describe_put(buf, len, &pos, " PAT");
		frame &= ~X86_PTE_PAT_LARGE;
	}
	if (e & (X86_PTE_SOFT_MASK | X86_PTE_SOFT_HIGH_MASK))
		arch_describe_put(buf, len, &pos, " soft=0x%" PRIx64,
			   e & (X86_PTE_SOFT_MASK | X86_PTE_SOFT_HIGH_MASK));
	if (e & X86_PTE_PKEY_MASK)
		arch_describe_put(buf, len, &pos, " pkey=%u", (unsigned)((e & X86_PTE_PKEY_MASK) >> 59));
	if (e & X86_PTE_NX)
		arch_describe_put(buf, len, &pos, " NX");
	arch_describe_put(buf, len, &pos, " frame=0x%" PRIx64, frame);
}

const struct arch_mmu x86_64_mmu = {
	.name = "x86_64",
	.page_shift = 12,
	.levels = X86_64_LEVELS,
	.shift = { 39, 30, 21, 12 },
	.index_bits = { 9, 9, 9, 9 },
	.va_bits = 48,
	.task_size = UINT64_C(0x7ffffffff000),
	.mmap_base = UINT64_C(0x7ffff7fff000), /* task_size - 128 MiB gap, no randomisation */
	.stack_top = UINT64_C(0x7ffffffff000),
	.level_name = { "PML4", "PDPT", "PD", "PT" },
	.mk_table = x86_64_mk_table,
	.mk_leaf = x86_64_mk_leaf,
	.leaf_modify_prot = x86_64_leaf_modify_prot,
	.entry_present = x86_64_entry_present,
	.entry_is_table = x86_64_entry_is_table,
	.entry_paddr = x86_64_entry_paddr,
	.leaf_prot = x86_64_leaf_prot,
	.leaf_dirty = x86_64_leaf_dirty,
	.leaf_young = x86_64_leaf_young,
	.leaf_mkclean = x86_64_leaf_mkclean,
	.walk = arch_walk,
	.walk_step = x86_64_walk_step,
	.describe_entry = x86_64_describe_entry,
	.tlb_flush_plan = x86_64_tlb_flush_plan, /* arch/x86_64/tlb.c */
};
