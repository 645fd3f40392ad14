/* SPDX-License-Identifier: MIT */
/*
 * mmap.c - address spaces and the calls that shape them: mmap, mprotect, brk, exit.
 *
 * The checks and their order follow Linux's mm/mmap.c, mm/mprotect.c and mm/vma.c, so a
 * guest sees the same errno for the same bad call.
 */
#include <string.h>

#include "mm/internal.h"

GTree *vma_tree_new(void);

int mm_create(const struct arch_mmu *arch, struct mm_phys *phys, const struct mm_engine *engine,
	      struct mm_struct **out)
{
	struct mm_struct *mm;
	int err;

	if (phys->page_shift != arch->page_shift)
		return -EINVAL;
	mm = g_new0(struct mm_struct, 1);
	mm->arch = arch;
	mm->phys = phys;
	if (engine)
		mm->engine = *engine;
	mm->mmap_base = arch->mmap_base;
	mm->vma_tree = vma_tree_new();
	mm->unmap_log = g_array_new(false, false, sizeof(struct mm_unmap_record));
	mm->mm_users = 1;
	phys_register_mm(phys, mm);
	err = mm_alloc_table(mm, 0, &mm->pgd);	/* the kernel's pgd_alloc() */
	if (err) {
		phys_unregister_mm(phys, mm);
		g_tree_destroy(mm->vma_tree);
		g_array_free(mm->unmap_log, true);
		g_free(mm);
		return err;
	}
	*out = mm;
	return 0;
}

void mm_destroy(struct mm_struct *mm)
{
	if (!mm)
		return;
	exit_mmap(mm);
	tlb_shadow_destroy(mm);
	g_tree_destroy(mm->vma_tree);
	g_array_free(mm->unmap_log, true);
	g_free(mm);
}

static uint64_t calc_vm_prot_bits(unsigned prot)
{
	return prot & VM_ACCESS_FLAGS;	/* PROT_READ/WRITE/EXEC have VM_READ/WRITE/EXEC's values */
}

/* ---- placement ---- */

/* The gap below @vma that a new mapping must leave: the stack guard gap below a stack. */
static uint64_t vm_start_gap(const struct mm_struct *mm, const struct vm_area_struct *vma)
{
	uint64_t gap = (uint64_t)MM_STACK_GUARD_PAGES << mm->arch->page_shift;

	if (!(vma->vm_flags & VM_GROWSDOWN))
		return vma->vm_start;
	return vma->vm_start > gap ? vma->vm_start - gap : 0;
}

bool range_is_free(struct mm_struct *mm, uint64_t addr, uint64_t len)
{
	struct vm_area_struct *next = find_vma(mm, addr);

	if (addr < MM_MMAP_MIN_ADDR || addr + len > mm->arch->task_size || addr + len < addr)
		return false;
	return !next || addr + len <= vm_start_gap(mm, next);
}

/*
 * unmapped_area_topdown() - the highest [addr, addr + len) inside [low, high) that touches
 * no VMA (nor a stack's guard gap), or 0.
 */
