/* SPDX-License-Identifier: MIT */
/*
 * mremap.c - resizing and moving mappings (Linux's mm/mremap.c).
 *
 * Shrinking is a munmap of the tail. Growing stays in place when nothing lies above.
 * Moving makes the new VMA, moves the entries (the frames stay where they are; a whole
 * last-level table moves as one entry when both ends are aligned to what it maps), flushes
 * the old translations, and then tears the old range down through the ordinary munmap
 * path, which frees the tables only the old range used.
 */
#include "mm/internal.h"

/*
 * move_normal_pmd() - move the whole last-level table mapping [old, old + PMD_SIZE) to
 * @new by moving the one entry that points at it. Return: true if moved.
 */
static bool move_normal_pmd(struct mmu_gather *tlb, uint64_t old, uint64_t new)
{
	struct mm_struct *mm = tlb->mm;
	unsigned level = mm->arch->levels - 2;
	uint64_t *src = pt_entry_at(mm, old, level, false);
	uint64_t *dst;

	if (!src || !*src)
		return false;
	dst = pt_entry_at(mm, new, level, true);
	if (!dst || *dst)
		return false;
	*dst = *src;
	*src = 0;
	tlb_remove_tlb_entry(tlb, level, old);
	/*
	 * A table entry changed: cached walks through it must go too, so the flush may not be
	 * a leaf-only one (arm64 flush_tlb_range() never uses the last-level form for this).
	 */
	tlb->freed_tables = true;
	mm->stats.tables_moved++;
	return true;
}

/*
 * move_ptes() - move the leaf entries of [old, old + len) to @new, one by one.
 * Return: 0, or -ENOMEM when a table for @new could not be had (what moved, moved).
 */
static int move_ptes(struct mmu_gather *tlb, uint64_t old, uint64_t new, uint64_t len,
		     uint64_t *moved)
{
	struct mm_struct *mm = tlb->mm;
	uint64_t page = mm_page_size(mm);

	for (uint64_t off = 0; off < len; off += page, *moved += page) {
		uint64_t *src = pt_lookup_leaf(mm, old + off), *dst;

		if (!src || !*src)
			continue;
		dst = pt_alloc_leaf(mm, new + off);
		if (!dst)
			return -ENOMEM;
		*dst = *src;
		*src = 0;
		tlb_remove_tlb_entry(tlb, mm_leaf_level(mm), old + off);
		mm->stats.ptes_moved++;
	}
	return 0;
}

/*
 * move_page_tables() - move the translations of [old_addr, old_addr + len) to new_addr.
 * Return: the bytes moved (less than @len when memory ran out).
 */
static uint64_t move_page_tables(struct mm_struct *mm, uint64_t old_addr, uint64_t new_addr,
				 uint64_t len)
{
	uint64_t pmd_size = mm_pmd_size(mm);
	struct mmu_gather tlb;
	uint64_t moved = 0;

	tlb_gather_mmu(&tlb, mm);
	while (moved < len) {
		uint64_t old, new, extent;
		uint64_t to_old, to_new, done;

		/* Where the old range has no tables, there is nothing to move: skip it whole. */
		moved = pt_next_table(mm, old_addr + moved, old_addr + len) - old_addr;
		if (moved >= len)
			break;
		old = old_addr + moved;
		new = new_addr + moved;
		extent = len - moved;
		to_old = mm_addr_end(old, 0, pmd_size) - old;
		to_new = mm_addr_end(new, 0, pmd_size) - new;
		done = moved;

		if (to_old < extent)
			extent = to_old;
		if (to_new < extent)
			extent = to_new;
		if (extent == pmd_size && move_normal_pmd(&tlb, old, new)) {
			moved += extent;
			continue;
		}
		if (move_ptes(&tlb, old, new, extent, &done)) {
			moved = done;
			break;
		}
		moved += extent;
	}
	/* Old translations must be gone before anyone reuses the old range. */
	tlb_finish_mmu(&tlb);
	return moved;
}

