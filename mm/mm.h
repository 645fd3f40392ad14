/* SPDX-License-Identifier: MIT */
/*
 * mm.h - the public face of mmuemu's Linux-modelled memory manager.
 *
 * mm/ owns the guest's virtual memory: VMAs, real page tables in the architecture's own
 * format (written into guest physical memory), demand faults, and the teardown path of
 * Linux's mm/vma.c (struct unmap_desc, unmap_region, free_pgtables, mmu_gather). It never
 * includes Unicorn: it reaches the architecture through struct arch_mmu and the emulator
 * through struct mm_engine, which emu/ fills in and unit tests fake.
 *
 * The rule every teardown follows, here once for the whole layer:
 *   1. clear the entry, 2. flush the emulator TLB for it, 3. only then free the frame or
 *   table page it pointed to.
 * A frame freed before the flush could be reused while Unicorn still translates to it.
 *
 * Errors are 0 or a negative errno (the guest's errno values, which equal the host's on
 * Linux for every code used here).
 */
#ifndef MMUEMU_MM_H
#define MMUEMU_MM_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "arch/arch.h"   /* and arch/abi.h: MAP_*_LINUX and the other guest constants */

#define __must_check __attribute__((warn_unused_result))

/* VMA flags, Linux's values for the low ones. */
#define VM_READ       0x00000001u
#define VM_WRITE      0x00000002u
#define VM_EXEC       0x00000004u
#define VM_SHARED     0x00000008u
#define VM_MAYREAD    0x00000010u
#define VM_MAYWRITE   0x00000020u
#define VM_MAYEXEC    0x00000040u
#define VM_MAYSHARE   0x00000080u
#define VM_GROWSDOWN  0x00000100u
#define VM_LOCKED     0x00002000u
#define VM_ACCOUNT    0x00100000u
#define VM_NORESERVE  0x00200000u
#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)

struct mm_phys;
struct mm_struct;
struct mm_file;

/**
 * struct mm_engine - what mm/ asks of the emulator. Any member may be NULL (no-op).
 * @ctx: passed back to every callback.
 * @flush_tlb_all: drop every cached translation (Unicorn: uc_ctl_flush_tlb).
 * @flush_tlb_range: drop the translations of [start, end), including the walk caches
 *     behind them when @freed_tables; may flush more. NULL means: use @flush_tlb_all.
 * @invalidate_code: host writes changed guest physical [paddr, paddr + len); cached
 *     translated code for it must go (Unicorn: uc_ctl_remove_cache).
 */
struct mm_engine {
	void *ctx;
	void (*flush_tlb_all)(void *ctx);
	void (*flush_tlb_range)(void *ctx, uint64_t start, uint64_t end, bool freed_tables);
	void (*invalidate_code)(void *ctx, uint64_t paddr, uint64_t len);
};

/**
 * struct vm_area_struct - one mapping, [vm_start, vm_end), page-aligned.
 * @vm_flags: VM_* flags; the access ones mirror the mapping's PROT_*.
 * @vm_pgoff: offset in pages (anonymous: vm_start >> page_shift, as Linux does).
 * @vm_name: name shown in maps (the loader's file segments), or NULL. Owned by the VMA.
 * @vm_file: the object mapped (a file, or shared anonymous memory), or NULL; one reference.
 * @detached: removed from the tree (waiting in a munmap's side list).
 * @anon_vma: a private mapping that has had an anonymous page (the kernel's anon_vma is
 *     set): fork must copy its entries (vma_needs_copy). Kept by split, dup and merge.
 */
struct vm_area_struct {
	uint64_t vm_start;
	uint64_t vm_end;
	uint64_t vm_flags;
	uint64_t vm_pgoff;
	struct mm_struct *vm_mm;
	char *vm_name;
	struct mm_file *vm_file;
	bool detached;
	bool anon_vma;
};

/**
 * struct mm_stats - event counters, the raw material of --stats and the arch comparison.
 * Levels are indexed from the root (0) as in struct arch_mmu.
 */