static uint64_t unmapped_area_topdown(struct mm_struct *mm, uint64_t len, uint64_t low,
				      uint64_t high)
{
	struct vm_area_struct key, *vma;
	uint64_t top = high, found;
	GTreeNode *node;

	if (high < low || high - low < len)
		return 0;
	/*
	 * The gap cache (mm.h): every gap that ends above gap_cache_end is smaller than
	 * gap_cache_len, so a search for at least that much starts there instead of at the
	 * top; a run of mmaps then costs O(log n) each, not a walk over all VMAs.
	 */
	if (mm->gap_cache_end && mm->gap_cache_base == high && len >= mm->gap_cache_len &&
	    mm->gap_cache_end > low)
		high = mm->gap_cache_end;
	/* Start from the last VMA that begins below high and walk down the gaps. */
	key.vm_start = high;
	node = g_tree_lower_bound(mm->vma_tree, &key);
	node = node ? g_tree_node_previous(node) : g_tree_node_last(mm->vma_tree);
	found = 0;
	for (bool first = true;; first = false) {
		/* The first gap is taken whole, even where it runs above the cached end. */
		uint64_t gap_start, gap_end = first ? top : high;

		mm->stats.gap_search_steps++;
		vma = node ? g_tree_node_value(node) : NULL;
		gap_start = vma ? vma->vm_end : low;
		if (gap_start < low)
			gap_start = low;
		/* The VMA above the gap may be a stack that wants its guard gap kept free. */
		{
			GTreeNode *up = node ? g_tree_node_next(node) : g_tree_node_first(mm->vma_tree);
			struct vm_area_struct *above = up ? g_tree_node_value(up) : NULL;

			if (above && vm_start_gap(mm, above) < gap_end)
				gap_end = vm_start_gap(mm, above);
		}
		if (gap_end > gap_start && gap_end - gap_start >= len) {
			found = (gap_end - len) & mm_page_mask(mm);
			/*
			 * Every gap that ends above this one was smaller than @len (or than the
			 * cached length, itself at most @len). This gap still counts: the
			 * mapping may yet fail, and what is left of it ends below gap_end.
			 */
			mm->gap_cache_end = gap_end;
			mm->gap_cache_len = len;
			mm->gap_cache_base = top;
			return found;
		}
		if (!vma || vma->vm_start <= low)
			return 0;
		high = vma->vm_start;
		node = g_tree_node_previous(node);
	}
}

static uint64_t unmapped_area_bottomup(struct mm_struct *mm, uint64_t len, uint64_t low,
				       uint64_t high)
{
	uint64_t addr = low;

	while (addr + len <= high && addr + len > addr) {
		struct vm_area_struct *vma = find_vma(mm, addr);

		if (!vma || addr + len <= vm_start_gap(mm, vma))
			return addr;
		addr = vma->vm_end;
	}
	return 0;
}

/*
 * get_unmapped_area() - where a new mapping of @len goes: the hint if it is free, else the
 * highest free gap below mmap_base, else anywhere (bottom-up), as Linux's top-down layout.
 * Return: the address, or -ENOMEM.
 */
int64_t get_unmapped_area(struct mm_struct *mm, uint64_t addr, uint64_t len)
{
	uint64_t task_size = mm->arch->task_size;
	uint64_t found;

	if (len > task_size - MM_MMAP_MIN_ADDR)
		return -ENOMEM;
	if (addr) {
		addr = mm_page_align(mm, addr);
		if (addr && range_is_free(mm, addr, len))
			return (int64_t)addr;
	}
	found = unmapped_area_topdown(mm, len, MM_MMAP_MIN_ADDR, mm->mmap_base);
	if (!found)
		found = unmapped_area_bottomup(mm, len, mm->mmap_base, task_size);
	return found ? (int64_t)found : -ENOMEM;
}

/* ---- mmap ---- */

/*
 * vma_merge_new_range() - extend a touching compatible neighbour over [addr, end) instead
 * of making a new VMA. Return: the VMA that now covers the range, or NULL.
 */
struct vm_area_struct *vma_merge_new_range(struct mm_struct *mm, uint64_t addr, uint64_t end,
					   uint64_t vm_flags, struct mm_file *file,
					   uint64_t pgoff)
{
	unsigned shift = mm->arch->page_shift;
	struct vm_area_struct *prev, *next = find_vma_prev(mm, addr, &prev);
	bool can_prev, can_next;

	if (next && next->vm_start != end)
		next = NULL;
	if (prev && prev->vm_end != addr)
		prev = NULL;
	can_prev = prev && vma_compatible(prev, vm_flags, NULL, file) &&
		   prev->vm_pgoff + ((prev->vm_end - prev->vm_start) >> shift) == pgoff;
	can_next = next && vma_compatible(next, vm_flags, NULL, file) &&
		   pgoff + ((end - addr) >> shift) == next->vm_pgoff;

	if (can_prev && can_next) {
		uint64_t next_end = next->vm_end;

		prev->anon_vma |= next->anon_vma;
		vma_tree_remove(mm, next);
		vm_area_free(next);
		mm->map_count--;
		prev->vm_end = next_end;
		return prev;
	}
	if (can_prev) {
		prev->vm_end = end;
		return prev;
	}
	if (can_next) {
		next->vm_start = addr;
		next->vm_pgoff = pgoff;
		return next;
	}
	return NULL;
}

