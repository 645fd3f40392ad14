/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the files of mm/ share and nobody else sees.
 *
 * The names follow Linux (mm/vma.h, mm/internal.h, include/asm-generic/tlb.h) so that a
 * reader can hold the two side by side. Where Linux has a maple tree we have a GTree keyed
 * by vm_start (the mm's VMAs) or a GPtrArray indexed from 0 (a munmap's detached VMAs, the
 * kernel's "side tree"); struct ma_state hides which.
 */
#ifndef MMUEMU_MM_INTERNAL_H
#define MMUEMU_MM_INTERNAL_H

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>

#include "mm/mm.h"

/* Both are 0 on x86_64 and arm64: user tables may reach the very top (0 wraps to "no limit"). */
#define FIRST_USER_ADDRESS	UINT64_C(0)
#define USER_PGTABLES_CEILING	UINT64_C(0)

#define MM_MAX_MAP_COUNT	65530
#define MM_MMAP_MIN_ADDR	UINT64_C(0x10000)
#define MM_STACK_GUARD_PAGES	256
#define MM_STACK_RLIMIT		(UINT64_C(8) << 20)

/* Pages a gather holds before it must flush and free (include/asm-generic/tlb.h batches). */
#define MMU_GATHER_BATCH	512

/*
 * MM_WARN_ON_ONCE() - report a should-not-happen condition once per call site, carry on,
 * and evaluate to the condition so callers can bail out.
 */
#define MM_WARN_ON_ONCE(cond) ({						\
	static bool __warned;						\
	bool __c = !!(cond);						\
	if (__c && !__warned) {						\
		__warned = true;					\
		fprintf(stderr, "mmuemu: mm warning: %s at %s:%d\n",	\
			#cond, __FILE__, __LINE__);			\
	}								\
	__c;								\
})

#define mm_trace(mm, ...) do {						\
	if ((mm)->trace)						\
		fprintf((mm)->trace, "mm: " __VA_ARGS__);		\
} while (0)

/* ---- physical memory (phys.c) ---- */

#define PHYS_F_EXEC	0x1u	/* the frame was mapped executable: code may be cached for it */
#define PHYS_F_ANON	0x2u	/* PageAnon: a private frame of its mms, not the page cache's */

/*
 * struct page - what the machine knows of one frame, as the kernel's struct page.
 * @_refcount: references: one per leaf entry mapping it (in any mm), one for the page
 *     cache that keeps it, one for the table it is, one for an mmu_gather that waits to
 *     free it; 0 = free.
 * @_mapcount: leaf entries mapping it, over every mm (the kernel's mapcount, from 0 here).
 * @owner: slot (mm->slot + 1) of the mm whose stats.frames_in_use counts it, 0 for none
 *     (its mm has exited while the frame lived on, shared).
 * @flags: PHYS_F_*.
 */
struct page {
	uint32_t _refcount;
	uint32_t _mapcount;
	uint16_t owner;
	uint8_t flags;
};

/*
 * struct mm_phys - one machine: guest physical memory, its frames, the page cache (every
 * mm_file opened by dev/ino, and every object with cached frames) and the live mms.
 */
struct mm_phys {
	struct arch_mem mem;
	unsigned page_shift;
	uint64_t nr_frames;
	struct page *pages;	/* per frame */
	uint64_t *free_list;	/* stack of freed frame numbers, reused first */
	uint64_t nr_free;
	uint64_t next_unused;	/* frames at and above it were never handed out */
	uint64_t in_use;
	uint64_t tables_in_use;	/* of in_use, table pages */
	int64_t fail_after;	/* fault injection: allocations left before one fails; <0 off */
	GHashTable *files;	/* (dev, ino) -> struct mm_file: the machine's page cache */
	GHashTable *cached;	/* set of struct mm_file holding cached frames (files or shm) */
	GPtrArray *mms;		/* live mms, indexed by mm->slot (NULL: free slot) */
	unsigned nr_mms;	/* live mms */
	uint64_t mms_created;	/* mms ever created on this machine */
	struct mm_machine_stats stats;
};

static inline struct page *phys_page(const struct mm_phys *phys, uint64_t paddr)
{
	return &phys->pages[paddr >> phys->page_shift];
}

static inline bool PageAnon(const struct mm_phys *phys, uint64_t paddr)
{
	return phys_page(phys, paddr)->flags & PHYS_F_ANON;
}

