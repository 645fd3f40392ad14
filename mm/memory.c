/* SPDX-License-Identifier: MIT */
/*
 * memory.c - faults and user access.
 *
 * The emulator calls mm_fill_tlb() on every TLB miss. The walk is the architecture's own
 * (the same one real hardware would do over these tables); only when it fails do we look at
 * the VMAs, as the kernel's page-fault handler does: no VMA is SEGV_MAPERR, a VMA that
 * forbids the access is SEGV_ACCERR, anything else is a demand fault that we serve by
 * writing the missing entries, after which the walk succeeds.
 */
#include <string.h>

#include "mm/internal.h"

/*
 * expand_stack() - grow a VM_GROWSDOWN VMA down to cover @addr, within the stack limit and
 * keeping the guard gap above the VMA below. Return: 0 or -ENOMEM.
 */
static int expand_stack(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr)
{
	uint64_t gap = (uint64_t)MM_STACK_GUARD_PAGES << mm->arch->page_shift;
	uint64_t new_start = addr & mm_page_mask(mm);
	struct vm_area_struct *prev = vma_prev_of(mm, vma);

	if (!(vma->vm_flags & VM_GROWSDOWN) || new_start < MM_MMAP_MIN_ADDR)
		return -ENOMEM;
	if (vma->vm_end - new_start > MM_STACK_RLIMIT)
		return -ENOMEM;
	if (prev && !(prev->vm_flags & VM_GROWSDOWN) && (prev->vm_flags & VM_ACCESS_FLAGS) &&
	    new_start - prev->vm_end < gap)
		return -ENOMEM;
	if (prev && prev->vm_end > new_start)
		return -ENOMEM;
	mm_trace(mm, "expand_stack: [%#" PRIx64 ", %#" PRIx64 ") grows down to %#" PRIx64 "\n",
		 vma->vm_start, vma->vm_end, new_start);
	vma->vm_pgoff -= (vma->vm_start - new_start) >> mm->arch->page_shift;
	vma->vm_start = new_start;
	return 0;
}

/* access_error() - does @vma forbid @access? (x86 access_error, arm64 vm_flags checks) */
static bool access_error(const struct vm_area_struct *vma, mm_access_t access)
{
	switch (access) {
	case MM_PROT_WRITE:
		return !(vma->vm_flags & VM_WRITE);
	case MM_PROT_EXEC:
		return !(vma->vm_flags & VM_EXEC);
	default:
		return !(vma->vm_flags & VM_ACCESS_FLAGS);
	}
}

/* set_pte_new() - install a leaf for @frame: counted, and one more mapping of the frame. */
static void set_pte_new(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t *pte,
			uint64_t frame, unsigned prot)
{
	if (vma->vm_flags & VM_EXEC)
		*phys_frame_flags(mm->phys, frame) |= PHYS_F_EXEC;
	*pte = mm->arch->mk_leaf(frame, prot);
	page_add_map(mm->phys, frame);
	mm->stats.pte_written++;
}

/* A new private frame of @vma: anonymous (PageAnon), and the VMA has anon pages now. */
static void page_set_anon(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t frame)
{
	*phys_frame_flags(mm->phys, frame) |= PHYS_F_ANON;
	vma->anon_vma = true;
}

/*
 * wp_page_copy() - the write breaks the sharing: a new anonymous frame takes a copy of the
 * old one (a page-cache frame of a private file mapping, or a page shared since fork) and
 * replaces it in the entry. Clear, flush, then drop the old reference: the emulator may
 * still hold the read-only translation to the old frame.
 */