struct mm_stats {
	uint64_t faults;                         /* demand faults that mapped a page */
	uint64_t faults_segv;                    /* faults that became SIGSEGV */
	uint64_t pte_written;                    /* leaf entries written (map, mprotect) */
	uint64_t pte_cleared;                    /* leaf entries cleared by zap */
	uint64_t table_entries_written;          /* non-leaf entries written */
	uint64_t table_entries_cleared;          /* non-leaf entries cleared by free_pgtables */
	uint64_t tables_alloc[ARCH_MAX_LEVELS];  /* table pages allocated, per level */
	uint64_t tables_freed[ARCH_MAX_LEVELS];  /* table pages freed, per level */
	uint64_t tables_in_use;
	uint64_t tables_peak;
	uint64_t frames_in_use;                  /* data frames, not tables */
	uint64_t frames_peak;
	uint64_t tlb_flush_all;                  /* full flushes asked of the engine */
	uint64_t tlb_flush_range;                /* range flushes asked of the engine */
	uint64_t tlb_flush_skipped;              /* flushes left out (no_tlb_flush) */
	uint64_t ptes_moved;                     /* leaf entries moved by mremap */
	uint64_t tables_moved;                   /* last-level tables moved whole by mremap */
	uint64_t range_entries_read;             /* upper entries read to skip empty ranges */
	uint64_t leaf_lookups;                   /* pt_lookup_leaf() calls (page loops) */
	uint64_t tlb_flush_ops;                  /* invalidations the real arch would issue */
	uint64_t tlb_flush_ops_full;             /* of which whole-TLB / whole-ASID ones */
	uint64_t mmap_calls, munmap_calls, mprotect_calls, brk_calls;
	uint64_t populate_pages;                 /* pages MAP_POPULATE / madvise faulted in */
	uint64_t populate_vmas_skipped;          /* inaccessible VMAs populate stepped over */
	uint64_t gap_search_steps;               /* VMAs get_unmapped_area looked at */
	/* fork and copy-on-write (mm/fork.c, do_wp_page in mm/memory.c) */
	uint64_t forks;                          /* dup_mmap() calls with this mm as the parent */
	uint64_t tables_copied[ARCH_MAX_LEVELS]; /* table pages copy_page_range made, per level */
	uint64_t ptes_copied;                    /* leaf entries copy_page_range copied */
	uint64_t ptes_wrprotected;               /* of which write-protected for COW */
	uint64_t wp_faults;                      /* writes to present write-protected entries */
	uint64_t cow_copies;                     /* wp_page_copy(): a new frame */
	uint64_t cow_reuses;                     /* wp_page_reuse(): the frame was ours alone */
	uint64_t wp_shared;                      /* wp_page_shared(): a shared mapping's write bit */
};

/**
 * struct mm_machine_stats - counters of the whole machine (every mm of one struct mm_phys).
 * @frames_shared: data frames mapped by two or more leaf entries now; @frames_shared_peak
 *     its highest value.
 */
struct mm_machine_stats {
	uint64_t forks;
	uint64_t tables_copied[ARCH_MAX_LEVELS];
	uint64_t ptes_copied;
	uint64_t wp_faults, cow_copies, cow_reuses;
	uint64_t frames_shared, frames_shared_peak;
	uint64_t mms_exited;
};

/**
 * struct mm_unmap_record - one operation that took addresses away, for fault reports.
 * @op: "munmap", "mmap(MAP_FIXED)", "brk", "mprotect" is never one.
 * @arg_addr, @arg_len: the caller's arguments.
 * @start, @end: the range actually unmapped.
 * @seq: mm operation number (1 for the first mm call).
 * @caller_seq: mm->caller_seq at the time (emu/ puts its syscall number there).
 */
struct mm_unmap_record {
	const char *op;
	uint64_t arg_addr, arg_len;
	uint64_t start, end;
	uint64_t seq;
	uint64_t caller_seq;
};

/*
 * The unmap log is a ring of the MM_UNMAP_LOG_SIZE latest records (56 bytes each, 224 KiB at
 * most): a fault report names an unmap among the last 4096, and a guest that maps and unmaps
 * forever does not grow mmuemu.
 */
#define MM_UNMAP_LOG_SIZE 4096u

