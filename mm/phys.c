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
	phys->pages = g_new0(struct page, phys->nr_frames);
	phys->free_list = g_new(uint64_t, phys->nr_frames);
	/* Frame 0 is never handed out: physical address 0 in an entry is always a bug. */
	phys->next_unused = 1;
	phys->fail_after = -1;
	phys->mms = g_ptr_array_new();
	phys->cached = g_hash_table_new(NULL, NULL);
	*out = phys;
	return 0;
}

void mm_phys_destroy(struct mm_phys *phys)
{
	if (!phys)
		return;
	munmap(phys->mem.base, phys->mem.size);
	g_free(phys->pages);
	g_free(phys->free_list);
	g_ptr_array_free(phys->mms, true);
	g_hash_table_destroy(phys->cached);
	if (phys->files)
		g_hash_table_destroy(phys->files);
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

	g_assert(phys->pages[pfn]._refcount == 0);
	*old_flags = phys->pages[pfn].flags;
	phys->pages[pfn] = (struct page){ ._refcount = 1 };
	phys->in_use++;
	*paddr = pfn << phys->page_shift;
	memset(phys_to_host(phys, *paddr), 0, UINT64_C(1) << phys->page_shift);
	return 0;
}

bool phys_put(struct mm_phys *phys, uint64_t paddr)
{
	uint64_t pfn = paddr >> phys->page_shift;

	g_assert(pfn && pfn < phys->nr_frames && phys->pages[pfn]._refcount);
	if (--phys->pages[pfn]._refcount)
		return false;
	g_assert(!phys->pages[pfn]._mapcount);
	phys->in_use--;
	phys->free_list[phys->nr_free++] = pfn;
	return true;
}

void phys_get(struct mm_phys *phys, uint64_t paddr)
{
	uint64_t pfn = paddr >> phys->page_shift;

	g_assert(pfn && pfn < phys->nr_frames && phys->pages[pfn]._refcount);
	phys->pages[pfn]._refcount++;
}

/* ---- struct page: map counts and owners ---- */

void page_add_map(struct mm_phys *phys, uint64_t paddr)
{
	struct page *page = phys_page(phys, paddr);

	if (++page->_mapcount == 2) {
		phys->stats.frames_shared++;
		if (phys->stats.frames_shared > phys->stats.frames_shared_peak)
			phys->stats.frames_shared_peak = phys->stats.frames_shared;
	}
}

void page_remove_map(struct mm_phys *phys, uint64_t paddr)
{
	struct page *page = phys_page(phys, paddr);

	g_assert(page->_mapcount);
	if (page->_mapcount-- == 2)
		phys->stats.frames_shared--;
}

bool phys_free_frame(struct mm_phys *phys, uint64_t paddr)
{
	struct page *page = phys_page(phys, paddr);
	unsigned owner = page->owner;

	if (!phys_put(phys, paddr))
		return false;
	/* The frame's count belongs to the mm that allocated it, whoever dropped it last. */
	if (owner) {
		struct mm_struct *mm = g_ptr_array_index(phys->mms, owner - 1);

		mm->stats.frames_in_use--;
	}
	page->owner = 0;
	for (guint i = 0; i < phys->mms->len; i++) {
		struct mm_struct *mm = g_ptr_array_index(phys->mms, i);

		if (mm && mm->tlb_shadow)
			tlb_shadow_free(mm, paddr, -1);
	}
	return true;
}

/* ---- the machine's mms ---- */

void phys_register_mm(struct mm_phys *phys, struct mm_struct *mm)
{
	guint slot;

	for (slot = 0; slot < phys->mms->len; slot++)
		if (!g_ptr_array_index(phys->mms, slot))
			break;
	g_assert(slot < UINT16_MAX);
	if (slot == phys->mms->len)
		g_ptr_array_add(phys->mms, mm);
	else
		phys->mms->pdata[slot] = mm;
	mm->slot = slot;
	mm->id = ++phys->mms_created;
	phys->nr_mms++;
}

/*
 * phys_unregister_mm() - @mm has exited: frames it allocated that another mm still maps
 * (shared at fork, or the page cache's) are nobody's now; its slot is free for the next mm.
 */
void phys_unregister_mm(struct mm_phys *phys, struct mm_struct *mm)
{
	if (mm->stats.frames_in_use) {
		for (uint64_t pfn = 1; pfn < phys->next_unused; pfn++)
			if (phys->pages[pfn].owner == mm->slot + 1)
				phys->pages[pfn].owner = 0;
		mm->stats.frames_in_use = 0;
	}
	phys->mms->pdata[mm->slot] = NULL;
	phys->nr_mms--;
	phys->stats.mms_exited++;
}

const struct mm_machine_stats *mm_phys_stats(const struct mm_phys *phys)
{
	return &phys->stats;
}

unsigned mm_phys_nr_mms(const struct mm_phys *phys)
{
	return phys->nr_mms;
}