static inline uint32_t page_count(const struct mm_phys *phys, uint64_t paddr)
{
	return phys_page(phys, paddr)->_refcount;
}

/* page_add_map() / page_remove_map() - a leaf entry now maps / no longer maps @paddr. */
void page_add_map(struct mm_phys *phys, uint64_t paddr);
void page_remove_map(struct mm_phys *phys, uint64_t paddr);
/* phys_register_mm() / phys_unregister_mm() - @mm is live on its machine / has exited. */
void phys_register_mm(struct mm_phys *phys, struct mm_struct *mm);
void phys_unregister_mm(struct mm_phys *phys, struct mm_struct *mm);
/* phys_free_frame() - drop a data frame's reference; freed, its owner's count goes down. */
bool phys_free_frame(struct mm_phys *phys, uint64_t paddr);

/* phys_alloc() - a zeroed frame. Return: 0 and *paddr, or -ENOMEM. */
int phys_alloc(struct mm_phys *phys, uint64_t *paddr, uint8_t *old_flags) __must_check;
/* phys_put() - drop one reference. Return: true if that freed the frame. */
bool phys_put(struct mm_phys *phys, uint64_t paddr);
/* phys_get() - one more reference to an allocated frame. */
void phys_get(struct mm_phys *phys, uint64_t paddr);

/* phys_holds() - [@paddr, @paddr + @len) is all guest physical memory. */
static inline bool phys_holds(const struct mm_phys *phys, uint64_t paddr, uint64_t len)
{
	return arch_mem_holds(&phys->mem, paddr, len);
}

/*
 * phys_frame_valid() - @paddr lies in a frame the allocator handed out (frame 0 never is).
 * An entry the guest could have written (through a stale translation to a page that became
 * a table) is checked with it before mm/ follows or frees the frame.
 */
static inline bool phys_frame_valid(const struct mm_phys *phys, uint64_t paddr)
{
	uint64_t pfn = paddr >> phys->page_shift;

	return pfn && pfn < phys->nr_frames && phys->pages[pfn]._refcount;
}

/*
 * phys_to_host() - the host address of guest physical @paddr. Callers check the address
 * first (the walkers, phys_holds(), phys_frame_valid()); the assertion is the last line:
 * an address past guest memory stops mmuemu rather than reach the host's own memory.
 */
static inline void *phys_to_host(const struct mm_phys *phys, uint64_t paddr)
{
	g_assert(paddr < phys->mem.size);
	return phys->mem.base + paddr;
}

static inline uint8_t *phys_frame_flags(struct mm_phys *phys, uint64_t paddr)
{
	return &phys_page(phys, paddr)->flags;
}

/* ---- sizes ---- */

static inline uint64_t mm_page_size(const struct mm_struct *mm)
{
	return arch_page_size(mm->arch);
}

static inline uint64_t mm_page_mask(const struct mm_struct *mm)
{
	return ~(mm_page_size(mm) - 1);
}

static inline uint64_t mm_page_align(const struct mm_struct *mm, uint64_t x)
{
	return (x + mm_page_size(mm) - 1) & mm_page_mask(mm);
}

static inline unsigned mm_leaf_level(const struct mm_struct *mm)
{
	return mm->arch->levels - 1;
}

/* PMD_SIZE: what one last-level table maps. */
static inline uint64_t mm_pmd_size(const struct mm_struct *mm)
{
	return arch_table_span(mm->arch, mm_leaf_level(mm));
}

/* Next boundary of @size after @addr, or @end if it comes first; "- 1" so end 0 means top. */
static inline uint64_t mm_addr_end(uint64_t addr, uint64_t end, uint64_t size)
{
	uint64_t boundary = (addr + size) & ~(size - 1);

	return boundary - 1 < end - 1 ? boundary : end;
}

/* ---- page-table entries ---- */

static inline uint64_t *pt_entry(const struct mm_struct *mm, uint64_t table, unsigned index)
{
	return (uint64_t *)phys_to_host(mm->phys, table) + index;
}

/* ---- mmu_gather (mmu_gather.c) ---- */

struct mmu_gather_table {
	uint64_t paddr;
	unsigned level;
	uint64_t addr;		/* base VA the table covered */
};