/**
 * struct mm_fault - why a translation failed, for signals and reports.
 * @addr: faulting virtual address (not rounded).
 * @access: MM_PROT_READ, MM_PROT_WRITE or MM_PROT_EXEC.
 * @signo: SIGSEGV_LINUX, or SIGBUS_LINUX for a file page past the end of the file.
 * @si_code: SEGV_MAPERR_LINUX (no VMA) or SEGV_ACCERR_LINUX (the VMA forbids the access);
 *     BUS_ADRERR_LINUX with SIGBUS.
 * @oom: the VMA allowed the access but no frame or table page could be had.
 * @walk: the hardware walk that failed, entry by entry.
 */
struct mm_fault {
	uint64_t addr;
	mm_access_t access;
	int signo;
	int si_code;
	bool oom;
	struct arch_walk walk;
};

/**
 * struct mm_struct - one guest address space.
 * Fields below the line are private to mm/.
 */
struct mm_struct {
	const struct arch_mmu *arch;
	struct mm_phys *phys;
	struct mm_engine engine;
	uint64_t pgd;                 /* physical address of the root table; 0 after exit */
	uint64_t start_brk, brk;      /* heap: set start_brk with mm_set_brk() */
	uint64_t start_stack;         /* for "[stack]" in maps */
	uint64_t mmap_base;           /* top-down placement starts below this */
	int map_count;
	struct mm_stats stats;
	bool no_tlb_flush;            /* --no-tlb-flush: teardown skips the engine flush */
	FILE *trace;                  /* --trace=mm: one line per operation and teardown step */
	uint64_t caller_seq;          /* set by emu/ before each call, kept in unmap records */
	/*
	 * Debugging aids, all off by default:
	 * @tlb_shadow: keep a shadow of what the emulator TLB holds (each successful
	 *     mm_fill_tlb(), dropped at each flush) and report to @report any frame or table
	 *     page freed while the shadow still reaches it: a missing flush.
	 * @inject_frame_alloc, @inject_table_alloc: fail the Nth allocation of a data frame or
	 *     of a table page (1 = the first); 0 = never.
	 * @inject_keep_table: a planted teardown bug: free_pgtables() "forgets" the Nth table
	 *     page it should free (counted in @nr_table_frees), leaving it linked and empty, for
	 *     mm_validate() to find; 0 = never.
	 */
	bool tlb_shadow;
	FILE *report;
	uint64_t stale_tlb_reports;
	uint64_t inject_frame_alloc, inject_table_alloc, inject_keep_table;
	uint64_t nr_frame_allocs, nr_table_allocs, nr_table_frees;
	/* Bad entries (a guest-written table, see mm/pgtable.c) found and cleared; the first is
	 * reported on stderr. */
	uint64_t nr_bad_entries;
	/* private */
	void *shadow;
	void *vma_tree;               /* GTree of VMAs keyed by vm_start */
	void *unmap_log;              /* GArray of struct mm_unmap_record, a ring */
	uint64_t nr_unmap_logged;     /* records ever logged; the next goes to this % size */
	/*
	 * The top-down gap search's cache (mm/mmap.c): when gap_cache_end is not 0, every gap
	 * below gap_cache_base that ends above gap_cache_end is smaller than gap_cache_len.
	 * Mapping only shrinks gaps, which keeps it true; anything that widens or opens a gap
	 * (a VMA removed, or shrunk by mremap) clears it: mm_gap_cache_reset().
	 */
	uint64_t gap_cache_end, gap_cache_len, gap_cache_base;
	uint64_t op_seq;
	bool exited;
	unsigned slot;                /* index in the machine's list of live mms */
	uint64_t id;                  /* 1 for the machine's first mm, then counting up */
	int mm_users;                 /* mmget() / mmput(); mm_create() gives 1 */
};

/**
 * struct vma_iterator - position in the VMA tree, in the role of the kernel's.
 * Initialise with vma_iter_init(); vma_next() and vma_prev() step and return the VMA or NULL.
 * It holds addresses, not tree nodes, so the tree may change between steps.
 */
struct vma_iterator {
	struct mm_struct *mm;
	uint64_t index;               /* vma_next() looks for a VMA ending above this */
	uint64_t last_start;          /* vma_prev() looks for a VMA starting below this */
};

/* ---- physical memory ---- */

/**
 * mm_phys_create() - reserve guest physical memory of @size bytes in frames of
 * 1 << @page_shift bytes. Untouched memory costs the host nothing. Frame 0 is never handed
 * out, so physical address 0 never appears in a valid entry.
 * Return: 0 or -ENOMEM; *@out set on success.
 */