/*
 * copy_vma() - the VMA for the moved range: a merge with a neighbour there if one fits,
 * else a copy of @vma. Return: it, or NULL (-ENOMEM).
 */
static struct vm_area_struct *copy_vma(struct mm_struct *mm, struct vm_area_struct *vma,
				       uint64_t addr, uint64_t len, uint64_t pgoff)
{
	struct vm_area_struct *new;

	/* Only unnamed VMAs merge on creation; a named one keeps its name as its own VMA. */
	if (!vma->vm_name) {
		new = vma_merge_new_range(mm, addr, addr + len, vma->vm_flags, vma->vm_file, pgoff);
		if (new) {
			new->anon_vma |= vma->anon_vma;	/* the moved entries come along */
			return new;
		}
	}
	if (mm->map_count >= MM_MAX_MAP_COUNT)
		return NULL;
	new = vm_area_alloc(mm);
	*new = *vma;
	new->vm_name = g_strdup(vma->vm_name);
	if (new->vm_file)
		mm_file_get(new->vm_file);
	new->vm_start = addr;
	new->vm_end = addr + len;
	new->vm_pgoff = pgoff;
	vma_tree_insert(mm, new);
	mm->map_count++;
	return new;
}

static int64_t move_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t old_addr,
			uint64_t old_len, uint64_t new_len, uint64_t new_addr, unsigned flags)
{
	uint64_t pgoff = vma_pgoff(vma, old_addr);
	struct vm_area_struct *new_vma;
	uint64_t moved;

	if (mm->map_count >= MM_MAX_MAP_COUNT - 3)
		return -ENOMEM;
	new_vma = copy_vma(mm, vma, new_addr, new_len, pgoff);
	if (!new_vma)
		return -ENOMEM;
	mm_trace(mm, "  move_vma [%#" PRIx64 ", %#" PRIx64 ") -> [%#" PRIx64 ", %#" PRIx64 ")\n",
		 old_addr, old_addr + old_len, new_addr, new_addr + new_len);
	moved = move_page_tables(mm, old_addr, new_addr, old_len);
	if (moved < old_len) {
		/* Out of memory: put back what moved, then drop the new range. */
		move_page_tables(mm, new_addr, old_addr, moved);
		(void)!do_vmi_munmap(mm, new_addr, new_len, false, "mremap (undo)");
		return -ENOMEM;
	}
	if (!(flags & MREMAP_DONTUNMAP_LINUX) && old_len)
		(void)!do_vmi_munmap(mm, old_addr, old_len, false, "mremap");
	return (int64_t)new_addr;
}

/*
 * vma_to_resize() - the VMA holding [addr, addr + old_len) whole, or an errno:
 * -EFAULT if the range is not inside one VMA, -EINVAL for a duplicate of a private one.
 */
static struct vm_area_struct *vma_to_resize(struct mm_struct *mm, uint64_t addr,
					    uint64_t old_len, int *err)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	*err = -EFAULT;
	if (!vma || old_len > vma->vm_end - addr)
		return NULL;
	/* old_len 0 duplicates a mapping, which only shared memory can mean. */
	*err = -EINVAL;
	if (!old_len && !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE)))
		return NULL;
	*err = 0;
	return vma;
}

static int64_t mremap_to(struct mm_struct *mm, uint64_t addr, uint64_t old_len,
			 uint64_t new_addr, uint64_t new_len, unsigned flags)
{
	uint64_t task_size = mm->arch->task_size;
	struct vm_area_struct *vma;
	int64_t ret;
	int err;

	if (new_addr & ~mm_page_mask(mm))
		return -EINVAL;
	if (new_len > task_size || new_addr > task_size - new_len)
		return -EINVAL;
	/* The two ranges may not overlap. */
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return -EINVAL;
	if (flags & MREMAP_FIXED_LINUX) {
		err = do_vmi_munmap(mm, new_addr, new_len, false, "mremap(MREMAP_FIXED)");
		if (err)
			return err;
	}
	if (old_len > new_len) {
		err = do_vmi_munmap(mm, addr + new_len, old_len - new_len, false, "mremap");
		if (err)
			return err;
		old_len = new_len;
	}
	vma = vma_to_resize(mm, addr, old_len, &err);
	if (!vma)
		return err;
	if (!(flags & MREMAP_FIXED_LINUX)) {
		/* Without MREMAP_FIXED, new_addr is a hint, as mmap's addr is. */
		ret = get_unmapped_area(mm, new_addr, new_len);
		if (ret < 0)
			return ret;
		new_addr = (uint64_t)ret;
	}
	return move_vma(mm, vma, addr, old_len, new_len, new_addr, flags);
}