static int wp_page_copy(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
			uint64_t *pte, unsigned prot)
{
	const struct arch_mmu *a = mm->arch;
	struct mmu_gather tlb;
	uint64_t frame, old = a->entry_paddr(*pte);
	int err = mm_alloc_frame(mm, &frame);

	if (err)
		return err;
	memcpy(phys_to_host(mm->phys, frame), phys_to_host(mm->phys, old), mm_page_size(mm));
	page_set_anon(mm, vma, frame);
	tlb_gather_mmu(&tlb, mm);
	*pte = 0;
	page_remove_map(mm->phys, old);
	tlb_remove_tlb_entry(&tlb, a->levels - 1, addr & mm_page_mask(mm));
	tlb_remove_page(&tlb, old);
	tlb_finish_mmu(&tlb);
	set_pte_new(mm, vma, pte, frame, prot);
	mm->stats.faults++;
	mm->stats.cow_copies++;
	mm->phys->stats.cow_copies++;
	mm_trace(mm, "do_wp_page at %#" PRIx64 ": copy of frame %#" PRIx64 " (%s) -> %#" PRIx64
		 "\n", addr, old, PageAnon(mm->phys, old) ? "anon, shared" : "page cache", frame);
	return 0;
}

/*
 * do_wp_page() - a write to a present entry that may not take it as it is (mm/memory.c):
 * a shared mapping just gets the write bit (wp_page_shared); a private one reuses the frame
 * when it is an anonymous page with no other reference (wp_page_reuse: the last sharer
 * after fork, or a page write-protected by mprotect), and otherwise copies it.
 * @force: FOLL_FORCE (mm_poke): the entry's rights stay; only the sharing is broken.
 */
static int do_wp_page(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
		      uint64_t *pte, unsigned prot, bool force)
{
	const struct arch_mmu *a = mm->arch;
	uint64_t old = a->entry_paddr(*pte);

	mm->stats.wp_faults++;
	mm->phys->stats.wp_faults++;
	if (!is_cow_mapping(vma->vm_flags)) {
		*pte = a->leaf_modify_prot(*pte, prot);
		mm->stats.pte_written++;
		mm->stats.wp_shared++;
		mm_trace(mm, "do_wp_page at %#" PRIx64 ": shared frame %#" PRIx64 " made writable\n",
			 addr, old);
		return 0;
	}
	if (!page_exclusive(mm->phys, old))
		return wp_page_copy(mm, vma, addr, pte, prot);
	if (!force) {
		*pte = a->leaf_modify_prot(*pte, prot);
		mm->stats.pte_written++;
	}
	mm->stats.cow_reuses++;
	mm->phys->stats.cow_reuses++;
	mm_trace(mm, "do_wp_page at %#" PRIx64 ": frame %#" PRIx64 " reused (ours alone)\n", addr,
		 old);
	return 0;
}

int handle_mm_fault(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
		    mm_access_t access, bool force)
{
	const struct arch_mmu *a = mm->arch;
	unsigned prot = vm_flags_to_prot(vma->vm_flags);
	uint64_t *pte = pt_alloc_leaf(mm, addr);
	uint64_t frame;

	if (!pte)
		return -ENOMEM;
	if (*pte && a->entry_present(*pte, a->levels - 1)) {
		uint64_t old = a->entry_paddr(*pte);
		bool wp = !(a->leaf_prot(*pte) & MM_PROT_WRITE) && (vma->vm_flags & VM_WRITE);

		/* A write the entry cannot take, or a write (forced too) to a page not ours. */
		if (access == MM_PROT_WRITE &&
		    (wp || (is_cow_mapping(vma->vm_flags) && !page_exclusive(mm->phys, old))))
			return do_wp_page(mm, vma, addr, pte, prot, force);
		/* Mapped, but with other rights than the VMA now grants: bring it in line. */
		if (!force && a->leaf_prot(*pte) != cow_prot(vma, old, prot)) {
			*pte = a->leaf_modify_prot(*pte, cow_prot(vma, old, prot));
			mm->stats.pte_written++;
		}
		return 0;
	}
	if (vma_is_private_file(vma) && access == MM_PROT_WRITE) {
		int err = filemap_cow_page(mm, vma, addr, &frame);	/* do_cow_fault() */

		if (err)
			return err;
		page_set_anon(mm, vma, frame);
	} else if (vma->vm_file) {
		int err = filemap_fault(mm, vma, addr, &frame);	/* do_read_fault() */

		if (err)
			return err;
		prot = cow_prot(vma, frame, prot);
	} else if (mm_alloc_frame(mm, &frame)) {
		/* do_anonymous_page(): a zeroed frame of our own (no shared zero page here). */
		return -ENOMEM;
	} else {
		page_set_anon(mm, vma, frame);
	}
	set_pte_new(mm, vma, pte, frame, prot);
	mm->stats.faults++;
	return 0;
}

