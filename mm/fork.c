/* SPDX-License-Identifier: MIT */
/*
 * fork.c - a new address space as a copy of another: the kernel's dup_mm() and dup_mmap()
 * (kernel/fork.c) and copy_page_range() with its copy_p4d/pud/pmd/pte_range family
 * (mm/memory.c), then exec_mmap() and the mm's user count.
 *
 * Both mms live on one machine (one struct mm_phys), so nothing is copied but entries: the
 * child's leaves point at the parent's frames, each frame one reference and one mapping
 * more. A writable private entry is write-protected in both mms, so whichever side writes
 * first takes the write fault, and do_wp_page() (memory.c) copies the frame or, when the
 * writer is its last user, reuses it. Shared mappings copy nothing: the child's faults find
 * the same frames in the machine's page cache.
 */
#include "mm/internal.h"

/* What one copy_page_range() walk needs: the two mms and VMAs, and what it did. */
struct copy_ctx {
	struct mm_struct *dst_mm, *src_mm;
	struct vm_area_struct *dst_vma, *src_vma;
	uint64_t copied, wrprotected;
	uint64_t tables[ARCH_MAX_LEVELS];
};

/*
 * copy_pte_range() with copy_present_pte(): each present leaf of one last-level table is
 * copied into the child's table; a writable entry of a COW mapping is write-protected in
 * the parent first (ptep_set_wrprotect), so both hold the read-only entry.
 */
static void copy_pte_range(struct copy_ctx *c, uint64_t dst_table, uint64_t src_table,
			   uint64_t addr, uint64_t end)
{
	struct mm_struct *src_mm = c->src_mm, *dst_mm = c->dst_mm;
	const struct arch_mmu *a = src_mm->arch;
	unsigned level = a->levels - 1;
	uint64_t page = arch_page_size(a);
	bool cow = is_cow_mapping(c->src_vma->vm_flags);

	for (; addr != end; addr += page) {
		unsigned index = arch_level_index(a, level, addr);
		uint64_t *src_e = pt_entry(src_mm, src_table, index);
		uint64_t *dst_e = pt_entry(dst_mm, dst_table, index);
		uint64_t pte = *src_e, frame;

		if (!pte || !a->entry_present(pte, level) || pt_leaf_clear_bad(src_mm, src_e, addr))
			continue;
		frame = a->entry_paddr(pte);
		if (cow && (a->leaf_prot(pte) & MM_PROT_WRITE)) {
			pte = a->leaf_modify_prot(pte, prot_wrprotect(a->leaf_prot(pte)));
			*src_e = pte;
			src_mm->stats.pte_written++;
			c->wrprotected++;
		}
		phys_get(src_mm->phys, frame);
		page_add_map(src_mm->phys, frame);
		*dst_e = pte;
		dst_mm->stats.pte_written++;
		c->copied++;
	}
}

/*
 * copy_pmd_range(), copy_pud_range(), copy_p4d_range(): for each present entry of the
 * parent's table at @level, the child's entry gets a table of its own (pmd_alloc and
 * friends: counted as a table copied at level + 1), and the copy descends into both.
 */
static int copy_level_range(struct copy_ctx *c, unsigned level, uint64_t dst_table,
			    uint64_t src_table, uint64_t addr, uint64_t end)
{
	struct mm_struct *src_mm = c->src_mm, *dst_mm = c->dst_mm;
	const struct arch_mmu *a = src_mm->arch;
	uint64_t next;

	if (level == a->levels - 1) {
		copy_pte_range(c, dst_table, src_table, addr, end);
		return 0;
	}
	do {
		unsigned index = arch_level_index(a, level, addr);
		uint64_t *src_e = pt_entry(src_mm, src_table, index);
		uint64_t *dst_e = pt_entry(dst_mm, dst_table, index);
		int err;

		next = mm_addr_end(addr, end, arch_level_size(a, level));
		if (pt_none_or_clear_bad(src_mm, src_e, level))
			continue;	/* nothing below it to copy */
		if (pt_none_or_clear_bad(dst_mm, dst_e, level)) {
			uint64_t table;

			if (mm_alloc_table(dst_mm, level + 1, &table))
				return -ENOMEM;
			*dst_e = a->mk_table(table, level);
			dst_mm->stats.table_entries_written++;
			c->tables[level + 1]++;
		}
		err = copy_level_range(c, level + 1, a->entry_paddr(*dst_e), a->entry_paddr(*src_e),
				       addr, next);
		if (err)
			return err;
	} while (addr = next, addr != end);
	return 0;
}

/*
 * vma_needs_copy() - must fork copy @src_vma's entries? Only a private mapping with
 * anonymous pages (Linux: an anon_vma): its pages exist nowhere else. Shared mappings and
 * private file mappings never written are left to fault in the child from the page cache.
 */
static bool vma_needs_copy(const struct vm_area_struct *src_vma)
{
	return is_cow_mapping(src_vma->vm_flags) && (!src_vma->vm_file || src_vma->anon_vma);
}

/**
 * copy_page_range() - copy the entries of @src_vma into @dst_vma's mm, level by level.
 * Return: 0 or -ENOMEM (a table page could not be had; what was copied stays, for the
 * caller's exit_mmap() of the child).
 */