int mm_phys_create(uint64_t size, unsigned page_shift, struct mm_phys **out) __must_check;
/** mm_phys_destroy() - release guest physical memory; NULL is a no-op. */
void mm_phys_destroy(struct mm_phys *phys);
/** mm_phys_mem() - host view of the memory, for walkers and uc_mem_map_ptr(). */
const struct arch_mem *mm_phys_mem(const struct mm_phys *phys);
/** mm_phys_frames_in_use() - frames handed out and not yet freed (tables included). */
uint64_t mm_phys_frames_in_use(const struct mm_phys *phys);
/**
 * mm_phys_fail_after() - make the (@n+1)-th allocation from now fail, for fault injection;
 * a negative @n turns injection off.
 */
void mm_phys_fail_after(struct mm_phys *phys, int64_t n);

/**
 * mm_phys_stats() - the machine's counters (fork, COW, sharing), over all its mms.
 */
const struct mm_machine_stats *mm_phys_stats(const struct mm_phys *phys);
/**
 * mm_phys_validate() - check the machine: every live mm validates (mm_validate()), each
 * frame's reference count equals the leaf entries (over all live mms) and page-cache
 * references pointing at it, its map count equals the leaf entries, no table page is
 * reachable twice, and nothing allocated is unreachable (with no live mm, nothing is in
 * use but what the page cache still holds).
 * Return: 0, or -EUCLEAN with the first broken rule in @msg (may be NULL).
 */
int mm_phys_validate(struct mm_phys *phys, char *msg, size_t len) __must_check;
/** mm_phys_nr_mms() - live mms on the machine (created and not yet through exit_mmap). */
unsigned mm_phys_nr_mms(const struct mm_phys *phys);

/* ---- address spaces ---- */

/**
 * mm_create() - a new empty address space with a root table.
 * @arch: page-table format.
 * @phys: physical memory; must outlive the mm, its page size must equal @arch's.
 * @engine: emulator callbacks (copied); NULL for none.
 * Return: 0 or -ENOMEM.
 */
int mm_create(const struct arch_mmu *arch, struct mm_phys *phys, const struct mm_engine *engine,
	      struct mm_struct **out) __must_check;
/** mm_destroy() - exit_mmap() if not yet done, then free the mm. NULL is a no-op. */
void mm_destroy(struct mm_struct *mm);

/**
 * do_mmap() - mmap(2) for an anonymous mapping.
 * @addr: hint, or the exact address with MAP_FIXED / MAP_FIXED_NOREPLACE.
 * @len: length in bytes, rounded up to pages.
 * @prot: MM_PROT_* bits; others are ignored, as Linux's mmap ignores them.
 * @flags: MAP_*_LINUX. File mappings are not handled here: the caller passes
 *     MAP_ANONYMOUS, or gets -EBADF.
 * @pgoff: offset in pages (ignored for anonymous mappings).
 * Return: the mapped address, or a negative errno (-EINVAL, -ENOMEM, -EEXIST, -EBADF).
 */
int64_t do_mmap(struct mm_struct *mm, uint64_t addr, uint64_t len, unsigned prot,
		unsigned flags, uint64_t pgoff) __must_check;
/**
 * mm_file_create() - an object for mappings of the host file @fd (owned from now on: closed
 * when the last reference goes), or of shared anonymous memory when @fd is negative.
 * @path: shown in maps. @size: the file's size in bytes. @dev, @ino: shown in maps.
 * Return: the object with one reference for the caller.
 */
struct mm_file *mm_file_create(int fd, const char *path, uint64_t size, uint64_t dev,
			       uint64_t ino);
/** mm_file_put() - drop a reference; NULL is a no-op. */
void mm_file_put(struct mm_file *file);
/**
 * mm_file_open() - the object for host file (@dev, @ino) on @mm's machine (the page cache
 * is machine-wide: every mm of one struct mm_phys), so that every mapping of one file, in
 * any process, shares one page cache: the object already there (@fd is then closed), or a new
 * one that takes @fd over, as mm_file_create().
 * @fd_can_write: the descriptor this mapping is made from was opened for writing; the next
 *     do_mmap_file() of the object uses it: a shared mapping of a descriptor that cannot
 *     write loses VM_MAYWRITE (and VM_SHARED), as in Linux, so mprotect cannot add write.
 * Return: the object, with one reference for the caller.
 */
