/* SPDX-License-Identifier: MIT */
/*
 * mmu_gather.c - batching what a teardown cleared, so that one TLB flush covers it all
 * and nothing is freed before that flush.
 *
 * A gather remembers which addresses lost their translation (start, end), at which levels
 * entries were cleared, whether table pages were unlinked, and the frames and table pages
 * that must wait for the flush. tlb_flush_mmu() asks the engine to flush and only then
 * frees; a full page batch forces that early, as in Linux.
 */
#include "mm/internal.h"

static void __tlb_reset_range(struct mmu_gather *tlb)
{
	if (tlb->fullmm) {
		tlb->start = tlb->end = ~UINT64_C(0);
	} else {
		tlb->start = tlb->mm->arch->task_size;
		tlb->end = 0;
	}
	tlb->freed_tables = false;
	tlb->cleared_levels = 0;
}

static void __tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm, bool fullmm)
{
	*tlb = (struct mmu_gather){ .mm = mm, .fullmm = fullmm };
	tlb->tables = g_array_new(false, false, sizeof(struct mmu_gather_table));
	__tlb_reset_range(tlb);
}

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm)
{
	__tlb_gather_mmu(tlb, mm, false);
}

void tlb_gather_mmu_fullmm(struct mmu_gather *tlb, struct mm_struct *mm)
{
	__tlb_gather_mmu(tlb, mm, true);
}

static void __tlb_adjust_range(struct mmu_gather *tlb, uint64_t addr, uint64_t size)
{
	if (tlb->fullmm)
		return;
	if (addr < tlb->start)
		tlb->start = addr;
	if (addr + size > tlb->end)
		tlb->end = addr + size;
}

void tlb_remove_tlb_entry(struct mmu_gather *tlb, unsigned level, uint64_t addr)
{
	__tlb_adjust_range(tlb, addr, arch_level_size(tlb->mm->arch, level));
	tlb->cleared_levels |= 1u << level;
}

void tlb_remove_page(struct mmu_gather *tlb, uint64_t paddr)
{
	tlb->pages[tlb->nr_pages++] = paddr;
	tlb->total_pages++;
	if (tlb->nr_pages == MMU_GATHER_BATCH) {
		mm_trace(tlb->mm, "  mmu_gather: page batch full, flushing early\n");
		tlb_flush_mmu(tlb);
	}
}

void tlb_free_table(struct mmu_gather *tlb, uint64_t paddr, unsigned level, uint64_t addr)
{
	struct mmu_gather_table t = { .paddr = paddr, .level = level, .addr = addr };

	/*
	 * Invalidating one address inside the table's span also drops the walk-cache entries
	 * behind it; the entry that pointed at the table lives one level up.
	 */
	__tlb_adjust_range(tlb, addr, arch_page_size(tlb->mm->arch));
	tlb->cleared_levels |= 1u << (level - 1);
	tlb->freed_tables = true;
	g_array_append_val(tlb->tables, t);
	tlb->total_tables++;
}

/*
 * tlb_flush_plan() - ask the architecture how its Linux would invalidate what this gather
 * cleared; without a model, one full flush.
 */
static void tlb_flush_plan(struct mmu_gather *tlb, struct arch_tlb_plan *plan)
{
	const struct arch_mmu *a = tlb->mm->arch;
	struct arch_tlb_flush f = {
		.start = tlb->start,
		.end = tlb->end,
		.cleared_levels = tlb->cleared_levels,
		.freed_tables = tlb->freed_tables,
		.fullmm = tlb->fullmm || tlb->need_flush_all,
	};

	if (a->tlb_flush_plan)
		a->tlb_flush_plan(a, &f, plan);
	else
		*plan = (struct arch_tlb_plan){ .full = true, .ops = 1, .insn = "full flush" };
}

static void tlb_flush(struct mmu_gather *tlb)
{
	struct mm_struct *mm = tlb->mm;
	const struct mm_engine *e = &mm->engine;
	struct arch_tlb_plan plan;
	bool full;

	tlb_flush_plan(tlb, &plan);
	mm->stats.tlb_flush_ops += plan.ops;
	if (plan.full)
		mm->stats.tlb_flush_ops_full++;
	if (plan.ops)
		mm_trace(mm, "  %s would issue %" PRIu64 " x %s%s\n", mm->arch->name, plan.ops,
			 plan.insn, plan.full ? "" : " (one per stride)");
	/* The emulator is flushed even when the architecture would not need to (arm64 exit). */
	full = plan.full || tlb->fullmm || tlb->need_flush_all || !e->flush_tlb_range;
	if (mm->no_tlb_flush) {
		mm->stats.tlb_flush_skipped++;
		mm_trace(mm, "  tlb_flush: SKIPPED (--no-tlb-flush): stale translations stay live\n");
		return;
	}
	tlb->flushes++;
	if (mm->tlb_shadow)
		tlb_shadow_flush(mm);
	if (full) {
		mm->stats.tlb_flush_all++;
		mm_trace(mm, "  tlb_flush: whole TLB%s\n", tlb->freed_tables ? " (tables freed)" : "");
		if (e->flush_tlb_all)
			e->flush_tlb_all(e->ctx);
	} else {
		mm->stats.tlb_flush_range++;
		mm_trace(mm, "  tlb_flush: range [%#" PRIx64 ", %#" PRIx64 ")%s\n", tlb->start,
			 tlb->end, tlb->freed_tables ? " with walk caches (tables freed)" : "");
		e->flush_tlb_range(e->ctx, tlb->start, tlb->end, tlb->freed_tables);
	}
}

static void tlb_flush_mmu_tlbonly(struct mmu_gather *tlb)
{
	/* Nothing was cleared and no table unlinked: there is nothing a TLB could still hold. */
	if (!tlb->cleared_levels && !tlb->freed_tables)
		return;
	tlb_flush(tlb);
	__tlb_reset_range(tlb);
}

static void tlb_flush_mmu_free(struct mmu_gather *tlb)
{
	struct mm_struct *mm = tlb->mm;

	for (guint i = 0; i < tlb->tables->len; i++) {
		struct mmu_gather_table *t = &g_array_index(tlb->tables, struct mmu_gather_table, i);

		mm_free_table_now(mm, t->paddr, t->level);
	}
	g_array_set_size(tlb->tables, 0);
	for (unsigned i = 0; i < tlb->nr_pages; i++)
		mm_free_frame(mm, tlb->pages[i]);
	tlb->nr_pages = 0;
}

void tlb_flush_mmu(struct mmu_gather *tlb)
{
	tlb_flush_mmu_tlbonly(tlb);
	tlb_flush_mmu_free(tlb);
}

void tlb_finish_mmu(struct mmu_gather *tlb)
{
	tlb_flush_mmu(tlb);
	mm_trace(tlb->mm, "  tlb_finish_mmu: %lu pages and %lu table pages freed after %lu flush(es)\n",
		 tlb->total_pages, tlb->total_tables, tlb->flushes);
	g_array_free(tlb->tables, true);
	tlb->tables = NULL;
}
