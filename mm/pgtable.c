/* SPDX-License-Identifier: MIT */
/*
 * pgtable.c - walking, filling, zapping and freeing the page tables, level by level.
 *
 * Linux spells out one function per level (free_pmd_range inside free_pud_range...). Here
 * the number of levels is data, so each of those families is one function that takes the
 * level and recurses; the loop inside has the kernel's shape, and the comments say which
 * kernel function each level plays.
 *
 * Level L's table holds entries at level L; the root is level 0 and is only freed when the
 * whole mm goes (exit_mmap). Every entry goes through the arch ops: nothing here knows a bit.
 */
#include <string.h>

#include "mm/internal.h"

/* ---- frames and table pages, with their counters ---- */

int mm_alloc_frame(struct mm_struct *mm, uint64_t *paddr)
{
	uint8_t old_flags;
	int err;

	if (++mm->nr_frame_allocs == mm->inject_frame_alloc)
		return -ENOMEM;		/* --inject=frame-alloc:N */
	err = phys_alloc(mm->phys, paddr, &old_flags);
	if (err)
		return err;
	/* The frame held code before: whatever the emulator translated from it is stale now. */
	if ((old_flags & PHYS_F_EXEC) && mm->engine.invalidate_code)
		mm->engine.invalidate_code(mm->engine.ctx, *paddr, mm_page_size(mm));
	phys_page(mm->phys, *paddr)->owner = (uint16_t)(mm->slot + 1);
	mm->stats.frames_in_use++;
	if (mm->stats.frames_in_use > mm->stats.frames_peak)
		mm->stats.frames_peak = mm->stats.frames_in_use;
	return 0;
}

void mm_free_frame(struct mm_struct *mm, uint64_t paddr)
{
	/*
	 * A frame another entry or the page cache still holds stays allocated, and counted by
	 * the mm that allocated it (which need not be @mm after a fork).
	 */
	phys_free_frame(mm->phys, paddr);
}

int mm_alloc_table(struct mm_struct *mm, unsigned level, uint64_t *paddr)
{
	uint8_t old_flags;
	int err;

	if (++mm->nr_table_allocs == mm->inject_table_alloc)
		return -ENOMEM;		/* --inject=table-alloc:N */
	err = phys_alloc(mm->phys, paddr, &old_flags);
	if (err)
		return err;
	if ((old_flags & PHYS_F_EXEC) && mm->engine.invalidate_code)
		mm->engine.invalidate_code(mm->engine.ctx, *paddr, mm_page_size(mm));
	mm->stats.tables_alloc[level]++;
	mm->stats.tables_in_use++;
	mm->phys->tables_in_use++;
	if (mm->stats.tables_in_use > mm->stats.tables_peak)
		mm->stats.tables_peak = mm->stats.tables_in_use;
	return 0;
}

void mm_free_table_now(struct mm_struct *mm, uint64_t paddr, unsigned level)
{
	if (mm->tlb_shadow)
		tlb_shadow_free(mm, paddr, (int)level);
	phys_put(mm->phys, paddr);
	mm->phys->tables_in_use--;
	mm->stats.tables_freed[level]++;
	mm->stats.tables_in_use--;
}

/* ---- bad entries ---- */

/*
 * mm/ writes every entry itself, but a guest run with --no-tlb-flush can write a page that
 * has since become a table through its stale translation. Nothing such an entry says may
 * take mm/ outside guest memory or into a frame it does not own: as the kernel does with
 * pmd_bad() and print_bad_pte(), a bad entry is reported once to stderr and cleared.
 */
static void pt_report_bad(struct mm_struct *mm, const char *what, uint64_t e, unsigned level)
{
	if (mm->nr_bad_entries++)
		return;
	fprintf(stderr, "mmuemu: mm: bad %s entry %#" PRIx64 " (%s) cleared; the guest wrote a "
		"page table\n", mm->arch->level_name[level], e, what);
}

bool pt_none_or_clear_bad(struct mm_struct *mm, uint64_t *e, unsigned level)
{
	const struct arch_mmu *a = mm->arch;

	if (!*e || !a->entry_present(*e, level))
		return true;
	if (a->entry_is_table(*e, level) &&
	    phys_frame_valid(mm->phys, a->entry_paddr(*e)))
		return false;
	pt_report_bad(mm, a->entry_is_table(*e, level) ? "table outside guest memory" :
		      "block mapping", *e, level);
	*e = 0;
	return true;
}