/*
 * mmap_region() - map [addr, addr + len), replacing whatever is there (MAP_FIXED). The old
 * VMAs are gathered and their entries and tables cleared before the new VMA goes in, the
 * way __mmap_region() does with vms_clean_up_area(); the unmap log names this call.
 */
static int64_t mmap_region(struct mm_struct *mm, uint64_t addr, uint64_t len,
			   uint64_t vm_flags, struct mm_file *file, uint64_t pgoff)
{
	uint64_t end = addr + len;
	struct vma_munmap_struct vms;
	GPtrArray *detach = g_ptr_array_new();
	struct vm_area_struct *vma, *old = find_vma_intersection(mm, addr, end);
	int64_t ret = (int64_t)addr;

	if (old) {
		init_vma_munmap(&vms, mm, old, addr, end, false, "mmap(MAP_FIXED)");
		vms.arg_addr = addr;
		vms.arg_len = len;
		ret = vms_gather_munmap_vmas(&vms, detach);
		if (ret)
			goto out;
		/* vms_clean_up_area(): zap now, with the lock held for writing. */
		if (vms.nr_pages)
			vms_clear_ptes(&vms, detach, true);
		for (guint i = 0; i < detach->len; i++)
			vma_tree_remove(mm, g_ptr_array_index(detach, i));
		vms_complete_munmap_vmas(&vms, detach);
		ret = (int64_t)addr;
	} else if (mm->map_count >= MM_MAX_MAP_COUNT) {
		ret = -ENOMEM;
		goto out;
	}

	vma = vma_merge_new_range(mm, addr, end, vm_flags, file, pgoff);
	if (vma) {
		mm_trace(mm, "  merged into vma [%#" PRIx64 ", %#" PRIx64 ")\n", vma->vm_start,
			 vma->vm_end);
		goto out;
	}
	vma = vm_area_alloc(mm);
	vma->vm_start = addr;
	vma->vm_end = end;
	vma->vm_flags = vm_flags;
	vma->vm_pgoff = pgoff;
	vma->vm_file = file ? mm_file_get(file) : NULL;
	vma_tree_insert(mm, vma);
	mm->map_count++;
out:
	g_ptr_array_free(detach, true);
	return ret;
}