/**
 * struct mmu_gather - what one teardown cleared and must still free.
 * @start, @end: union of the VAs whose entries were cleared; reset after each flush.
 * @cleared_levels: bit L set when entries at level L were cleared (sets the flush stride).
 * @freed_tables: a table page was queued, so walk caches must go too.
 * @pages: data frames waiting for the flush, at most MMU_GATHER_BATCH.
 * @tables: table pages waiting for the flush.
 */
struct mmu_gather {
	struct mm_struct *mm;
	bool fullmm;
	bool need_flush_all;
	bool freed_tables;
	uint64_t start, end;
	unsigned cleared_levels;
	uint64_t pages[MMU_GATHER_BATCH];
	unsigned nr_pages;
	GArray *tables;
	unsigned long total_pages, total_tables, flushes;
};

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm);
void tlb_gather_mmu_fullmm(struct mmu_gather *tlb, struct mm_struct *mm);
/* tlb_remove_tlb_entry() - an entry at @level mapping @addr was cleared. */
void tlb_remove_tlb_entry(struct mmu_gather *tlb, unsigned level, uint64_t addr);
/* tlb_remove_page() - free @paddr once the TLB no longer reaches it. */
void tlb_remove_page(struct mmu_gather *tlb, uint64_t paddr);
/* pte_free_tlb() and friends, one function: the table at @level covering @addr was unlinked. */
void tlb_free_table(struct mmu_gather *tlb, uint64_t paddr, unsigned level, uint64_t addr);
void tlb_flush_mmu(struct mmu_gather *tlb);
void tlb_finish_mmu(struct mmu_gather *tlb);

/* ---- page tables (pgtable.c) ---- */

/*
 * pt_alloc_leaf() - the leaf entry for @addr, allocating the tables on the way.
 * Return: a pointer to it, or NULL when no table page could be had.
 */
uint64_t *pt_alloc_leaf(struct mm_struct *mm, uint64_t addr);
/*
 * pt_entry_at() - the entry for @addr at @level, walking (and with @alloc, allocating) the
 * tables above it. Return: a pointer to it, or NULL.
 */
uint64_t *pt_entry_at(struct mm_struct *mm, uint64_t addr, unsigned level, bool alloc);
/*
 * pt_none_or_clear_bad() - the kernel's pmd_none_or_clear_bad() for any level above the
 * leaves: true when the entry @e at @level is none, or was bad (present but no table, or a
 * table outside guest memory) and has just been reported and cleared.
 */
bool pt_none_or_clear_bad(struct mm_struct *mm, uint64_t *e, unsigned level);
/*
 * pt_leaf_clear_bad() - a present leaf whose frame the allocator never handed out (the
 * kernel's print_bad_pte()): report it and clear it. Return: true if it was cleared.
 */
bool pt_leaf_clear_bad(struct mm_struct *mm, uint64_t *e, uint64_t addr);
/*
 * pt_next_table() - the first address in [@addr, @end) whose last-level table exists, or
 * @end: the empty upper levels in between are skipped whole, so a walk over a huge range
 * costs what is mapped in it (entries read are counted in stats.range_entries_read).
 * @end 0 is the top of the address space.
 */
uint64_t pt_next_table(struct mm_struct *mm, uint64_t addr, uint64_t end);
/*
 * pt_lookup_leaf() - the leaf entry for @addr if all its tables exist, else NULL. Bad
 * entries on the way (and a bad leaf) are cleared, so a present leaf maps a real frame.
 */
uint64_t *pt_lookup_leaf(struct mm_struct *mm, uint64_t addr);
/* unmap_page_range() - zap the leaves of [addr, end), gathering frames into @tlb. */
void unmap_page_range(struct mmu_gather *tlb, struct vm_area_struct *vma, uint64_t addr,
		      uint64_t end);
/* free_pgd_range() - free the tables wholly inside [floor, ceiling) that [addr, end) used. */
void free_pgd_range(struct mmu_gather *tlb, uint64_t addr, uint64_t end, uint64_t floor,
		    uint64_t ceiling);
/* change_protection() - rewrite the present leaves of [start, end) for @vm_flags. */
unsigned long change_protection(struct mmu_gather *tlb, struct vm_area_struct *vma,
				uint64_t start, uint64_t end, uint64_t vm_flags);
