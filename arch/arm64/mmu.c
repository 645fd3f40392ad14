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
 * The walk models EL0 accesses from TTBR0_EL1 with TCR_EL1.HA and HD set (hardware access
 * flag and dirty state), TBI0 off, no PAN/EPAN and WXN=0.
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
 * A walk stops at an invalid descriptor (NOT_PRESENT: bits[1:0] x0, a block at L0, 0b01 at
 * L3, or a VA outside TTBR0's 48 bits), at a descriptor outside guest memory (BAD_TABLE at
 * the level whose table is not there), at a page or block whose output range is not all
 * guest memory (BAD_TABLE at the leaf), or at a page or block. Table descriptors carry
 * hierarchical limits (APTable, UXNTable) that are ORed on the way down. A permission
 * failure is ARCH_WALK_PROT with fault_level at the leaf. AF and AP[2] change only on
 * success.
 */
static enum arch_walk_result arm64_walk(const struct arch_mmu *mmu, const struct arch_mem *mem,
					uint64_t root, uint64_t va, mm_access_t access,
					unsigned flags, struct arch_walk *w)
{
	uint64_t table = root & ARM64_PTE_ADDR_MASK, limits = 0, e = 0, span;
	unsigned level, prot = 0;

	*w = (struct arch_walk){ .fault_level = -1 };
	if (va >> mmu->va_bits || va >= mmu->task_size)
		return arch_walk_stop(w, ARCH_WALK_NOT_PRESENT, 0);

	for (level = 0;; level++) {
		uint64_t pa = table + ARM64_PTE_SIZE * arch_level_index(mmu, level, va);

		if (mem->size < ARM64_PTE_SIZE || pa > mem->size - ARM64_PTE_SIZE)
			return arch_walk_stop(w, ARCH_WALK_BAD_TABLE, level);
		e = arch_mem_load(mem, pa);
		w->entry_paddr[level] = pa;
		w->entry[level] = e;
		w->nr_levels = level + 1;
		if (!arm64_desc_valid(mmu->levels, e, level))
			return arch_walk_stop(w, ARCH_WALK_NOT_PRESENT, level);
		if (level + 1 == mmu->levels ||
		    (e & ARM64_PTE_TYPE_MASK) == ARM64_PTE_TYPE_BLOCK)
			break;
		limits |= e & (ARM64_PTE_UXNTABLE | ARM64_PTE_APTABLE_NOEL0 | ARM64_PTE_APTABLE_RO);
		table = e & ARM64_PTE_ADDR_MASK;
	}

	/*
	 * The output address, all of a block, must be guest memory: beyond the PA size the
	 * hardware raises an address size fault at this level, ahead of permission faults.
	 */
	span = arch_level_size(mmu, level);
	if (!arch_mem_holds(mem, e & ARM64_PTE_ADDR_MASK & ~(span - 1), span))
		return arch_walk_stop(w, ARCH_WALK_BAD_TABLE, level);

	if ((e & ARM64_PTE_USER) && !(limits & ARM64_PTE_APTABLE_NOEL0)) {
		prot = MM_PROT_READ;
		if ((!(e & ARM64_PTE_RDONLY) || (e & ARM64_PTE_DBM)) &&
		    !(limits & ARM64_PTE_APTABLE_RO))
			prot |= MM_PROT_WRITE;
	}
	if (!(e & ARM64_PTE_UXN) && !(limits & ARM64_PTE_UXNTABLE))
		prot |= MM_PROT_EXEC;
	w->prot = prot;
	if ((prot & access) != access || !access)
		return arch_walk_stop(w, ARCH_WALK_PROT, level);

	if (!(flags & ARCH_WALK_F_NOUPDATE)) {
		uint64_t n = e | ARM64_PTE_AF;

		if (access == MM_PROT_WRITE && (n & ARM64_PTE_DBM))
			n &= ~ARM64_PTE_RDONLY;
		if (n != e)
			arch_mem_store(mem, w->entry_paddr[level], n);
		e = n;
	}

	w->result = ARCH_WALK_OK;
	w->paddr = (e & ARM64_PTE_ADDR_MASK & ~(span - 1)) | (va & (span - 1));
	w->tlb_prot = prot;
	if (e & ARM64_PTE_RDONLY)
		w->tlb_prot &= ~MM_PROT_WRITE;
	return ARCH_WALK_OK;
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
	.walk = arm64_walk,
	.describe_entry = arm64_describe_entry,
	.tlb_flush_plan = arm64_tlb_flush_plan, /* arch/arm64/tlb.c */
};
