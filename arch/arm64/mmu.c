/* SPDX-License-Identifier: MIT */
/*
 * mmu.c - arm64 VMSAv8-64 stage 1 translation, 4 KiB granule, 48-bit VA, L0 to L3.
 *
 * Leaves are made as Linux's user page templates make them: valid page, AF, inner
 * shareable, Normal memory (AttrIndx 0), nG, and PXN because user pages never run at EL1.
 * USER (AP[1]) gives EL0 data access, RDONLY (AP[2]) forbids writes, DBM (Linux PTE_WRITE)
 * marks a page writable-but-clean: with TCR_EL1.HD the hardware clears AP[2] on the first
 * write, which is how the page becomes dirty. Exec-only is RDONLY without USER and without
 * UXN (Linux PAGE_EXECONLY). PROT_NONE clears the valid bit and sets Linux's PTE_PROT_NONE.
 *
 * The walk (arch/walk.c with arm64_walk_step) models EL0 accesses from TTBR0_EL1 with
 * TCR_EL1.HA and HD set (hardware access flag and dirty state), TBI0 off, no PAN/EPAN and
 * WXN=0.
 */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/describe.h"
#include "arch/arm64/pgtable.h"

#define ARM64_LEVELS 4u

/* Leaf bits a protection change replaces; everything else (frame, AF, SH, ...) is kept. */
#define ARM64_LEAF_PROT_MASK (ARM64_PTE_USER | ARM64_PTE_RDONLY | ARM64_PTE_DBM | \
			      ARM64_PTE_PXN | ARM64_PTE_UXN | ARM64_PTE_VALID | \
			      ARM64_PTE_PROT_NONE)

/* What every user leaf has (Linux _PAGE_DEFAULT plus nG and PXN). */
#define ARM64_LEAF_BASE (ARM64_PTE_VALID | ARM64_PTE_TYPE_PAGE | ARM64_PTE_AF | \
			 ARM64_PTE_SH_INNER | ARM64_PTE_ATTRINDX(ARM64_MT_NORMAL) | \
			 ARM64_PTE_NG | ARM64_PTE_PXN)

/* With a 4 KiB granule, block descriptors exist at L1 and L2 only. */
static bool arm64_block_level(unsigned levels, unsigned level)
{
	return level >= 1 && level + 1 < levels;
}

/* The hardware would use @e at @level: a table, a page, or a block where blocks exist. */
static bool arm64_desc_valid(unsigned levels, uint64_t e, unsigned level)
{
	switch (e & ARM64_PTE_TYPE_MASK) {
	case ARM64_PTE_TYPE_TABLE: /* also ARM64_PTE_TYPE_PAGE at the last level */
		return true;
	case ARM64_PTE_TYPE_BLOCK:
		return arm64_block_level(levels, level);
	default:
		return false;
	}
}

static bool arm64_protnone(uint64_t e)
{
	return (e & (ARM64_PTE_VALID | ARM64_PTE_PROT_NONE)) == ARM64_PTE_PROT_NONE;
}

static uint64_t arm64_mk_table(uint64_t table_paddr, unsigned level)
{
	return (table_paddr & ARM64_PTE_ADDR_MASK) | ARM64_PTE_TYPE_TABLE;
}

/* The attribute bits of a leaf for @prot, output address excluded. */
static uint64_t arm64_leaf_bits(unsigned prot)
{
	uint64_t e = ARM64_LEAF_BASE | ARM64_PTE_RDONLY;

	if (!(prot & (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC)))
		return (e & ~ARM64_PTE_VALID) | ARM64_PTE_PROT_NONE | ARM64_PTE_UXN;
	if (prot & (MM_PROT_READ | MM_PROT_WRITE))
		e |= ARM64_PTE_USER;
	if (prot & MM_PROT_WRITE)
		e |= ARM64_PTE_DBM;
	if (!(prot & MM_PROT_EXEC))
		e |= ARM64_PTE_UXN;
	return e;
}

static uint64_t arm64_mk_leaf(uint64_t paddr, unsigned prot)
{
	return (paddr & ARM64_PTE_ADDR_MASK) | arm64_leaf_bits(prot);
}

static bool arm64_hw_dirty(uint64_t e)
{
	return (e & ARM64_PTE_DBM) && !(e & ARM64_PTE_RDONLY);
}

/*
 * The new template brings back AP[2] set, which would silently make a hardware-dirty page
 * clean: record the dirtiness in the software PTE_DIRTY bit first, and if the page is still
 * writable afterwards, hand it back to the hardware by clearing AP[2] again.
 */