bool pt_leaf_clear_bad(struct mm_struct *mm, uint64_t *e, uint64_t addr)
{
	const struct arch_mmu *a = mm->arch;
	unsigned level = a->levels - 1;

	if (!*e || !a->entry_present(*e, level) || phys_frame_valid(mm->phys, a->entry_paddr(*e)))
		return false;
	pt_report_bad(mm, "frame not allocated", *e, level);
	mm_trace(mm, "  bad leaf for %#" PRIx64 " cleared\n", addr);
	*e = 0;
	return true;
}

/* ---- finding and allocating entries ---- */

uint64_t *pt_entry_at(struct mm_struct *mm, uint64_t addr, unsigned target, bool alloc)
{
	const struct arch_mmu *a = mm->arch;
	uint64_t table = mm->pgd, *e;

	for (unsigned level = 0; level < target; level++) {
		e = pt_entry(mm, table, arch_level_index(a, level, addr));
		if (pt_none_or_clear_bad(mm, e, level)) {
			uint64_t new_table;

			if (!alloc || mm_alloc_table(mm, level + 1, &new_table))
				return NULL;
			*e = a->mk_table(new_table, level);
			mm->stats.table_entries_written++;
		}
		table = a->entry_paddr(*e);
	}
	e = pt_entry(mm, table, arch_level_index(a, target, addr));
	if (target == a->levels - 1)
		pt_leaf_clear_bad(mm, e, addr);
	return e;
}

uint64_t pt_next_table(struct mm_struct *mm, uint64_t addr, uint64_t end)
{
	const struct arch_mmu *a = mm->arch;
	unsigned leaf = mm_leaf_level(mm);

	while (!end || addr < end) {
		uint64_t table = mm->pgd, next;
		unsigned level;

		for (level = 0; level < leaf; level++) {
			uint64_t *e = pt_entry(mm, table, arch_level_index(a, level, addr));

			mm->stats.range_entries_read++;
			if (pt_none_or_clear_bad(mm, e, level))
				break;
			table = a->entry_paddr(*e);
		}
		if (level == leaf)
			return addr;
		/* Nothing below this entry: on to the next one at the same level. */
		next = mm_addr_end(addr, end, arch_level_size(a, level));
		if (next <= addr)
			break;		/* past the top of the address space */
		addr = next;
	}
	return end;
}

uint64_t *pt_alloc_leaf(struct mm_struct *mm, uint64_t addr)
{
	return pt_entry_at(mm, addr, mm_leaf_level(mm), true);
}

uint64_t *pt_lookup_leaf(struct mm_struct *mm, uint64_t addr)
{
	mm->stats.leaf_lookups++;
	return pt_entry_at(mm, addr, mm_leaf_level(mm), false);
}

/* ---- zap: unmap_page_range and the zap_*_range family ---- */

/* zap_pte_range(): clear each present leaf in [addr, end) of one last-level table. */
static void zap_pte_range(struct mmu_gather *tlb, struct vm_area_struct *vma, uint64_t table,
			  uint64_t addr, uint64_t end)
{
	struct mm_struct *mm = tlb->mm;
	const struct arch_mmu *a = mm->arch;
	unsigned level = a->levels - 1;
	uint64_t page = arch_page_size(a);

	for (; addr != end; addr += page) {
		uint64_t *e = pt_entry(mm, table, arch_level_index(a, level, addr));
		uint64_t old = *e;

		if (!old || !a->entry_present(old, level) || pt_leaf_clear_bad(mm, e, addr))
			continue;
		/* 1. clear the entry, 2. record it for the flush, 3. free the frame after it. */
		*e = 0;
		mm->stats.pte_cleared++;
		page_remove_map(mm->phys, a->entry_paddr(old));
		/* A shared file page the guest wrote goes back to its file (set_page_dirty). */
		if (vma->vm_file && a->leaf_dirty(old))
			filemap_writeback(mm, vma, addr, a->entry_paddr(old));
		tlb_remove_tlb_entry(tlb, level, addr);
		tlb_remove_page(tlb, a->entry_paddr(old));
	}
}