/*
 * report_bad_walk() - for --check (@mm->report): the entry that points outside guest
 * memory, with its level, its value and the frame or table it names.
 */
static void report_bad_walk(struct mm_struct *mm, uint64_t va, const struct arch_walk *w)
{
	const struct arch_mmu *a = mm->arch;
	unsigned level = w->fault_level > 0 ? (unsigned)w->fault_level : 0;
	bool leaf = w->nr_levels == level + 1;

	mm->nr_bad_entries++;
	if (!mm->report)
		return;
	/* A table outside memory stops the walk before its entry is read: name the one above. */
	if (!leaf && level)
		level--;
	if (!w->nr_levels) {
		fprintf(mm->report, "mmuemu: mm: walk of %#" PRIx64 ": root table outside guest "
			"memory\n", va);
		return;
	}
	fprintf(mm->report, "mmuemu: mm: walk of %#" PRIx64 ": %s entry %#" PRIx64 " at %#"
		PRIx64 " points outside guest memory (%s %#" PRIx64 ", %#" PRIx64 " bytes of "
		"memory)\n", va, a->level_name[level], w->entry[level], w->entry_paddr[level],
		leaf ? "frame" : "table", a->entry_paddr(w->entry[level]),
		mm_phys_mem(mm->phys)->size);
}

static void fault_set(struct mm_fault *fault, uint64_t va, mm_access_t access, int si_code,
		      bool oom, const struct arch_walk *w)
{
	if (!fault)
		return;
	fault->signo = SIGSEGV_LINUX;
	fault->addr = va;
	fault->access = access;
	fault->si_code = si_code;
	fault->oom = oom;
	fault->walk = *w;
}

int __mm_translate(struct mm_struct *mm, uint64_t va, mm_access_t access,
			  uint64_t *paddr, unsigned *tlb_prot, struct mm_fault *fault)
{
	const struct arch_mmu *a = mm->arch;
	const struct arch_mem *mem = mm_phys_mem(mm->phys);
	struct arch_walk w, w2;
	struct vm_area_struct *vma;
	int err;

	if (!mm->pgd) {
		w = (struct arch_walk){ .result = ARCH_WALK_NOT_PRESENT, .fault_level = 0 };
		fault_set(fault, va, access, SEGV_MAPERR_LINUX, false, &w);
		return -EFAULT;
	}
	if (a->walk(a, mem, mm->pgd, va, access, 0, &w) == ARCH_WALK_OK)
		goto out_ok;
	if (w.result == ARCH_WALK_BAD_TABLE)
		goto out_bad_entry;

	vma = find_vma(mm, va);
	/* Below a stack: grow it down to va if the limits allow (it then covers va). */
	if (vma && vma->vm_start > va && (vma->vm_flags & VM_GROWSDOWN))
		(void)expand_stack(mm, vma, va);
	if (!vma || vma->vm_start > va) {
		fault_set(fault, va, access, SEGV_MAPERR_LINUX, false, &w);
		return -EFAULT;
	}
	if (access_error(vma, access)) {
		fault_set(fault, va, access, SEGV_ACCERR_LINUX, false, &w);
		return -EFAULT;
	}
	err = handle_mm_fault(mm, vma, va, access, false);
	if (err == -EIO) {
		/* VM_FAULT_SIGBUS: a file page wholly past the end of the file. */
		fault_set(fault, va, access, BUS_ADRERR_LINUX, false, &w);
		if (fault)
			fault->signo = SIGBUS_LINUX;
		return -EFAULT;
	}
	if (err) {
		fault_set(fault, va, access, SEGV_MAPERR_LINUX, true, &w);
		return -ENOMEM;
	}
	if (a->walk(a, mem, mm->pgd, va, access, 0, &w2) != ARCH_WALK_OK) {
		/*
		 * The entry is there but the hardware still refuses: an arm64 read of an
		 * execute-only page (EPAN). Linux answers SEGV_ACCERR; anything else is a bug.
		 */
		MM_WARN_ON_ONCE(w2.result != ARCH_WALK_PROT);
		fault_set(fault, va, access, SEGV_ACCERR_LINUX, false, &w2);
		return -EFAULT;
	}
	w = w2;
out_ok:
	*paddr = w.paddr & mm_page_mask(mm);
	*tlb_prot = w.tlb_prot;
	return 0;

out_bad_entry:
	/*
	 * Only a guest that wrote a page table (through a stale translation, --no-tlb-flush)
	 * gets here: an entry points outside guest memory. Linux has no such case for user
	 * tables; the nearest is an access to a physical address nothing answers, which the
	 * kernel gives the task as SIGBUS with BUS_ADRERR ("non-existent physical address").
	 */
	fault_set(fault, va, access, BUS_ADRERR_LINUX, false, &w);
	if (fault)
		fault->signo = SIGBUS_LINUX;
	report_bad_walk(mm, va, &w);
	return -EFAULT;
}