static uint64_t arm64_leaf_modify_prot(uint64_t e, unsigned prot)
{
	if (arm64_hw_dirty(e))
		e |= ARM64_PTE_DIRTY;
	e = (e & ~ARM64_LEAF_PROT_MASK) | (arm64_leaf_bits(prot) & ARM64_LEAF_PROT_MASK);
	if ((e & ARM64_PTE_DIRTY) && (e & ARM64_PTE_DBM))
		e &= ~ARM64_PTE_RDONLY;
	return e;
}

static bool arm64_entry_present(uint64_t e, unsigned level)
{
	if (arm64_desc_valid(ARM64_LEVELS, e, level))
		return true;
	return level > 0 && arm64_protnone(e);
}

static bool arm64_entry_is_table(uint64_t e, unsigned level)
{
	return level + 1 < ARM64_LEVELS &&
	       (e & ARM64_PTE_TYPE_MASK) == ARM64_PTE_TYPE_TABLE;
}

static uint64_t arm64_entry_paddr(uint64_t e)
{
	return e & ARM64_PTE_ADDR_MASK;
}

static unsigned arm64_leaf_prot(uint64_t e)
{
	unsigned prot = 0;

	if (!(e & ARM64_PTE_VALID))
		return MM_PROT_NONE;
	if (e & ARM64_PTE_USER) {
		prot |= MM_PROT_READ;
		if (!(e & ARM64_PTE_RDONLY) || (e & ARM64_PTE_DBM))
			prot |= MM_PROT_WRITE;
	}
	if (!(e & ARM64_PTE_UXN))
		prot |= MM_PROT_EXEC;
	return prot;
}

static bool arm64_leaf_dirty(uint64_t e)
{
	return arm64_hw_dirty(e) || (e & ARM64_PTE_DIRTY);
}

static uint64_t arm64_leaf_mkclean(uint64_t e)
{
	e &= ~ARM64_PTE_DIRTY;
	return e & ARM64_PTE_DBM ? e | ARM64_PTE_RDONLY : e;
}

static bool arm64_leaf_young(uint64_t e)
{
	return e & ARM64_PTE_AF;
}

/*
 * One descriptor of the walk: bits[1:0] x0, a block at L0 or 0b01 at L3 is invalid; a table
 * descriptor above L3 carries hierarchical limits (APTable, UXNTable) that limits ORs on
 * the way down; a page or block is a leaf. With TCR_EL1.HA and HD the hardware sets AF in
 * the leaf, and on a write to a DBM page clears AP[2]; table descriptors are left alone.
 */
static enum arch_step arm64_walk_step(const struct arch_mmu *mmu, unsigned level, uint64_t e,
				      mm_access_t access, unsigned flags,
				      struct arch_step_out *out)
{
	uint64_t final;
	unsigned prot = 0;

	if (!arm64_desc_valid(mmu->levels, e, level))
		return ARCH_STEP_INVALID;
	out->next = e & ARM64_PTE_ADDR_MASK;
	out->update = e;
	if (level + 1 < mmu->levels && (e & ARM64_PTE_TYPE_MASK) == ARM64_PTE_TYPE_TABLE) {
		out->limits |= e & (ARM64_PTE_UXNTABLE | ARM64_PTE_APTABLE_NOEL0 |
				    ARM64_PTE_APTABLE_RO);
		return ARCH_STEP_TABLE;
	}

	out->update |= ARM64_PTE_AF;
	if (access == MM_PROT_WRITE && (e & ARM64_PTE_DBM))
		out->update &= ~ARM64_PTE_RDONLY;
	if ((e & ARM64_PTE_USER) && !(out->limits & ARM64_PTE_APTABLE_NOEL0)) {
		prot = MM_PROT_READ;
		if ((!(e & ARM64_PTE_RDONLY) || (e & ARM64_PTE_DBM)) &&
		    !(out->limits & ARM64_PTE_APTABLE_RO))
			prot |= MM_PROT_WRITE;
	}
	if (!(e & ARM64_PTE_UXN) && !(out->limits & ARM64_PTE_UXNTABLE))
		prot |= MM_PROT_EXEC;
	final = flags & ARCH_WALK_F_NOUPDATE ? e : out->update;
	out->prot = prot;
	out->tlb_prot = final & ARM64_PTE_RDONLY ? prot & ~MM_PROT_WRITE : prot;
	return ARCH_STEP_LEAF;
}