/* zap_pmd_range() / zap_pud_range() / zap_p4d_range(): descend into present tables. */
static void zap_level_range(struct mmu_gather *tlb, struct vm_area_struct *vma, uint64_t table,
			    unsigned level, uint64_t addr, uint64_t end)
{
	struct mm_struct *mm = tlb->mm;
	const struct arch_mmu *a = mm->arch;
	uint64_t next;

	if (level == a->levels - 1) {
		zap_pte_range(tlb, vma, table, addr, end);
		return;
	}
	do {
		uint64_t *e = pt_entry(mm, table, arch_level_index(a, level, addr));

		next = mm_addr_end(addr, end, arch_level_size(a, level));
		if (pt_none_or_clear_bad(mm, e, level))
			continue;	/* none: nothing below it to zap */
		zap_level_range(tlb, vma, a->entry_paddr(*e), level + 1, addr, next);
	} while (addr = next, addr != end);
}

void unmap_page_range(struct mmu_gather *tlb, struct vm_area_struct *vma, uint64_t addr,
		      uint64_t end)
{
	struct mm_struct *mm = tlb->mm;
	uint64_t before = mm->stats.pte_cleared;

	if (addr >= end)
		return;
	zap_level_range(tlb, vma, mm->pgd, 0, addr, end);
	mm_trace(mm, "  zap [%#" PRIx64 ", %#" PRIx64 ") of vma [%#" PRIx64 ", %#" PRIx64
		 "): %" PRIu64 " entries cleared\n", addr, end, vma->vm_start, vma->vm_end,
		 mm->stats.pte_cleared - before);
}

/* ---- free_pgd_range and the free_*_range family ---- */

/* --inject=keep-table:N: skip the Nth table free, as a buggy free_pgtables() would. */
static bool inject_keep_table(struct mm_struct *mm, unsigned level, uint64_t base)
{
	if (++mm->nr_table_frees != mm->inject_keep_table)
		return false;
	mm_trace(mm, "  INJECTED: %s table covering %#" PRIx64 " kept although it should go\n",
		 mm->arch->level_name[level], base);
	return true;
}

/*
 * free_pte_range(): unlink the last-level table that @e points to. No entry in it is looked
 * at: unmap_vmas() has cleared them all already (debug check below).
 */
static void free_pte_range(struct mmu_gather *tlb, uint64_t *e, unsigned level, uint64_t addr)
{
	struct mm_struct *mm = tlb->mm;
	const struct arch_mmu *a = mm->arch;
	uint64_t table = a->entry_paddr(*e);
	unsigned n = arch_ptrs_per_table(a, level + 1);
	const uint64_t *entries = pt_entry(mm, table, 0);
	uint64_t base = addr & ~(arch_table_span(a, level + 1) - 1);

	for (unsigned i = 0; i < n; i++)
		if (MM_WARN_ON_ONCE(entries[i] != 0))	/* zap before free */
			break;
	if (inject_keep_table(mm, level + 1, base))
		return;
	*e = 0;
	mm->stats.table_entries_cleared++;
	mm_trace(mm, "  free %s table %#" PRIx64 " covering [%#" PRIx64 ", %#" PRIx64 ")\n",
		 a->level_name[level + 1], table, base, base + arch_table_span(a, level + 1));
	tlb_free_table(tlb, table, level + 1, base);
}

/*
 * free_pmd_range(), free_pud_range(), free_p4d_range(): @e (at @level) points to a table
 * at level + 1 whose entries cover [addr, end). Free what hangs below each present entry,
 * then the table itself, but only if its whole span lies inside [floor, ceiling): a table
 * that also maps addresses of a surviving neighbour must stay.
 */