int64_t do_mremap(struct mm_struct *mm, uint64_t addr, uint64_t old_len, uint64_t new_len,
		  unsigned flags, uint64_t new_addr)
{
	struct vm_area_struct *vma;
	int64_t ret;
	int err;

	mm->op_seq++;
	mm_trace(mm, "mremap(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", flags %#x, %#" PRIx64
		 ") #%" PRIu64 "\n", addr, old_len, new_len, flags, new_addr, mm->op_seq);
	if (flags & ~(MREMAP_MAYMOVE_LINUX | MREMAP_FIXED_LINUX | MREMAP_DONTUNMAP_LINUX))
		return -EINVAL;
	if ((flags & MREMAP_FIXED_LINUX) && !(flags & MREMAP_MAYMOVE_LINUX))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP_LINUX) &&
	    (!(flags & MREMAP_MAYMOVE_LINUX) || old_len != new_len))
		return -EINVAL;
	if (addr & ~mm_page_mask(mm))
		return -EINVAL;
	old_len = mm_page_align(mm, old_len);
	new_len = mm_page_align(mm, new_len);
	if (!new_len)
		return -EINVAL;
	/* Since Linux 5.16 an unmapped old address fails first, whatever else was asked. */
	if (!vma_lookup(mm, addr))
		return -EFAULT;

	if (flags & (MREMAP_FIXED_LINUX | MREMAP_DONTUNMAP_LINUX))
		return mremap_to(mm, addr, old_len, new_addr, new_len, flags);

	/* Shrinking (or the same size): unmap the tail through the ordinary teardown. */
	if (old_len >= new_len) {
		if (old_len > new_len) {
			err = do_vmi_munmap(mm, addr + new_len, old_len - new_len, true, "mremap");
			if (err)
				return err;
		}
		return (int64_t)addr;
	}

	vma = vma_to_resize(mm, addr, old_len, &err);
	if (!vma)
		return err;

	/* Growing in place: the old range ends the VMA and nothing lies above it. */
	if (old_len && old_len == vma->vm_end - addr &&
	    vma->vm_end + (new_len - old_len) > vma->vm_end &&
	    range_is_free(mm, vma->vm_end, new_len - old_len)) {
		struct vm_area_struct *next = vma_next_of(mm, vma);

		vma->vm_end = addr + new_len;
		/* Touching a compatible neighbour now: become one VMA, as vma_merge_extend does. */
		if (next && next->vm_start == vma->vm_end &&
		    vma_compatible(next, vma->vm_flags, vma->vm_name, vma->vm_file) &&
		    vma_pgoff(vma, vma->vm_end) == next->vm_pgoff)
			(void)vma_modify(mm, next, next->vm_start, next->vm_end, vma->vm_flags, NULL);
		mm_trace(mm, "  grown in place to [%#" PRIx64 ", %#" PRIx64 ")\n", vma->vm_start,
			 vma->vm_end);
		return (int64_t)addr;
	}

	if (!(flags & MREMAP_MAYMOVE_LINUX))
		return -ENOMEM;
	ret = get_unmapped_area(mm, 0, new_len);
	if (ret < 0)
		return ret;
	return move_vma(mm, vma, addr, old_len, new_len, (uint64_t)ret, flags);
}