/* mm_alloc_table() / mm_free_table_now() - table pages, counted per level. */
int mm_alloc_table(struct mm_struct *mm, unsigned level, uint64_t *paddr) __must_check;
void mm_free_table_now(struct mm_struct *mm, uint64_t paddr, unsigned level);
/* mm_alloc_frame() - a zeroed data frame; code cached for its old contents is dropped. */
int mm_alloc_frame(struct mm_struct *mm, uint64_t *paddr) __must_check;
void mm_free_frame(struct mm_struct *mm, uint64_t paddr);

/* mm_gap_cache_reset() - forget the gap search's cache: a gap has opened or widened. */
static inline void mm_gap_cache_reset(struct mm_struct *mm)
{
	mm->gap_cache_end = 0;
}

/*
 * prot_wrprotect() - @prot without write, for a page that must copy on its first write.
 * Write implies read on x86 and arm64 (Linux's protection_map gives a private VM_WRITE
 * mapping PAGE_COPY, which reads): a write-only mapping stays readable.
 */
static inline unsigned prot_wrprotect(unsigned prot)
{
	return prot & MM_PROT_WRITE ? (prot & ~MM_PROT_WRITE) | MM_PROT_READ : prot;
}

/*
 * is_cow_mapping() - a private mapping that may be written: its pages are copied on write
 * when not its own alone (Linux: VM_MAYWRITE without VM_SHARED). Tested here without
 * VM_MAYSHARE: a shared mapping of a read-only descriptor stays shared.
 */
static inline bool is_cow_mapping(uint64_t vm_flags)
{
	return !(vm_flags & VM_MAYSHARE);
}

/*
 * page_exclusive() - the frame at @paddr is an anonymous page whose only reference is the
 * one entry looking at it: a write may reuse it (the reuse rule of do_wp_page()).
 */
static inline bool page_exclusive(const struct mm_phys *phys, uint64_t paddr)
{
	return PageAnon(phys, paddr) && page_count(phys, paddr) == 1;
}

/*
 * cow_prot() - what a leaf mapping @frame in @vma may grant of @prot: a private page that
 * is not this entry's alone (a page-cache frame, or one shared since fork) is
 * write-protected, so that the first write goes through do_wp_page() and copies.
 */
static inline unsigned cow_prot(const struct vm_area_struct *vma, uint64_t frame, unsigned prot)
{
	if (is_cow_mapping(vma->vm_flags) && !page_exclusive(vma->vm_mm->phys, frame))
		return prot_wrprotect(prot);
	return prot;
}

static inline unsigned vm_flags_to_prot(uint64_t vm_flags)
{
	return (unsigned)(vm_flags & VM_ACCESS_FLAGS);	/* same bit values */
}

/* ---- the VMA tree and the unmap path (vma.c) ---- */

/*
 * struct ma_state - a position in a tree of VMAs: the mm's own (indexed by address) or a
 * munmap's side tree of detached VMAs (indexed 0, 1, 2...). It stands in for the kernel's
 * maple state so that unmap_region() can walk either, as the kernel's does.
 */
struct ma_state {
	GTree *tree;
	GPtrArray *side;
	uint64_t index;
};

void mas_set(struct ma_state *mas, uint64_t index);
/* mas_find() - the next VMA at or after the position and at or before @max; moves past it. */
struct vm_area_struct *mas_find(struct ma_state *mas, uint64_t max);

/*
 * struct unmap_desc - everything unmap_region() needs, in the kernel's field names.
 * @mas: the tree walked (the mm's, or a munmap's side tree).
 * @first: the first VMA to zap and free tables for.
 * @pg_start, @pg_end: floor and exclusive ceiling (0 = top) for freeing tables.
 * @vma_start, @vma_end: the range zapped inside each VMA.
 * @tree_end: exclusive bound of the walk (an address, or a count for a side tree; 0 = top).
 * @tree_reset: where the walk restarts between zapping and freeing tables.
 * @mm_wr_locked: the mmap lock is held for writing (kept for the reader: we have no locks).
 */
struct unmap_desc {
	struct ma_state *mas;
	struct vm_area_struct *first;
	uint64_t pg_start;
	uint64_t pg_end;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t tree_end;
	uint64_t tree_reset;
	bool mm_wr_locked;
};

/*
 * UNMAP_STATE() - an unmap_desc for undoing one new VMA between @_prev and @_next, as the
 * mmap error path does: floor and ceiling come from the neighbours, the walk stops at next.
 */
