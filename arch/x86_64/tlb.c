/* SPDX-License-Identifier: MIT */
/*
 * tlb.c - how x86_64 Linux invalidates after a teardown (arch/x86's tlb_flush() and
 * flush_tlb_mm_range()), for the statistics that compare architectures.
 *
 * x86 has no ASID-wide or range invalidation that user code could ask for: the kernel either
 * issues one INVLPG per stride, which also drops the paging-structure caches behind that
 * address, or reloads CR3 to drop the whole TLB. It picks the reload when the exit tears
 * the mm down, or when more than 33 strides would be needed (tlb_single_page_flush_ceiling:
 * past that, refilling the TLB is cheaper than ~100 ns per INVLPG).
 */
#include "arch/arch.h"
#include "arch/x86_64/pgtable.h"

#define X86_TLB_SINGLE_PAGE_FLUSH_CEILING 33

void x86_64_tlb_flush_plan(const struct arch_mmu *mmu, const struct arch_tlb_flush *f,
			   struct arch_tlb_plan *plan)
{
	unsigned stride = arch_tlb_unmap_shift(mmu, f->cleared_levels);
	uint64_t n;

	*plan = (struct arch_tlb_plan){ .stride_shift = stride };
	n = f->end > f->start ? ((f->end - f->start) + (UINT64_C(1) << stride) - 1) >> stride : 0;
	if (f->fullmm || n > X86_TLB_SINGLE_PAGE_FLUSH_CEILING) {
		plan->full = true;
		plan->ops = 1;
		plan->insn = "CR3 reload";
		return;
	}
	plan->ops = n;
	plan->insn = "INVLPG";
}