struct mm_file *mm_file_open(struct mm_struct *mm, int fd, const char *path, uint64_t size,
			     uint64_t dev, uint64_t ino, bool fd_can_write);
/** mm_has_files() - does @mm's machine hold any object opened with mm_file_open()? */
bool mm_has_files(const struct mm_struct *mm);
/**
 * mm_file_written() - a write(2)-like call just put @len bytes at @off of host file
 * (@dev, @ino): pages @mm's machine caches for it take the new bytes, and the size grows to cover
 * them. No-op if @mm's machine has no object for the file.
 */
void mm_file_written(struct mm_struct *mm, uint64_t dev, uint64_t ino, uint64_t off,
		     const void *buf, uint64_t len);
/**
 * mm_file_sync() - before a read(2)-like call on host file (@dev, @ino): write back what
 * shared mappings of every mm on the machine dirtied (and clean those entries), so the read sees it, as Linux's one
 * page cache would show it. No-op if @mm's machine has no object for the file.
 */
void mm_file_sync(struct mm_struct *mm, uint64_t dev, uint64_t ino);
/**
 * mm_file_truncate() - host file (@dev, @ino) was cut or grown to @size bytes: pages past
 * the new end leave every mapping (of every mm on the machine) and the cache (SIGBUS on the next touch), unwritten;
 * the cached last page reads zero past the end; a longer file maps zeroes in new pages.
 * No-op if @mm's machine has no object for the file.
 */
void mm_file_truncate(struct mm_struct *mm, uint64_t dev, uint64_t ino, uint64_t size);
/**
 * do_mmap_file() - mmap(2) of @file at page offset @pgoff: private mappings copy the
 * file's pages on first touch; shared ones map one frame per file page, kept by the object
 * and written back to the file when a dirty entry is zapped or msync'ed. A page wholly
 * past the end of the file raises SIGBUS. Other arguments and errors as do_mmap().
 */
int64_t do_mmap_file(struct mm_struct *mm, uint64_t addr, uint64_t len, unsigned prot,
		     unsigned flags, struct mm_file *file, uint64_t pgoff) __must_check;
/**
 * do_mremap() - mremap(2): shrink through the munmap teardown, grow in place, or move (the
 * entries move, the frames stay) and tear the old range down through the same path.
 * Return: the new address, or -EINVAL, -EFAULT, -ENOMEM.
 */
int64_t do_mremap(struct mm_struct *mm, uint64_t addr, uint64_t old_len, uint64_t new_len,
		  unsigned flags, uint64_t new_addr) __must_check;
/**
 * do_madvise() - madvise(2). MADV_DONTNEED zaps the range's entries through an mmu_gather
 * (private pages read back as zero, shared ones keep their data); the others are checked
 * and accepted. Return: 0, -EINVAL, -ENOMEM (a hole in the range).
 */
int do_madvise(struct mm_struct *mm, uint64_t start, uint64_t len, int advice) __must_check;
/**
 * do_mincore() - mincore(2): one byte per page of [start, start + len), 1 where a present
 * leaf entry maps it. @vec has room for the pages. Return: 0, -EINVAL, -ENOMEM.
 */
int do_mincore(struct mm_struct *mm, uint64_t start, uint64_t len, uint8_t *vec) __must_check;
/** do_msync() - msync(2): writes dirty shared file pages back. Return: 0, -EINVAL, -ENOMEM, -EBUSY. */
int do_msync(struct mm_struct *mm, uint64_t start, uint64_t len, unsigned flags) __must_check;
/**
 * struct mm_rss - what the page tables hold for a range, for smaps and status.
 * @rss: pages with a present leaf; @anon, @file: of which anonymous / file-backed;
 * @dirty: of which dirty; @referenced: of which accessed.
 */
