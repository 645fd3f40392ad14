/* SPDX-License-Identifier: MIT */
/*
 * tlb.c - how arm64 Linux invalidates after a teardown (arch/arm64's tlb_flush() and
 * __flush_tlb_range()), for the statistics that compare architectures.
 *
 * arm64 invalidates by address and ASID. When only leaf entries changed it may use the
 * "last level" form (TLBI VALE1IS), which keeps cached intermediate walks; once table pages
 * were freed it must use TLBI VAE1IS, which drops them too. A range of 512 strides or more
 * (MAX_DVM_OPS, without FEAT_TLBIRANGE, which the emulated core lacks) becomes one TLBI
 * ASIDE1IS for the whole address space. At exit, nothing is flushed unless tables were
 * freed: the ASID is not reused before a full invalidation anyway.
 */
#include "arch/arch.h"
#include "arch/arm64/pgtable.h"

void arm64_tlb_flush_plan(const struct arch_mmu *mmu, const struct arch_tlb_flush *f,
			  struct arch_tlb_plan *plan)
{
	unsigned stride = arch_tlb_unmap_shift(mmu, f->cleared_levels);
	uint64_t size, start, end, max_dvm_ops = UINT64_C(1) << mmu->index_bits[mmu->levels - 1];
	bool last_level = !f->freed_tables;

	*plan = (struct arch_tlb_plan){ .stride_shift = stride };
	if (f->fullmm) {
		if (!last_level) {
			plan->full = true;
			plan->ops = 1;
			plan->insn = "TLBI ASIDE1IS";
		}
		return;
	}
	size = UINT64_C(1) << stride;
	start = f->start & ~(size - 1);
	end = (f->end + size - 1) & ~(size - 1);
	if (end <= start)
		return;
	if (end - start >= max_dvm_ops * size) {
		plan->full = true;
		plan->ops = 1;
		plan->insn = "TLBI ASIDE1IS";
		return;
	}
	plan->ops = (end - start) >> stride;
	plan->insn = last_level ? "TLBI VALE1IS" : "TLBI VAE1IS";
}