int mm_fill_tlb(struct mm_struct *mm, uint64_t va, mm_access_t access, uint64_t *paddr,
		unsigned *tlb_prot, struct mm_fault *fault)
{
	int err = __mm_translate(mm, va, access, paddr, tlb_prot, fault);

	if (err == -EFAULT)
		mm->stats.faults_segv++;
	if (!err && mm->tlb_shadow) {
		struct arch_walk w;

		/* What the emulator now caches: the translation and the tables behind it. */
		if (mm_walk(mm, va, access, &w) == ARCH_WALK_OK)
			tlb_shadow_fill(mm, va, &w);
	}
	return err;
}

enum arch_walk_result mm_walk(struct mm_struct *mm, uint64_t va, mm_access_t access,
			      struct arch_walk *w)
{
	if (!mm->pgd) {
		*w = (struct arch_walk){ .result = ARCH_WALK_NOT_PRESENT, .fault_level = 0 };
		return w->result;
	}
	return mm->arch->walk(mm->arch, mm_phys_mem(mm->phys), mm->pgd, va, access,
			      ARCH_WALK_F_NOUPDATE, w);
}

int mm_populate_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	uint64_t page = mm_page_size(mm);
	uint64_t addr = start;

	/*
	 * VMA by VMA, as Linux's __mm_populate(): a hole or a PROT_NONE VMA is stepped over
	 * whole (Linux's get_user_pages refuses its first page and moves on), so the cost
	 * follows what is accessible, not the length asked for.
	 */
	while (addr < end) {
		struct vm_area_struct *vma = find_vma(mm, addr);
		uint64_t vend;

		if (!vma || vma->vm_start >= end)
			break;
		if (addr < vma->vm_start)
			addr = vma->vm_start;
		vend = MIN(end, vma->vm_end);
		if (!(vma->vm_flags & VM_ACCESS_FLAGS)) {
			mm->stats.populate_vmas_skipped++;
			addr = vend;
			continue;
		}
		for (; addr < vend; addr += page) {
			uint64_t paddr;
			unsigned prot;
			int err;

			err = __mm_translate(mm, addr, vma->vm_flags & VM_WRITE ? MM_PROT_WRITE :
					     MM_PROT_READ, &paddr, &prot, NULL);
			mm->stats.populate_pages++;
			if (err == -ENOMEM)
				return err;
		}
	}
	return 0;
}

/* ---- user access ---- */

/* The bytes of one page at a time: page offset, and how much of @n fits in that page. */
static uint64_t chunk_len(const struct mm_struct *mm, uint64_t va, uint64_t n)
{
	uint64_t left = mm_page_size(mm) - (va & ~mm_page_mask(mm));

	return n < left ? n : left;
}