struct mm_rss {
	uint64_t rss, anon, file, dirty, referenced;
};
/** mm_count_rss() - add up the present leaves of [start, end) into @rss. */
void mm_count_rss(struct mm_struct *mm, uint64_t start, uint64_t end, struct mm_rss *rss);
/** mm_dump_smaps() - /proc/PID/smaps: each maps line followed by its sizes from the tables. */
void mm_dump_smaps(struct mm_struct *mm, FILE *out);
/**
 * do_munmap() - munmap(2): remove [@start, @start + @len rounded up to a page).
 * Return: 0, also when nothing was mapped there; -EINVAL when @start is not page-aligned,
 * the range reaches past TASK_SIZE, or @len is 0; -ENOMEM when a VMA at an end of the
 * range must be split and the split would pass the map count limit (MM_MAX_MAP_COUNT).
 * On -ENOMEM nothing is unmapped (a split already made at the start stays, as in Linux).
 */
int do_munmap(struct mm_struct *mm, uint64_t start, uint64_t len) __must_check;
/**
 * do_mprotect() - mprotect(2); prot bits other than MM_PROT_* and PROT_SEM are -EINVAL.
 * Return: 0, -EINVAL, -ENOMEM (hole in the range: the part before it is changed), -EACCES.
 */
int do_mprotect(struct mm_struct *mm, uint64_t start, uint64_t len, unsigned prot) __must_check;
/**
 * mm_set_brk() - place the heap: start_brk = brk = @addr (page-aligned up), as exec does
 * after loading the last segment. No VMA until the guest grows it.
 */
void mm_set_brk(struct mm_struct *mm, uint64_t addr);
/** do_brk() - brk(2): move the break to @brk if possible. Return: the break now in force. */
uint64_t do_brk(struct mm_struct *mm, uint64_t brk);
/**
 * mm_name_range() - give the VMAs exactly covering [start, end) the name @name (copied),
 * splitting at the ends if needed, as the loader does for file segments.
 * Return: 0, -ENOMEM or -EINVAL (not fully mapped: the mapped part before the hole is
 * named all the same, as Linux's PR_SET_VMA_ANON_NAME does).
 */
int mm_name_range(struct mm_struct *mm, uint64_t start, uint64_t end, const char *name) __must_check;
/**
 * dup_mmap() - fork's copy of @oldmm into the new, empty @mm (kernel/fork.c): every VMA is
 * duplicated (with its file reference), brk, stack and mmap bases are copied, and
 * copy_page_range() copies the entries of the VMAs that need it (vma_needs_copy: private
 * ones with anonymous pages); writable private entries become write-protected in both, so
 * the first write of either side goes through do_wp_page(). Shared mappings (files and
 * shared anonymous memory) are left to fault in the child from the machine's page cache.
 * The parent's TLB is flushed after, through its engine.
 * Return: 0, or -ENOMEM: then @mm holds a partial copy, which the caller tears down with
 * exit_mmap() / mm_destroy(); @oldmm stays valid (some entries write-protected).
 */
int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm) __must_check;
/**
 * mm_fork() - the kernel's dup_mm(): a new mm on @oldmm's machine with @engine (the child
 * vCPU's; NULL for none) and @oldmm's settings (trace, report, no_tlb_flush, tlb_shadow),
 * filled by dup_mmap(). On failure nothing is left: the child is torn down with exit_mmap().
 * Return: 0 and *@out, or -ENOMEM.
 */
int mm_fork(struct mm_struct *oldmm, const struct mm_engine *engine,
	    struct mm_struct **out) __must_check;
/** mmget() - one more user of @mm (vfork lends the parent's mm to the child). */
void mmget(struct mm_struct *mm);
/** mmput() - drop a user; the last one tears @mm down and frees it (mm_destroy()). */
void mmput(struct mm_struct *mm);
/**
 * exec_mmap() - execve's switch to the new @mm: traced, then @old_mm loses the caller's
 * user (mmput()): the last user takes it through exit_mmap(). A vfork child that execs
 * drops only its borrowed user and leaves the parent's mm alone.
 */
void exec_mmap(struct mm_struct *mm, struct mm_struct *old_mm);

/**
 * exit_mmap() - tear the whole address space down (unmap_all_init, one full-mm gather,
 * unmap_vmas, free_pgtables over everything), then free the root table. Afterwards no frame
 * and no table page of this mm is in use.
 */
void exit_mmap(struct mm_struct *mm);

