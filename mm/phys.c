/* SPDX-License-Identifier: MIT */
/*
 * phys.c - guest physical memory and its frame allocator.
 *
 * One anonymous host mapping holds all of guest physical memory; the emulator maps the
 * same buffer into Unicorn at physical address 0. Frames, data and page-table pages alike,
 * are handed out with a reference count. Freed frames are reused first (last freed, first
 * reused), which is what makes a missing TLB flush visible: the next allocation gets the
 * frame a stale translation still points at.
 */
#include <string.h>
#include <sys/mman.h>

#include "mm/internal.h"

int mm_phys_create(uint64_t size, unsigned page_shift, struct mm_phys **out)
{
	uint64_t page = UINT64_C(1) << page_shift;
	struct mm_phys *phys;
	void *base;

	if (page_shift < 12 || page_shift > 16 || size < 2 * page || size % page)
		return -EINVAL;

	base = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -ENOMEM;

	phys = g_new0(struct mm_phys, 1);
	phys->mem.base = base;
	phys->mem.size = size;
	phys->page_shift = page_shift;
	phys->nr_frames = size >> page_shift;
	phys->refcount = g_new0(uint32_t, phys->nr_frames);
	phys->flags = g_new0(uint8_t, phys->nr_frames);
	phys->free_list = g_new(uint64_t, phys->nr_frames);
	/* Frame 0 is never handed out: physical address 0 in an entry is always a bug. */
	phys->next_unused = 1;
	phys->fail_after = -1;
	*out = phys;
	return 0;
}

void mm_phys_destroy(struct mm_phys *phys)
{
	if (!phys)
		return;
	munmap(phys->mem.base, phys->mem.size);
	g_free(phys->refcount);
	g_free(phys->flags);
	g_free(phys->free_list);
	g_free(phys);
}

const struct arch_mem *mm_phys_mem(const struct mm_phys *phys)
{
	return &phys->mem;
}

uint64_t mm_phys_frames_in_use(const struct mm_phys *phys)
{
	return phys->in_use;
}

void mm_phys_fail_after(struct mm_phys *phys, int64_t n)
{
	phys->fail_after = n;
}

int phys_alloc(struct mm_phys *phys, uint64_t *paddr, uint8_t *old_flags)
{
	uint64_t pfn;

	if (phys->fail_after == 0)
		return -ENOMEM;
	if (phys->nr_free)
		pfn = phys->free_list[--phys->nr_free];
	else if (phys->next_unused < phys->nr_frames)
		pfn = phys->next_unused++;
	else
		return -ENOMEM;
	if (phys->fail_after > 0)
		phys->fail_after--;

	g_assert(phys->refcount[pfn] == 0);
	phys->refcount[pfn] = 1;
	phys->in_use++;
	*old_flags = phys->flags[pfn];
	phys->flags[pfn] = 0;
	*paddr = pfn << phys->page_shift;
	memset(phys_to_host(phys, *paddr), 0, UINT64_C(1) << phys->page_shift);
	return 0;
}

bool phys_put(struct mm_phys *phys, uint64_t paddr)
{
	uint64_t pfn = paddr >> phys->page_shift;

	g_assert(pfn && pfn < phys->nr_frames && phys->refcount[pfn]);
	if (--phys->refcount[pfn])
		return false;
	phys->in_use--;
	phys->free_list[phys->nr_free++] = pfn;
	return true;
}

void phys_get(struct mm_phys *phys, uint64_t paddr)
{
	uint64_t pfn = paddr >> phys->page_shift;

	g_assert(pfn && pfn < phys->nr_frames && phys->refcount[pfn]);
	phys->refcount[pfn]++;
}
