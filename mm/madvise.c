/* SPDX-License-Identifier: MIT */
/*
 * madvise.c - madvise, mincore and msync: calls that look at or act on the pages of a
 * range without changing its mappings.
 */
#include <fcntl.h>
#include <string.h>

#include "mm/internal.h"

/*
 * for_each_vma_in() - call @fn on each VMA piece of [start, end), clamped to the range.
 * Return: @fn's first error; else -ENOMEM if the range had a hole (after visiting the rest,
 * as Linux's madvise_walk_vmas() does), else 0.
 */
static int for_each_vma_in(struct mm_struct *mm, uint64_t start, uint64_t end,
			   int (*fn)(struct mm_struct *mm, struct vm_area_struct *vma,
				     uint64_t start, uint64_t end, void *arg), void *arg)
{
	struct vm_area_struct *vma = find_vma(mm, start);
	int unmapped = 0;

	if (!vma || vma->vm_start >= end)
		return -ENOMEM;
	while (vma && vma->vm_start < end) {
		uint64_t s = vma->vm_start > start ? vma->vm_start : start;
		uint64_t e = vma->vm_end < end ? vma->vm_end : end;
		uint64_t next_start = vma->vm_end;
		int err;

		if (vma->vm_start > start)
			unmapped = -ENOMEM;
		err = fn(mm, vma, s, e, arg);
		if (err)
			return err;
		start = next_start;
		vma = find_vma(mm, next_start);
	}
	return start < end ? -ENOMEM : unmapped;
}

/* ---- madvise ---- */

static bool madvise_behavior_valid(int advice)
{
	switch (advice) {
	case 0 ... 4:	/* NORMAL, RANDOM, SEQUENTIAL, WILLNEED, DONTNEED */
	case 8 ... 25:	/* FREE, REMOVE ... POPULATE_WRITE, DONTNEED_LOCKED, COLLAPSE */
		return true;
	default:
		return false;
	}
}

/* zap_page_range_single(): clear the entries, flush, free the private frames. */
static void zap_range(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start,
		      uint64_t end)
{
	struct mmu_gather tlb;

	tlb_gather_mmu(&tlb, mm);
	unmap_page_range(&tlb, vma, start, end);
	tlb_finish_mmu(&tlb);
}

/*
 * file_remove_range() - punch a hole in @file over pages [first, last): every mapping of
 * it loses those pages (the reverse map, done the slow way: one mm, all its VMAs), the file
 * reads zero there, and the object's cache lets them go.
 */
static void file_remove_range(struct mm_struct *mm, struct mm_file *file, uint64_t first,
			      uint64_t last)
{
	unsigned shift = mm->arch->page_shift;
	struct vma_iterator vmi;
	struct vm_area_struct *vma;

	vma_iter_init(&vmi, mm, 0);
	while ((vma = vma_next(&vmi))) {
		uint64_t vfirst = vma->vm_pgoff, vlast = vfirst + ((vma->vm_end - vma->vm_start) >> shift);
		uint64_t from = first > vfirst ? first : vfirst, to = last < vlast ? last : vlast;

		if (vma->vm_file != file || from >= to)
			continue;
		zap_range(mm, vma, vma->vm_start + ((from - vfirst) << shift),
			  vma->vm_start + ((to - vfirst) << shift));
	}
	if (file->fd >= 0 && fallocate(file->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				       (off_t)(first << shift), (off_t)((last - first) << shift)))
		mm_trace(mm, "  punching a hole in %s failed\n", file->path);
	for (uint64_t pgoff = first; pgoff < last; pgoff++) {
		uint64_t *frame = g_hash_table_lookup(file->cache, &pgoff);

		if (!frame)
			continue;
		mm_free_frame(mm, *frame);
		g_hash_table_remove(file->cache, &pgoff);
	}
}