#define UNMAP_STATE(name, _vmi_mas, _vma, _vma_start, _vma_end, _prev, _next)	\
	struct unmap_desc name = {						\
		.mas = (_vmi_mas),						\
		.first = (_vma),						\
		.pg_start = (_prev) ? (_prev)->vm_end : FIRST_USER_ADDRESS,	\
		.pg_end = (_next) ? (_next)->vm_start : USER_PGTABLES_CEILING,	\
		.vma_start = (_vma_start),					\
		.vma_end = (_vma_end),						\
		.tree_end = (_next) ? (_next)->vm_start : USER_PGTABLES_CEILING, \
		.tree_reset = (_vma)->vm_end,					\
		.mm_wr_locked = true,						\
	}

void unmap_all_init(struct unmap_desc *unmap, struct ma_state *mas, struct vm_area_struct *vma);
void unmap_pgtable_init(struct unmap_desc *unmap, struct ma_state *mas);
void unmap_vmas(struct mmu_gather *tlb, struct unmap_desc *unmap);
void free_pgtables(struct mmu_gather *tlb, struct unmap_desc *unmap);
void unmap_region(struct unmap_desc *unmap);

/*
 * struct vma_munmap_struct - a munmap in progress (the kernel's, trimmed to what we model).
 * @why: the operation, kept in the unmap log ("munmap", "mmap(MAP_FIXED)", "brk").
 */
struct vma_munmap_struct {
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	struct vm_area_struct *prev;
	struct vm_area_struct *next;
	uint64_t start, end;
	uint64_t unmap_start, unmap_end;
	uint64_t vma_count;
	uint64_t nr_pages;
	uint64_t exec_vm, stack_vm, data_vm;
	bool unlock;
	bool clear_ptes;
	const char *why;
	uint64_t arg_addr, arg_len;
};

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm);
void vm_area_free(struct vm_area_struct *vma);
/* vm_area_dup() - a copy of @orig (name copied, one more file reference), not in a tree. */
struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig);
void vma_tree_insert(struct mm_struct *mm, struct vm_area_struct *vma);
void vma_tree_remove(struct mm_struct *mm, struct vm_area_struct *vma);
struct vm_area_struct *find_vma_prev(struct mm_struct *mm, uint64_t addr,
				     struct vm_area_struct **pprev);
/* find_vma_intersection() - the first VMA overlapping [start, end), or NULL. */
struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, uint64_t start, uint64_t end);
/* vma_prev_of() - the VMA before @vma in the tree, or NULL. */
struct vm_area_struct *vma_prev_of(struct mm_struct *mm, struct vm_area_struct *vma);
struct vm_area_struct *vma_next_of(struct mm_struct *mm, struct vm_area_struct *vma);
int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
	      int new_below) __must_check;
/* vma_compatible() - could @a and @b be one VMA if they touched? */
bool vma_compatible(const struct vm_area_struct *a, uint64_t b_flags, const char *b_name,
		    const struct mm_file *b_file);
/*
 * vma_modify() - give [start, end) of @vma the flags @vm_flags and name @name (NULL: keep),
 * splitting or merging with the neighbours as needed. Return: the VMA now covering
 * [start, end) (the caller's @vma may be gone), or NULL on -ENOMEM.
 */
struct vm_area_struct *vma_modify(struct mm_struct *mm, struct vm_area_struct *vma,
				  uint64_t start, uint64_t end, uint64_t vm_flags,
				  const char *name);

void init_vma_munmap(struct vma_munmap_struct *vms, struct mm_struct *mm,
		     struct vm_area_struct *vma, uint64_t start, uint64_t end, bool unlock,
		     const char *why);
int vms_gather_munmap_vmas(struct vma_munmap_struct *vms, GPtrArray *detach) __must_check;
void vms_clear_ptes(struct vma_munmap_struct *vms, GPtrArray *detach, bool mm_wr_locked);
void vms_complete_munmap_vmas(struct vma_munmap_struct *vms, GPtrArray *detach);
void reattach_vmas(struct vma_munmap_struct *vms, GPtrArray *detach);
int do_vmi_align_munmap(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start,
			uint64_t end, bool unlock, const char *why, uint64_t arg_addr,
			uint64_t arg_len) __must_check;
int do_vmi_munmap(struct mm_struct *mm, uint64_t start, uint64_t len, bool unlock,
		  const char *why) __must_check;