/**
 * mm_fill_tlb() - the emulator missed its TLB at @va: translate, serving a demand fault if
 * the VMA allows the access.
 * @paddr: on success, physical address of the page (page-aligned) holding @va.
 * @tlb_prot: on success, MM_PROT_* the emulator may cache.
 * @fault: on failure, why (may be NULL).
 * Return: 0, -EFAULT (a SIGSEGV for the guest: see fault->si_code) or -ENOMEM (out of guest
 * memory: fault->oom is set).
 */
int mm_fill_tlb(struct mm_struct *mm, uint64_t va, mm_access_t access, uint64_t *paddr,
		unsigned *tlb_prot, struct mm_fault *fault) __must_check;

/**
 * copy_from_user() / copy_to_user() - move bytes between the host and guest virtual memory,
 * through the page tables, faulting pages in as a user access would.
 * Return: 0, or -EFAULT if any byte is not accessible.
 */
int copy_from_user(struct mm_struct *mm, void *dst, uint64_t src, uint64_t n) __must_check;
int copy_to_user(struct mm_struct *mm, uint64_t dst, const void *src, uint64_t n) __must_check;
/**
 * strncpy_from_user() - copy a NUL-terminated string of at most @n bytes, NUL included.
 * Return: its length without the NUL, -ENAMETOOLONG if no NUL in @n bytes, or -EFAULT.
 */
int64_t strncpy_from_user(struct mm_struct *mm, char *dst, uint64_t src, uint64_t n) __must_check;
/**
 * mm_poke() - write into guest memory whatever the VMA's protection (FOLL_FORCE), for the
 * loader and the initial stack; invalidates translated code of the pages written.
 * Return: 0, -EFAULT (no VMA) or -ENOMEM.
 */
int mm_poke(struct mm_struct *mm, uint64_t dst, const void *src, uint64_t n) __must_check;

/* ---- looking at the address space ---- */

/** find_vma() - the first VMA with vm_end > @addr, or NULL. */
struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr);
/** vma_lookup() - the VMA containing @addr, or NULL. */
struct vm_area_struct *vma_lookup(struct mm_struct *mm, uint64_t addr);
/** vma_iter_init() - iterator whose vma_next() returns the first VMA ending above @addr. */
void vma_iter_init(struct vma_iterator *vmi, struct mm_struct *mm, uint64_t addr);
struct vm_area_struct *vma_next(struct vma_iterator *vmi);
struct vm_area_struct *vma_prev(struct vma_iterator *vmi);
/** mm_walk() - the hardware walk of @va without setting accessed/dirty bits. */
enum arch_walk_result mm_walk(struct mm_struct *mm, uint64_t va, mm_access_t access,
			      struct arch_walk *w);
/**
 * mm_find_unmap() - the latest recorded operation that unmapped @addr, or NULL; only the
 * last MM_UNMAP_LOG_SIZE records are kept.
 */
const struct mm_unmap_record *mm_find_unmap(struct mm_struct *mm, uint64_t addr);
/**
 * mm_validate() - check every invariant of the address space from the raw tables: VMAs
 * ordered, non-overlapping and counted; each table page reachable once, counted at its
 * level and covering some VMA (else free_pgtables should have freed it); each present
 * leaf inside a VMA that allows what it grants; frame reference counts equal to the
 * entries mapping them; no frame allocated and unreachable. When other live mms share the
 * machine, the frame checks become "at least": references and map counts may come from
 * them too (mm_phys_validate() checks the machine exactly). No operation may be in
 * progress.
 * @msg: receives the first broken rule (may be NULL).
 * Return: 0, or -EUCLEAN.
 */
int mm_validate(struct mm_struct *mm, char *msg, size_t len) __must_check;
/**
 * mm_tlb_shadow_check() - with @mm->tlb_shadow: is an access to @va that the emulator TLB
 * served still what the page tables say? Call it from a memory hook.
 * Return: 0, or 1 with @msg describing the stale translation.
 */
int mm_tlb_shadow_check(struct mm_struct *mm, uint64_t va, mm_access_t access, char *msg,
			size_t len);
/** mm_dump_maps() - the VMAs in /proc/PID/maps format. */
void mm_dump_maps(struct mm_struct *mm, FILE *out);
/** mm_format_vma() - one maps line for @vma (no newline) into @buf. */
void mm_format_vma(struct mm_struct *mm, const struct vm_area_struct *vma, char *buf, size_t len);

#endif