static void free_level_range(struct mmu_gather *tlb, uint64_t *e, unsigned level,
			     uint64_t addr, uint64_t end, uint64_t floor, uint64_t ceiling)
{
	struct mm_struct *mm = tlb->mm;
	const struct arch_mmu *a = mm->arch;
	unsigned child = level + 1;
	uint64_t table = a->entry_paddr(*e);
	uint64_t span = arch_table_span(a, child);
	uint64_t start = addr;
	uint64_t next;

	do {
		uint64_t *ce = pt_entry(mm, table, arch_level_index(a, child, addr));

		next = mm_addr_end(addr, end, arch_level_size(a, child));
		if (pt_none_or_clear_bad(mm, ce, child))
			continue;
		if (child == a->levels - 2)	/* entries pointing at last-level tables */
			free_pte_range(tlb, ce, child, addr);
		else
			free_level_range(tlb, ce, child, addr, next, floor, ceiling);
	} while (addr = next, addr != end);

	/* The "- 1" comparisons make a ceiling of 0 mean the top of the address space. */
	start &= ~(span - 1);
	if (start < floor)
		return;
	if (ceiling) {
		ceiling &= ~(span - 1);
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		return;
	if (inject_keep_table(mm, child, start))
		return;

	*e = 0;
	mm->stats.table_entries_cleared++;
	mm_trace(mm, "  free %s table %#" PRIx64 " covering [%#" PRIx64 ", %#" PRIx64 ")\n",
		 a->level_name[child], table, start, start + span);
	tlb_free_table(tlb, table, child, start);
}

void free_pgd_range(struct mmu_gather *tlb, uint64_t addr, uint64_t end, uint64_t floor,
		    uint64_t ceiling)
{
	struct mm_struct *mm = tlb->mm;
	const struct arch_mmu *a = mm->arch;
	uint64_t pmd_size = mm_pmd_size(mm);
	uint64_t pmd_mask = ~(pmd_size - 1);
	uint64_t next;

	mm_trace(mm, "  free_pgd_range(addr %#" PRIx64 ", end %#" PRIx64 ", floor %#" PRIx64
		 ", ceiling %#" PRIx64 ")\n", addr, end, floor, ceiling);
	/*
	 * Work in whole last-level tables: round the start down to one, but skip that table if
	 * part of it lies below the floor (a neighbour below still uses it); likewise drop the
	 * last table if it reaches past the ceiling.
	 */
	addr &= pmd_mask;
	if (addr < floor) {
		addr += pmd_size;
		if (!addr)
			return;
	}
	if (ceiling) {
		ceiling &= pmd_mask;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		end -= pmd_size;
	if (addr > end - 1)
		return;

	do {
		uint64_t *e = pt_entry(mm, mm->pgd, arch_level_index(a, 0, addr));

		next = mm_addr_end(addr, end, arch_level_size(a, 0));
		if (pt_none_or_clear_bad(mm, e, 0))
			continue;
		if (a->levels == 2)
			free_pte_range(tlb, e, 0, addr);
		else
			free_level_range(tlb, e, 0, addr, next, floor, ceiling);
	} while (addr = next, addr != end);
}

/* ---- change_protection: mprotect's rewrite of present leaves ---- */

static unsigned long change_level_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
					uint64_t table, unsigned level, uint64_t addr,
					uint64_t end, unsigned prot, bool exec)
{
	struct mm_struct *mm = tlb->mm;
	const struct arch_mmu *a = mm->arch;
	unsigned long pages = 0;
	uint64_t next;

	do {
		uint64_t *e = pt_entry(mm, table, arch_level_index(a, level, addr));

		next = mm_addr_end(addr, end, arch_level_size(a, level));
		if (level < a->levels - 1 ? pt_none_or_clear_bad(mm, e, level) :
		    !*e || !a->entry_present(*e, level) || pt_leaf_clear_bad(mm, e, addr))
			continue;
		if (level < a->levels - 1) {
			pages += change_level_range(tlb, vma, a->entry_paddr(*e), level + 1, addr,
						    next, prot, exec);
			continue;
		}
		/* A private page not ours alone (page cache, or shared by fork) stays read-only. */
		*e = a->leaf_modify_prot(*e, cow_prot(vma, a->entry_paddr(*e), prot));
		if (exec)
			*phys_frame_flags(mm->phys, a->entry_paddr(*e)) |= PHYS_F_EXEC;
		mm->stats.pte_written++;
		tlb_remove_tlb_entry(tlb, level, addr);
		pages++;
	} while (addr = next, addr != end);
	return pages;
}

unsigned long change_protection(struct mmu_gather *tlb, struct vm_area_struct *vma,
				uint64_t start, uint64_t end, uint64_t vm_flags)
{
	struct mm_struct *mm = tlb->mm;
	unsigned long pages;

	pages = change_level_range(tlb, vma, mm->pgd, 0, start, end, vm_flags_to_prot(vm_flags),
				   vm_flags & VM_EXEC);
	mm_trace(mm, "  change_protection [%#" PRIx64 ", %#" PRIx64 ") to %c%c%c: %lu entries\n",
		 start, end, vm_flags & VM_READ ? 'r' : '-', vm_flags & VM_WRITE ? 'w' : '-',
		 vm_flags & VM_EXEC ? 'x' : '-', pages);
	return pages;
}