static int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	struct copy_ctx c = {
		.dst_mm = dst_vma->vm_mm, .src_mm = src_vma->vm_mm,
		.dst_vma = dst_vma, .src_vma = src_vma,
	};
	struct mm_struct *src_mm = c.src_mm;
	struct mm_phys *phys = src_mm->phys;
	const struct arch_mmu *a = src_mm->arch;
	int err;

	if (!vma_needs_copy(src_vma))
		return 0;
	err = copy_level_range(&c, 0, c.dst_mm->pgd, src_mm->pgd, src_vma->vm_start,
			       src_vma->vm_end);
	for (unsigned l = 0; l < a->levels; l++) {
		src_mm->stats.tables_copied[l] += c.tables[l];
		phys->stats.tables_copied[l] += c.tables[l];
	}
	src_mm->stats.ptes_copied += c.copied;
	src_mm->stats.ptes_wrprotected += c.wrprotected;
	phys->stats.ptes_copied += c.copied;
	mm_trace(src_mm, "  copy_page_range [%#" PRIx64 ", %#" PRIx64 "): %" PRIu64 " entries "
		 "copied, %" PRIu64 " write-protected, tables %" PRIu64 "/%" PRIu64 "/%" PRIu64
		 " below the root%s\n", src_vma->vm_start, src_vma->vm_end, c.copied,
		 c.wrprotected, c.tables[1], c.tables[2], c.tables[3], err ? " (out of memory)" : "");
	return err;
}

/*
 * flush_tlb_mm() - after dup_mmap() write-protected the parent's entries, its vCPU may not
 * keep a writable translation: the whole TLB goes, as in Linux.
 */
static void flush_tlb_mm(struct mm_struct *mm)
{
	/* Both Linuxes flush the whole mm here: x86 a CR3 reload, arm64 TLBI ASIDE1IS. */
	mm->stats.tlb_flush_ops++;
	mm->stats.tlb_flush_ops_full++;
	if (mm->no_tlb_flush) {
		mm->stats.tlb_flush_skipped++;
		mm_trace(mm, "  tlb_flush: SKIPPED (--no-tlb-flush): stale translations stay live\n");
		return;
	}
	if (mm->tlb_shadow)
		tlb_shadow_flush(mm);
	mm->stats.tlb_flush_all++;
	mm_trace(mm, "  tlb_flush: whole TLB (flush_tlb_mm after dup_mmap)\n");
	if (mm->engine.flush_tlb_all)
		mm->engine.flush_tlb_all(mm->engine.ctx);
}

int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm)
{
	struct vma_iterator vmi;
	struct vm_area_struct *mpnt;
	int err = 0;

	if (mm->phys != oldmm->phys || mm->arch != oldmm->arch || mm->map_count || !oldmm->pgd)
		return -EINVAL;
	mm_trace(oldmm, "dup_mmap: mm %" PRIu64 " -> mm %" PRIu64 ": %d vmas\n", oldmm->id,
		 mm->id, oldmm->map_count);
	oldmm->stats.forks++;
	oldmm->phys->stats.forks++;
	mm->start_brk = oldmm->start_brk;
	mm->brk = oldmm->brk;
	mm->start_stack = oldmm->start_stack;
	mm->mmap_base = oldmm->mmap_base;

	vma_iter_init(&vmi, oldmm, 0);
	while ((mpnt = vma_next(&vmi))) {
		struct vm_area_struct *tmp = vm_area_dup(mpnt);

		/* In the child's tree before its entries: a failed copy is torn down with it. */
		tmp->vm_mm = mm;
		vma_tree_insert(mm, tmp);
		mm->map_count++;
		err = copy_page_range(tmp, mpnt);
		if (err)
			break;
	}
	flush_tlb_mm(oldmm);
	if (err)
		mm_trace(oldmm, "dup_mmap: out of memory; the child goes through exit_mmap\n");
	return err;
}

int mm_fork(struct mm_struct *oldmm, const struct mm_engine *engine, struct mm_struct **out)
{
	struct mm_struct *mm;
	int err = mm_create(oldmm->arch, oldmm->phys, engine, &mm);

	if (err)
		return err;
	mm->trace = oldmm->trace;
	mm->report = oldmm->report;
	mm->no_tlb_flush = oldmm->no_tlb_flush;
	mm->tlb_shadow = oldmm->tlb_shadow;
	err = dup_mmap(mm, oldmm);
	if (err) {
		mm_destroy(mm);
		return err;
	}
	*out = mm;
	return 0;
}

void mmget(struct mm_struct *mm)
{
	mm->mm_users++;
}

void mmput(struct mm_struct *mm)
{
	g_assert(mm->mm_users > 0);
	if (--mm->mm_users)
		return;
	mm_destroy(mm);
}

void exec_mmap(struct mm_struct *mm, struct mm_struct *old_mm)
{
	mm_trace(old_mm, "exec_mmap: mm %" PRIu64 " replaces mm %" PRIu64 " (%d users)\n", mm->id,
		 old_mm->id, old_mm->mm_users);
	mmput(old_mm);
}
