/* SPDX-License-Identifier: MIT */
/*
 * walk.c - the hardware page walk, once for every architecture, and the TLB stride rule
 * their flush models share.
 *
 * The loop knows the shape of a walk (levels, index bits, 64-bit entries in guest memory,
 * where it may stop and what it records); each architecture's walk_step knows what its
 * entries mean. See arch/arch.h, struct arch_step_out, for the contract between the two.
 */
#include "arch/arch.h"

#define ARCH_ENTRY_SIZE 8u /* bytes per entry, on every architecture so far */

/* End a walk at @level with @r. */
static enum arch_walk_result arch_walk_stop(struct arch_walk *w, enum arch_walk_result r,
					    unsigned level)
{
	w->result = r;
	w->fault_level = (int)level;
	return r;
}

/*
 * The walk stops, in this order: at a VA at or above task_size (NOT_PRESENT at level 0,
 * nothing read); at an entry outside guest memory (BAD_TABLE at the level whose table is
 * not there, that entry unread); at an entry the step calls invalid (NOT_PRESENT) or
 * reserved (BAD_TABLE) at its level; at a leaf whose frame is not guest memory over its
 * whole span, 1 GiB for a 1 GiB leaf (BAD_TABLE at the leaf: past the physical address
 * size the hardware faults there ahead of any permission check); at a leaf that does not
 * grant the access (PROT at the leaf). Only a walk that succeeds stores the steps' updates.
 */
enum arch_walk_result arch_walk(const struct arch_mmu *mmu, const struct arch_mem *mem,
				uint64_t root, uint64_t va, mm_access_t access, unsigned flags,
				struct arch_walk *w)
{
	uint64_t table = root & ~(arch_page_size(mmu) - 1), update[ARCH_MAX_LEVELS], span, frame;
	struct arch_step_out out = { 0 };
	unsigned level;

	*w = (struct arch_walk){ .fault_level = -1 };
	if (va >= mmu->task_size)
		return arch_walk_stop(w, ARCH_WALK_NOT_PRESENT, 0);

	for (level = 0; level < mmu->levels; level++) {
		uint64_t pa = table + ARCH_ENTRY_SIZE * arch_level_index(mmu, level, va);
		enum arch_step kind;
		uint64_t e;

		if (!arch_mem_holds(mem, pa, ARCH_ENTRY_SIZE))
			return arch_walk_stop(w, ARCH_WALK_BAD_TABLE, level);
		e = arch_mem_load(mem, pa);
		w->entry_paddr[level] = pa;
		w->entry[level] = e;
		w->nr_levels = level + 1;
		kind = mmu->walk_step(mmu, level, e, access, flags, &out);
		update[level] = out.update;
		if (kind == ARCH_STEP_INVALID)
			return arch_walk_stop(w, ARCH_WALK_NOT_PRESENT, level);
		if (kind == ARCH_STEP_RESERVED)
			return arch_walk_stop(w, ARCH_WALK_BAD_TABLE, level);
		if (kind == ARCH_STEP_LEAF)
			break;
		table = out.next;
	}
	/* A table entry at the last level is a malformed format: the step must not say so. */
	if (level == mmu->levels)
		return arch_walk_stop(w, ARCH_WALK_BAD_TABLE, mmu->levels - 1);

	span = arch_level_size(mmu, level);
	frame = out.next & ~(span - 1);
	if (!arch_mem_holds(mem, frame, span))
		return arch_walk_stop(w, ARCH_WALK_BAD_TABLE, level);

	w->prot = out.prot;
	if (!access || (out.prot & access) != access)
		return arch_walk_stop(w, ARCH_WALK_PROT, level);

	if (!(flags & ARCH_WALK_F_NOUPDATE)) {
		for (unsigned i = 0; i <= level; i++) {
			if (update[i] != w->entry[i])
				arch_mem_store(mem, w->entry_paddr[i], update[i]);
		}
	}
	w->result = ARCH_WALK_OK;
	w->paddr = frame | (va & (span - 1));
	w->tlb_prot = out.tlb_prot;
	return ARCH_WALK_OK;
}

unsigned arch_tlb_unmap_shift(const struct arch_mmu *mmu, unsigned cleared_levels)
{
	for (int level = (int)mmu->levels - 1; level >= 0; level--) {
		if (cleared_levels & (1u << level))
			return mmu->shift[level];
	}
	return mmu->page_shift;
}