static void arm64_describe_table(uint64_t e, char *buf, size_t len, size_t *pos)
{
	arch_describe_put(buf, len, pos, "table");
	if (e & ARM64_PTE_NSTABLE)
		arch_describe_put(buf, len, pos, " NSTable");
	if (e & ARM64_PTE_APTABLE_RO)
		arch_describe_put(buf, len, pos, " APTable-RO");
	if (e & ARM64_PTE_APTABLE_NOEL0)
		arch_describe_put(buf, len, pos, " APTable-noEL0");
	if (e & ARM64_PTE_UXNTABLE)
		arch_describe_put(buf, len, pos, " UXNTable");
	if (e & ARM64_PTE_PXNTABLE)
		arch_describe_put(buf, len, pos, " PXNTable");
	arch_describe_put(buf, len, pos, " next=0x%" PRIx64, e & ARM64_PTE_ADDR_MASK);
}

static void arm64_describe_entry(uint64_t e, unsigned level, char *buf, size_t len)
{
	static const char *const sh[] = { "non", "res", "outer", "inner" };
	size_t pos = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (e == 0) {
		arch_describe_put(buf, len, &pos, "none");
		return;
	}
	if (arm64_entry_is_table(e, level)) {
		arm64_describe_table(e, buf, len, &pos);
		return;
	}
	if (arm64_desc_valid(ARM64_LEVELS, e, level)) {
		arch_describe_put(buf, len, &pos, level + 1 == ARM64_LEVELS ? "page" : "block");
	} else if (level > 0 && arm64_protnone(e)) {
		arch_describe_put(buf, len, &pos, "PROTNONE");
	} else {
		arch_describe_put(buf, len, &pos, "invalid 0x%016" PRIx64, e);
		return;
	}
	arch_describe_put(buf, len, &pos, " attr=%u", (unsigned)((e & ARM64_PTE_ATTRINDX_MASK) >> 2));
	if (e & ARM64_PTE_USER)
		arch_describe_put(buf, len, &pos, " USER");
	if (e & ARM64_PTE_RDONLY)
		arch_describe_put(buf, len, &pos, " RDONLY");
	arch_describe_put(buf, len, &pos, " SH=%s", sh[(e & ARM64_PTE_SH_MASK) >> 8]);
	if (e & ARM64_PTE_AF)
		arch_describe_put(buf, len, &pos, " AF");
	if (e & ARM64_PTE_NG)
		arch_describe_put(buf, len, &pos, " nG");
	if (e & ARM64_PTE_DBM)
		arch_describe_put(buf, len, &pos, " DBM");
	if (e & ARM64_PTE_CONT)
		arch_describe_put(buf, len, &pos, " CONT");
	if (e & ARM64_PTE_PXN)
		arch_describe_put(buf, len, &pos, " PXN");
	if (e & ARM64_PTE_UXN)
		arch_describe_put(buf, len, &pos, " UXN");
	if (e & ARM64_PTE_DIRTY)
		arch_describe_put(buf, len, &pos, " DIRTY");
	if (e & ARM64_PTE_SPECIAL)
		arch_describe_put(buf, len, &pos, " SPECIAL");
	arch_describe_put(buf, len, &pos, " oa=0x%" PRIx64, e & ARM64_PTE_ADDR_MASK);
}

const struct arch_mmu arm64_mmu = {
	.name = "arm64",
	.page_shift = 12,
	.levels = ARM64_LEVELS,
	.shift = { 39, 30, 21, 12 },
	.index_bits = { 9, 9, 9, 9 },
	.va_bits = 48,
	.task_size = UINT64_C(1) << 48,
	.mmap_base = (UINT64_C(1) << 48) - (UINT64_C(128) << 20), /* 128 MiB stack gap */
	.stack_top = UINT64_C(1) << 48,
	.level_name = { "L0", "L1", "L2", "L3" },
	.mk_table = arm64_mk_table,
	.mk_leaf = arm64_mk_leaf,
	.leaf_modify_prot = arm64_leaf_modify_prot,
	.entry_present = arm64_entry_present,
	.entry_is_table = arm64_entry_is_table,
	.entry_paddr = arm64_entry_paddr,
	.leaf_prot = arm64_leaf_prot,
	.leaf_dirty = arm64_leaf_dirty,
	.leaf_young = arm64_leaf_young,
	.leaf_mkclean = arm64_leaf_mkclean,
	.walk = arch_walk,
	.walk_step = arm64_walk_step,
	.describe_entry = arm64_describe_entry,
	.tlb_flush_plan = arm64_tlb_flush_plan, /* arch/arm64/tlb.c */
};