static int64_t __do_mmap(struct mm_struct *mm, uint64_t addr, uint64_t len, unsigned prot,
			 unsigned flags, struct mm_file *file, uint64_t pgoff)
{
	uint64_t task_size = mm->arch->task_size;
	uint64_t vm_flags;
	int64_t ret;

	mm->op_seq++;
	mm->stats.mmap_calls++;
	if (!len)
		return -EINVAL;
	/* Like Linux's calc_vm_prot_bits(), mmap ignores the prot bits it does not know. */
	prot &= MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC;
	len = mm_page_align(mm, len);
	if (!len || len > task_size)
		return -ENOMEM;

	switch (flags & MAP_TYPE_LINUX) {
	case MAP_PRIVATE_LINUX:
	case MAP_SHARED_LINUX:
		break;
	case MAP_SHARED_VALIDATE_LINUX:
		/* Linux validates flags only for a file; anonymous memory knows no such type. */
		if (flags & MAP_ANONYMOUS_LINUX)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (!(flags & MAP_ANONYMOUS_LINUX) && !file)
		return -EBADF;
	/*
	 * The offset must not wrap ((pgoff + pages) overflowing), and, as Linux's file_mmap_ok()
	 * has it for a regular file, the mapping must end within MAX_LFS_FILESIZE (LLONG_MAX
	 * bytes): otherwise -EOVERFLOW.
	 */
	if (file && (pgoff + (len >> mm->arch->page_shift) < pgoff ||
		     pgoff > (UINT64_C(0x7fffffffffffffff) - len) >> mm->arch->page_shift))
		return -EOVERFLOW;

	if (flags & MAP_FIXED_NOREPLACE_LINUX)
		flags |= MAP_FIXED_LINUX;
	if (flags & MAP_FIXED_LINUX) {
		if (addr & ~mm_page_mask(mm))
			return -EINVAL;
		if (addr > task_size - len)
			return -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE_LINUX) && find_vma_intersection(mm, addr, addr + len))
			return -EEXIST;
	} else {
		ret = get_unmapped_area(mm, addr, len);
		if (ret < 0)
			return ret;
		addr = (uint64_t)ret;
	}

	vm_flags = calc_vm_prot_bits(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if (flags & MAP_GROWSDOWN_LINUX)
		vm_flags |= VM_GROWSDOWN;
	if ((flags & MAP_TYPE_LINUX) != MAP_PRIVATE_LINUX) {
		vm_flags |= VM_SHARED | VM_MAYSHARE;
		/* A descriptor that cannot write gives a mapping that can never write. */
		if (file && file->registered && !file->fd_can_write)
			vm_flags &= ~(uint64_t)(VM_MAYWRITE | VM_SHARED);
	}
	else if (prot & MM_PROT_WRITE)
		vm_flags |= VM_ACCOUNT;
	if (flags & MAP_NORESERVE_LINUX)
		vm_flags |= VM_NORESERVE;
	if (flags & MAP_LOCKED_LINUX)
		vm_flags |= VM_LOCKED;
	/* Private anonymous mappings count their offset from address 0, as Linux does. */
	if (!file)
		pgoff = addr >> mm->arch->page_shift;

	mm_trace(mm, "mmap(%#" PRIx64 ", %#" PRIx64 ", prot %#x, flags %#x%s%s) #%" PRIu64 "\n",
		 addr, len, prot, flags, file ? ", " : "", file ? file->path : "", mm->op_seq);
	ret = mmap_region(mm, addr, len, vm_flags, file, pgoff);
	if (ret < 0)
		return ret;
	/* Population is best effort, as in Linux: the mapping stands even if memory runs out. */
	if ((flags & (MAP_POPULATE_LINUX | MAP_NONBLOCK_LINUX)) == MAP_POPULATE_LINUX ||
	    (vm_flags & VM_LOCKED))
		(void)!mm_populate_range(mm, addr, addr + len);
	return ret;
}

int64_t do_mmap(struct mm_struct *mm, uint64_t addr, uint64_t len, unsigned prot,
		unsigned flags, uint64_t pgoff)
{
	struct mm_file *shmem;
	int64_t ret;

	if ((flags & MAP_TYPE_LINUX) == MAP_PRIVATE_LINUX || !(flags & MAP_ANONYMOUS_LINUX))
		return __do_mmap(mm, addr, len, prot, flags, NULL, pgoff);
	/*
	 * Shared anonymous memory is an object of its own, as shmem is in Linux, sized to the
	 * mapping (shmem_zero_setup()): pages past it, after mremap grows the mapping, give
	 * SIGBUS. A length too large to round is refused by __do_mmap().
	 */
	shmem = mm_file_create(-1, "/dev/zero (deleted)", mm_page_align(mm, len), 0, 0);
	ret = __do_mmap(mm, addr, len, prot, flags, shmem, 0);
	mm_file_put(shmem);
	return ret;
}

int64_t do_mmap_file(struct mm_struct *mm, uint64_t addr, uint64_t len, unsigned prot,
		     unsigned flags, struct mm_file *file, uint64_t pgoff)
{
	if (!file)
		return -EBADF;
	return __do_mmap(mm, addr, len, prot, flags & ~MAP_ANONYMOUS_LINUX, file, pgoff);
}

int do_munmap(struct mm_struct *mm, uint64_t start, uint64_t len)
{
	mm->op_seq++;
	mm->stats.munmap_calls++;
	mm_trace(mm, "munmap(%#" PRIx64 ", %#" PRIx64 ") #%" PRIu64 "\n", start, len, mm->op_seq);
	return do_vmi_munmap(mm, start, len, true, "munmap");
}

/* ---- mprotect ---- */

/*
 * mprotect_fixup() - give [start, end) of @vma the flags @newflags: split or merge the VMA,
 * then rewrite the entries already present. The flush comes with the caller's tlb_finish.
 */
