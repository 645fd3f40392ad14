/* SPDX-License-Identifier: MIT */
/*
 * tlb.c - how riscv64 Linux invalidates after a teardown (arch/riscv's tlb_flush() and
 * arch/riscv/mm/tlbflush.c), for the statistics that compare architectures.
 *
 * RISC-V has one invalidation instruction, sfence.vma, by address and ASID or for a whole
 * ASID. Linux flushes the whole ASID when the mm goes away or when page tables were freed
 * (an address-only sfence.vma is not trusted to drop the cached non-leaf entries there),
 * and otherwise one sfence.vma per stride, unless the range needs more than
 * tlb_flush_all_threshold (64) of them: then the whole ASID again.
 */
#include "arch/riscv64/riscv64.h"

#define RV_TLB_FLUSH_ALL_THRESHOLD 64

void riscv64_tlb_flush_plan(const struct arch_mmu *mmu, const struct arch_tlb_flush *f,
			    struct arch_tlb_plan *plan)
{
	unsigned stride = arch_tlb_unmap_shift(mmu, f->cleared_levels);
	uint64_t n;

	*plan = (struct arch_tlb_plan){ .stride_shift = stride };
	if (f->fullmm || f->freed_tables) {
		plan->full = true;
		plan->ops = 1;
		plan->insn = "sfence.vma x0, asid";
		return;
	}
	n = f->end > f->start ? ((f->end - f->start) + (UINT64_C(1) << stride) - 1) >> stride : 0;
	if (n > RV_TLB_FLUSH_ALL_THRESHOLD) {
		plan->full = true;
		plan->ops = 1;
		plan->insn = "sfence.vma x0, asid";
		return;
	}
	plan->ops = n;
	plan->insn = "sfence.vma addr, asid";
}