static bool range_ok(const struct mm_struct *mm, uint64_t va, uint64_t n)
{
	return va + n >= va && va + n <= mm->arch->task_size;
}

int copy_from_user(struct mm_struct *mm, void *dst, uint64_t src, uint64_t n)
{
	uint8_t *d = dst;

	if (!range_ok(mm, src, n))
		return -EFAULT;
	while (n) {
		uint64_t len = chunk_len(mm, src, n), paddr;
		unsigned prot;

		if (__mm_translate(mm, src, MM_PROT_READ, &paddr, &prot, NULL))
			return -EFAULT;
		memcpy(d, phys_to_host(mm->phys, paddr + (src & ~mm_page_mask(mm))), len);
		d += len;
		src += len;
		n -= len;
	}
	return 0;
}

static void invalidate_if_code(struct mm_struct *mm, uint64_t paddr, uint64_t len)
{
	if ((*phys_frame_flags(mm->phys, paddr) & PHYS_F_EXEC) && mm->engine.invalidate_code)
		mm->engine.invalidate_code(mm->engine.ctx, paddr, len);
}

int copy_to_user(struct mm_struct *mm, uint64_t dst, const void *src, uint64_t n)
{
	const uint8_t *s = src;

	if (!range_ok(mm, dst, n))
		return -EFAULT;
	while (n) {
		uint64_t len = chunk_len(mm, dst, n), paddr;
		unsigned prot;

		if (__mm_translate(mm, dst, MM_PROT_WRITE, &paddr, &prot, NULL))
			return -EFAULT;
		paddr += dst & ~mm_page_mask(mm);
		memcpy(phys_to_host(mm->phys, paddr), s, len);
		invalidate_if_code(mm, paddr, len);
		s += len;
		dst += len;
		n -= len;
	}
	return 0;
}

int64_t strncpy_from_user(struct mm_struct *mm, char *dst, uint64_t src, uint64_t n)
{
	uint64_t done = 0;

	while (done < n) {
		uint64_t len = chunk_len(mm, src + done, n - done), paddr;
		const char *p, *nul;
		unsigned prot;

		if (!range_ok(mm, src + done, len) ||
		    __mm_translate(mm, src + done, MM_PROT_READ, &paddr, &prot, NULL))
			return -EFAULT;
		p = phys_to_host(mm->phys, paddr + ((src + done) & ~mm_page_mask(mm)));
		nul = memchr(p, 0, len);
		if (nul) {
			memcpy(dst + done, p, (uint64_t)(nul - p) + 1);
			return (int64_t)(done + (uint64_t)(nul - p));
		}
		memcpy(dst + done, p, len);
		done += len;
	}
	return -ENAMETOOLONG;
}

int mm_poke(struct mm_struct *mm, uint64_t dst, const void *src, uint64_t n)
{
	const struct arch_mmu *a = mm->arch;
	const uint8_t *s = src;

	if (!range_ok(mm, dst, n))
		return -EFAULT;
	while (n) {
		uint64_t len = chunk_len(mm, dst, n), paddr;
		struct vm_area_struct *vma = vma_lookup(mm, dst);
		uint64_t *pte;
		int err;

		if (!vma)
			return -EFAULT;
		/* FOLL_FORCE: fill the page in whatever the VMA's rights, and write it directly. */
		err = handle_mm_fault(mm, vma, dst, MM_PROT_WRITE, true);
		if (err)
			return err;
		pte = pt_lookup_leaf(mm, dst);
		/* A bad leaf was cleared by the lookup: nothing to write through. */
		if (!pte || !a->entry_present(*pte, a->levels - 1))
			return -EFAULT;
		paddr = a->entry_paddr(*pte) + (dst & ~mm_page_mask(mm));
		memcpy(phys_to_host(mm->phys, paddr), s, len);
		if (mm->engine.invalidate_code)
			mm->engine.invalidate_code(mm->engine.ctx, paddr, len);
		s += len;
		dst += len;
		n -= len;
	}
	return 0;
}