/* ---- the unmap log (maps.c) ---- */
void mm_log_unmap(struct mm_struct *mm, const struct vma_munmap_struct *vms);

/* ---- the stale-TLB detector (tlbcheck.c) ---- */
void tlb_shadow_fill(struct mm_struct *mm, uint64_t va, const struct arch_walk *w);
void tlb_shadow_flush(struct mm_struct *mm);
/* tlb_shadow_free() - @paddr (a frame, or a table page at @level >= 0) is being freed. */
void tlb_shadow_free(struct mm_struct *mm, uint64_t paddr, int level);
void tlb_shadow_destroy(struct mm_struct *mm);

/* ---- mapped objects (filemap.c) ---- */

/*
 * struct mm_file - a host file, or shared anonymous memory (fd < 0), as mappings see it.
 * @cache: page offset -> frame, for shared mappings: the object holds one reference to each
 *         frame, and every entry mapping it one more (the page cache, in miniature).
 * @phys: the machine whose frames the cache holds (set at open, or at the first fault).
 */
struct mm_file {
	unsigned refcount;
	int fd;
	char *path;
	uint64_t size, dev, ino;
	GHashTable *cache;
	struct mm_phys *phys;
	bool registered;	/* in phys->files, under key */
	bool fd_can_write;	/* see mm_file_open() */
	uint64_t key[2];
};

struct mm_file *mm_file_get(struct mm_file *file);
/* vma_pgoff() - the page offset in the mapped object of @addr inside @vma. */
static inline uint64_t vma_pgoff(const struct vm_area_struct *vma, uint64_t addr)
{
	return vma->vm_pgoff + ((addr - vma->vm_start) >> vma->vm_mm->arch->page_shift);
}
/*
 * filemap_fault() - the frame for @addr of a file-backed or shared @vma, with a reference
 * for the caller's new entry. Return: 0, -ENOMEM, or -EIO (SIGBUS: past the end of the file).
 */
int filemap_fault(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
		  uint64_t *frame) __must_check;
/* vma_is_private_file() - a MAP_PRIVATE file mapping: copy on write from the page cache. */
bool vma_is_private_file(const struct vm_area_struct *vma);
/* filemap_is_cached_frame() - is @paddr the page cache's own frame for @addr of @vma? */
bool filemap_is_cached_frame(const struct vm_area_struct *vma, uint64_t addr, uint64_t paddr);
/*
 * filemap_cow_page() - a private copy of the page at @addr of a private file mapping, from
 * the page cache or else the file. Return: 0, -ENOMEM, -EIO (past the end of the file).
 */
int filemap_cow_page(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
		     uint64_t *frame) __must_check;
/* filemap_writeback() - write the page at @paddr back if @vma maps a file shared. */
void filemap_writeback(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
		       uint64_t paddr);
/*
 * filemap_sync_range() - write back the dirty entries of a shared file mapping in
 * [start, end) and clean them, the flush going into @tlb (msync, and reads of the file).
 */
void filemap_sync_range(struct mm_struct *mm, struct mmu_gather *tlb, struct vm_area_struct *vma,
			uint64_t start, uint64_t end);
/* mm_file_cache_refs() - add one to @refs[pfn] for each frame @file's cache holds. */
void mm_file_cache_refs(struct mm_file *file, uint32_t *refs, unsigned page_shift);

/* ---- faults (memory.c) ---- */
int handle_mm_fault(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
		    mm_access_t access, bool force) __must_check;
/* mm_populate_range() - fault every page of [start, end) in, as MAP_POPULATE does. */
int mm_populate_range(struct mm_struct *mm, uint64_t start, uint64_t end) __must_check;
/* __mm_translate() - mm_fill_tlb() without counting guest faults (kernel accesses). */
int __mm_translate(struct mm_struct *mm, uint64_t va, mm_access_t access, uint64_t *paddr,
		   unsigned *tlb_prot, struct mm_fault *fault) __must_check;

/* ---- mmap.c, for mremap ---- */
int64_t get_unmapped_area(struct mm_struct *mm, uint64_t addr, uint64_t len);
struct vm_area_struct *vma_merge_new_range(struct mm_struct *mm, uint64_t addr, uint64_t end,
					   uint64_t vm_flags, struct mm_file *file,
					   uint64_t pgoff);
bool range_is_free(struct mm_struct *mm, uint64_t addr, uint64_t len);

#endif