static int mprotect_fixup(struct mmu_gather *tlb, struct vm_area_struct **pvma,
			  uint64_t start, uint64_t end, uint64_t newflags)
{
	struct mm_struct *mm = tlb->mm;
	struct vm_area_struct *vma = *pvma;

	if (newflags == vma->vm_flags)
		return 0;
	vma = vma_modify(mm, vma, start, end, newflags, NULL);
	if (!vma)
		return -ENOMEM;
	*pvma = vma;
	change_protection(tlb, vma, start, end, newflags);
	return 0;
}

int do_mprotect(struct mm_struct *mm, uint64_t start, uint64_t len, unsigned prot)
{
	struct vm_area_struct *vma;
	struct mmu_gather tlb;
	uint64_t end, nstart;
	int error = 0;

	mm->op_seq++;
	mm->stats.mprotect_calls++;
	if (start & ~mm_page_mask(mm))
		return -EINVAL;
	if (!len)
		return 0;
	len = mm_page_align(mm, len);
	end = start + len;
	if (end <= start)
		return -ENOMEM;
	/* arch_validate_prot(): PROT_SEM is accepted (and means nothing), all else is -EINVAL. */
	if (prot & ~(MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC | MM_PROT_SEM))
		return -EINVAL;
	prot &= ~MM_PROT_SEM;

	mm_trace(mm, "mprotect(%#" PRIx64 ", %#" PRIx64 ", prot %#x) #%" PRIu64 "\n", start, len,
		 prot, mm->op_seq);
	vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end || vma->vm_start > start)
		return -ENOMEM;

	tlb_gather_mmu(&tlb, mm);
	nstart = start;
	for (;;) {
		uint64_t newflags = calc_vm_prot_bits(prot) | (vma->vm_flags & ~(uint64_t)VM_ACCESS_FLAGS);
		uint64_t tmp;

		/* Each VM_MAY* flag sits four bits above the flag it allows. */
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) {
			error = -EACCES;
			break;
		}
		/* A private mapping turning writable becomes accounted, as at mmap time. */
		if ((newflags & VM_WRITE) &&
		    !(vma->vm_flags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE)))
			newflags |= VM_ACCOUNT;
		tmp = vma->vm_end < end ? vma->vm_end : end;
		error = mprotect_fixup(&tlb, &vma, nstart, tmp, newflags);
		if (error)
			break;
		/*
		 * Go on from the end of the VMA now covering the piece: a merge with the next
		 * VMA may reach past tmp, and that part has the new protection already.
		 */
		nstart = vma->vm_end;
		if (nstart >= end)
			break;
		vma = vma_next_of(mm, vma);
		/* A hole inside the range: what came before it stays changed, as in Linux. */
		if (!vma || vma->vm_start != nstart) {
			error = -ENOMEM;
			break;
		}
	}
	tlb_finish_mmu(&tlb);
	return error;
}

int mm_name_range(struct mm_struct *mm, uint64_t start, uint64_t end, const char *name)
{
	struct vm_area_struct *vma = vma_lookup(mm, start);
	uint64_t addr = start;

	if (start >= end)
		return -EINVAL;
	while (addr < end) {
		uint64_t stop;

		if (!vma || vma->vm_start > addr)
			return -EINVAL;
		stop = vma->vm_end < end ? vma->vm_end : end;
		vma = vma_modify(mm, vma, addr, stop, vma->vm_flags, name);
		if (!vma)
			return -ENOMEM;
		addr = stop;
		vma = vma_lookup(mm, addr);
	}
	return 0;
}

/* ---- brk ---- */

void mm_set_brk(struct mm_struct *mm, uint64_t addr)
{
	mm->start_brk = mm->brk = mm_page_align(mm, addr);
}

/*
 * do_brk_flags() - grow the heap over [addr, addr + len): extend the heap VMA if it ends
 * at @addr, else make a new one.
 */