static int madvise_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start,
		       uint64_t end, void *arg)
{
	int advice = *(int *)arg;

	switch (advice) {
	case MADV_DONTNEED_LINUX:
	case MADV_DONTNEED_LOCKED_LINUX:
		if (advice == MADV_DONTNEED_LINUX && (vma->vm_flags & VM_LOCKED))
			return -EINVAL;
		mm_trace(mm, "  madvise(MADV_DONTNEED) zaps [%#" PRIx64 ", %#" PRIx64 ")\n", start,
			 end);
		zap_range(mm, vma, start, end);
		return 0;
	case MADV_FREE_LINUX:
		/* Only private anonymous memory; freeing lazily may mean never, as here. */
		return vma->vm_file ? -EINVAL : 0;
	case MADV_REMOVE_LINUX:
		/* madvise_remove(): only a shared, writable mapping of an object may punch. */
		if ((vma->vm_flags & VM_LOCKED) || !vma->vm_file)
			return -EINVAL;
		if (!(vma->vm_flags & VM_SHARED) || !(vma->vm_flags & VM_MAYWRITE))
			return -EACCES;
		file_remove_range(mm, vma->vm_file, vma_pgoff(vma, start), vma_pgoff(vma, end));
		return 0;
	case 22:	/* MADV_POPULATE_READ */
	case MADV_POPULATE_WRITE_LINUX:
		for (uint64_t addr = start; addr < end; addr += mm_page_size(mm)) {
			uint64_t paddr;
			unsigned prot;
			int err = __mm_translate(mm, addr, advice == 22 ? MM_PROT_READ : MM_PROT_WRITE,
						 &paddr, &prot, NULL);

			if (err)
				return err == -ENOMEM ? -ENOMEM : -EFAULT;
		}
		return 0;
	default:
		return 0;
	}
}

int do_madvise(struct mm_struct *mm, uint64_t start, uint64_t len, int advice)
{
	uint64_t end, aligned;

	if (!madvise_behavior_valid(advice))
		return -EINVAL;
	if (start & ~mm_page_mask(mm))
		return -EINVAL;
	aligned = mm_page_align(mm, len);
	if (len && !aligned)
		return -EINVAL;
	end = start + aligned;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	mm_trace(mm, "madvise(%#" PRIx64 ", %#" PRIx64 ", %d)\n", start, len, advice);
	return for_each_vma_in(mm, start, end, madvise_vma, &advice);
}

/* ---- mincore ---- */

int do_mincore(struct mm_struct *mm, uint64_t start, uint64_t len, uint8_t *vec)
{
	const struct arch_mmu *a = mm->arch;
	uint64_t page = mm_page_size(mm), end;

	if (start & ~mm_page_mask(mm))
		return -EINVAL;
	end = start + mm_page_align(mm, len);
	if (end < start || end > a->task_size)
		return -ENOMEM;
	for (uint64_t addr = start; addr < end; addr += page) {
		struct vm_area_struct *vma = vma_lookup(mm, addr);
		uint64_t *pte, pgoff;

		if (!vma)
			return -ENOMEM;
		pte = pt_lookup_leaf(mm, addr);
		/* Resident: a present entry, or a page the shared object keeps. */
		pgoff = vma_pgoff(vma, addr);
		*vec++ = (pte && *pte && a->entry_present(*pte, a->levels - 1)) ||
			 (vma->vm_file && g_hash_table_contains(vma->vm_file->cache, &pgoff));
	}
	return 0;
}

/* ---- msync ---- */

struct msync_args {
	unsigned flags;
	struct mmu_gather *tlb;
};

static int msync_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start,
		     uint64_t end, void *arg)
{
	unsigned flags = ((struct msync_args *)arg)->flags;
	struct mmu_gather *tlb = ((struct msync_args *)arg)->tlb;

	if ((flags & MS_INVALIDATE_LINUX) && (vma->vm_flags & VM_LOCKED))
		return -EBUSY;
	filemap_sync_range(mm, tlb, vma, start, end);
	return 0;
}

int do_msync(struct mm_struct *mm, uint64_t start, uint64_t len, unsigned flags)
{
	uint64_t end;

	if (flags & ~(MS_ASYNC_LINUX | MS_INVALIDATE_LINUX | MS_SYNC_LINUX))
		return -EINVAL;
	if (start & ~mm_page_mask(mm))
		return -EINVAL;
	if ((flags & MS_ASYNC_LINUX) && (flags & MS_SYNC_LINUX))
		return -EINVAL;
	struct msync_args args = { .flags = flags };
	struct mmu_gather tlb;
	int err;

	end = start + mm_page_align(mm, len);
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	tlb_gather_mmu(&tlb, mm);
	args.tlb = &tlb;
	err = for_each_vma_in(mm, start, end, msync_vma, &args);
	tlb_finish_mmu(&tlb);
	return err;
}