static int do_brk_flags(struct mm_struct *mm, uint64_t addr, uint64_t len)
{
	uint64_t flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT;
	uint64_t pgoff = addr >> mm->arch->page_shift;

	if (vma_merge_new_range(mm, addr, addr + len, flags, NULL, pgoff))
		return 0;
	if (mm->map_count >= MM_MAX_MAP_COUNT)
		return -ENOMEM;
	{
		struct vm_area_struct *vma = vm_area_alloc(mm);

		vma->vm_start = addr;
		vma->vm_end = addr + len;
		vma->vm_flags = flags;
		vma->vm_pgoff = pgoff;
		vma_tree_insert(mm, vma);
		mm->map_count++;
	}
	return 0;
}

uint64_t do_brk(struct mm_struct *mm, uint64_t brk)
{
	uint64_t origbrk = mm->brk, newbrk, oldbrk;
	struct vm_area_struct *next;

	mm->op_seq++;
	mm->stats.brk_calls++;
	mm_trace(mm, "brk(%#" PRIx64 ") #%" PRIu64 "\n", brk, mm->op_seq);
	if (brk < mm->start_brk || brk > mm->arch->task_size)
		return origbrk;

	newbrk = mm_page_align(mm, brk);
	oldbrk = mm_page_align(mm, mm->brk);
	if (oldbrk == newbrk) {
		mm->brk = brk;
		return brk;
	}

	if (brk <= mm->brk) {
		/* Shrinking: the freed part goes through the whole munmap teardown. */
		struct vm_area_struct *vma = find_vma_intersection(mm, newbrk, oldbrk);

		mm->brk = brk;
		if (vma && do_vmi_align_munmap(mm, vma, newbrk, oldbrk, true, "brk", brk, 0)) {
			mm->brk = origbrk;
			return origbrk;
		}
		return brk;
	}

	/* Growing: keep a page, and a stack's guard gap, between the heap and what follows. */
	next = find_vma(mm, oldbrk);
	if (next && newbrk + mm_page_size(mm) > vm_start_gap(mm, next))
		return origbrk;
	if (do_brk_flags(mm, oldbrk, newbrk - oldbrk))
		return origbrk;
	mm->brk = brk;
	return brk;
}

/* ---- exit ---- */

/*
 * exit_mmap() - one full-mm gather spans zapping every VMA and freeing every user table;
 * then the VMAs go, then the root table (the kernel frees it later, in mm_free_pgd()).
 */
void exit_mmap(struct mm_struct *mm)
{
	struct ma_state mas = { .tree = mm->vma_tree };
	struct vm_area_struct *vma;
	struct unmap_desc unmap;
	struct mmu_gather tlb;
	int count = 0;

	if (mm->exited)
		return;
	mm->exited = true;
	mm_trace(mm, "exit_mmap: %d vmas\n", mm->map_count);

	vma = mas_find(&mas, ~UINT64_C(0));
	if (vma) {
		unmap_all_init(&unmap, &mas, vma);
		tlb_gather_mmu_fullmm(&tlb, mm);
		unmap_vmas(&tlb, &unmap);
		unmap_pgtable_init(&unmap, &mas);
		mm_trace(mm, "  free_pgtables: floor %#" PRIx64 " ceiling %#" PRIx64 "\n",
			 unmap.pg_start, unmap.pg_end);
		free_pgtables(&tlb, &unmap);
		tlb_finish_mmu(&tlb);

		/* tear_down_vmas(): every VMA goes; their number must match map_count. */
		while ((vma = find_vma(mm, 0))) {
			vma_tree_remove(mm, vma);
			vm_area_free(vma);
			count++;
		}
		MM_WARN_ON_ONCE(count != mm->map_count);
	}
	mm->map_count = 0;

	if (mm->pgd) {
		const struct arch_mmu *a = mm->arch;
		const uint64_t *root = pt_entry(mm, mm->pgd, 0);

		for (unsigned i = 0; i < arch_ptrs_per_table(a, 0); i++)
			if (MM_WARN_ON_ONCE(root[i] != 0))	/* a table outlived free_pgtables */
				break;
		mm_free_table_now(mm, mm->pgd, 0);
		mm->pgd = 0;
	}
	/* No longer one of the machine's live mms; what it shared lives on in the others. */
	phys_unregister_mm(mm->phys, mm);
}
