/* SPDX-License-Identifier: MIT */
/*
 * fake.h - a test bench for mm/: RAM-backed guest memory, an mm_struct, and a fake
 * emulator engine that remembers every flush.
 *
 * The fake engine records, at the moment of each flush, how many frames of guest physical
 * memory were still handed out. That is what lets a test prove the teardown order
 * "clear the entry, flush, then free": a frame freed before the first flush shows up as a
 * lower count in the first record.
 *
 * Every check here reads the page tables through refwalk (tests/unit/refwalk.c), never
 * through arch/, so mm/ and arch/ are judged by an independent reading of the manuals.
 *
 * Each scenario runs once per architecture: fake_add_test("/mm/munmap/x", fn) registers
 * "/x86_64/mm/munmap/x" and "/arm64/mm/munmap/x", with the struct arch_mmu as test data.
 */
#ifndef MMUEMU_TESTS_FAKE_H
#define MMUEMU_TESTS_FAKE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "mm/mm.h"
#include "refwalk.h"

#define SZ_4K   UINT64_C(0x1000)
#define SZ_2M   UINT64_C(0x200000)
#define SZ_1G   UINT64_C(0x40000000)
#define SZ_512G UINT64_C(0x8000000000)

/* Default guest physical memory: 64 MiB, 16384 frames of 4 KiB. */
#define FAKE_PHYS_SIZE (UINT64_C(64) << 20)

/* The depth most scenarios are written for, root first: root, L1 (PDPT), L2 (PD), L3 (PT). */
#define FAKE_LEVELS 4

/**
 * struct fake_flush - one flush the engine was asked for.
 * @all: flush_tlb_all (then @start, @end and @freed_tables are 0).
 * @start, @end: the range of a flush_tlb_range.
 * @freed_tables: walk caches too.
 * @phys_in_use: mm_phys_frames_in_use() at the moment of the flush.
 */
struct fake_flush {
	bool all;
	uint64_t start, end;
	bool freed_tables;
	uint64_t phys_in_use;
};

/** struct fake_inval - one invalidate_code call. */
struct fake_inval {
	uint64_t paddr, len;
};

/**
 * struct fake_env - one address space under test.
 * @arch: the format; @ref: the same format for refwalk.
 * @page: page size.
 * @flushes: GArray of struct fake_flush, oldest first.
 * @invals: GArray of struct fake_inval, oldest first.
 */
struct fake_env {
	const struct arch_mmu *arch;
	enum ref_arch ref;
	uint64_t page;
	struct mm_phys *phys;
	struct mm_struct *mm;
	GArray *flushes;
	GArray *invals;
};

/**
 * struct fake_snap - the state before a teardown, to judge it afterwards.
 * @start, @end: the range torn down.
 * @phys_in_use: guest frames in use before.
 * @nr_flushes: flushes recorded before.
 * @stats: mm->stats before.
 * @present: GArray of uint64_t, the pages of [@start, @end) that had a valid translation.
 */
struct fake_snap {
	uint64_t start, end;
	uint64_t phys_in_use;
	guint nr_flushes;
	struct mm_stats stats;
	GArray *present;
};

/**
 * fake_add_test() - register @fn as /NAME@path for every format of four levels (the
 * architectures of the build, and fake.c's further formats): the scenarios written with
 * four levels' counts.
 */
void fake_add_test(const char *path, GTestDataFunc fn);

/**
 * fake_add_test_any_levels() - register @fn for every format, whatever its depth, for
 * scenarios that read the geometry from struct arch_mmu.
 */
void fake_add_test_any_levels(const char *path, GTestDataFunc fn);

/**
 * fake_env_init() - guest memory of @phys_size bytes and an empty mm over it, with the
 * fake engine. Asserts success.
 */
void fake_env_init(struct fake_env *env, const struct arch_mmu *arch, uint64_t phys_size);

/**
 * fake_env_exit() - exit_mmap() and the end-of-life checks: no frame of guest memory in
 * use, no table and no data frame counted, tables allocated == freed at every level, root
 * gone, and (when anything was mapped and flushing is on) a flush asked before the first
 * frame was freed.
 */
void fake_env_exit(struct fake_env *env);

/** fake_env_finish() - fake_env_exit() unless done already, then free everything. */
void fake_env_finish(struct fake_env *env);

/** fake_phys_in_use() - mm_phys_frames_in_use() of the environment. */
uint64_t fake_phys_in_use(const struct fake_env *env);

/**
 * fake_check() - the invariants that hold between operations: refwalk's table count per
 * level equals tables_alloc - tables_freed, tables_in_use is their sum, the leaves holding
 * a frame are frames_in_use, guest frames in use are tables + data frames, and the VMA tree
 * is sorted, page-aligned, non-overlapping and has map_count entries.
 */
void fake_check(struct fake_env *env);

/** fake_count_tables() - refwalk's count of table pages per level (root = level 0). */
void fake_count_tables(struct fake_env *env, unsigned long counts[ARCH_MAX_LEVELS]);

/** fake_expect_tables() - refwalk finds exactly these table pages per level. */
void fake_expect_tables(struct fake_env *env, unsigned long l0, unsigned long l1,
			unsigned long l2, unsigned long l3);

/** fake_expect_freed() - exactly these table pages were freed per level since @snap. */
void fake_expect_freed(struct fake_env *env, const struct fake_snap *snap, unsigned long l0,
		       unsigned long l1, unsigned long l2, unsigned long l3);

/** fake_expect_alloced() - exactly these table pages were allocated per level since @snap. */
void fake_expect_alloced(struct fake_env *env, const struct fake_snap *snap, unsigned long l0,
			 unsigned long l1, unsigned long l2, unsigned long l3);

/**
 * fake_touch() - mm_fill_tlb(@va, @access). On success, checks the answer against refwalk:
 * same physical page, and the access is allowed by refwalk's protection.
 * @fault: may be NULL.
 * Return: what mm_fill_tlb returned.
 */
int fake_touch(struct fake_env *env, uint64_t va, mm_access_t access, struct mm_fault *fault);

/** fake_touch_prot() - fake_touch() that must succeed; returns the tlb_prot it gave. */
unsigned fake_touch_prot(struct fake_env *env, uint64_t va, mm_access_t access);

/** fake_touch_range() - touch every page of [@start, @end); each must succeed. */
void fake_touch_range(struct fake_env *env, uint64_t start, uint64_t end, mm_access_t access);

/** fake_expect_fault() - mm_fill_tlb(@va, @access) gives -EFAULT with @si_code. */
void fake_expect_fault(struct fake_env *env, uint64_t va, mm_access_t access, int si_code);

/**
 * fake_expect_mapped() - refwalk translates @va with exactly the MM_PROT_* @prot.
 * Return: the physical address of @va.
 */
uint64_t fake_expect_mapped(struct fake_env *env, uint64_t va, unsigned prot);

/** fake_expect_unmapped() - refwalk finds no valid translation for @va. */
void fake_expect_unmapped(struct fake_env *env, uint64_t va);

/** fake_is_mapped() - refwalk finds a valid translation for @va. */
bool fake_is_mapped(struct fake_env *env, uint64_t va);

/** fake_count_leaves() - leaf entries holding a frame (PROT_NONE ones included). */
long fake_count_leaves(struct fake_env *env);

/** fake_write64() / fake_read64() - copy_to_user / copy_from_user that must succeed. */
void fake_write64(struct fake_env *env, uint64_t va, uint64_t val);
uint64_t fake_read64(struct fake_env *env, uint64_t va);

/**
 * fake_map() - do_mmap(@addr, @len, @prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), which
 * must return @addr. Whatever it replaced is judged as a teardown (fake_snap_check).
 */
void fake_map(struct fake_env *env, uint64_t addr, uint64_t len, unsigned prot);

/**
 * fake_munmap() - do_munmap(@start, @len), which must return 0, judged as a teardown
 * (fake_snap_check) and followed by fake_check().
 */
void fake_munmap(struct fake_env *env, uint64_t start, uint64_t len);

/** fake_snap_take() - remember the state before tearing down [@start, @end). */
void fake_snap_take(struct fake_env *env, struct fake_snap *snap, uint64_t start, uint64_t end);

/**
 * fake_snap_check() - judge the teardown since @snap ("clear, flush, then free"):
 *  - every page of the range that was present is present no more;
 *  - if any guest frame was freed: at least one flush was asked (unless mm->no_tlb_flush),
 *    and the first one saw every frame still in use (nothing freed before a flush);
 *  - every page that was present lies in a flushed range (or a full flush happened);
 *  - if table pages were freed: a flush of the walk caches (freed_tables, or full) was asked
 *    while at least that many frames were still in use;
 *  - flushes asked match stats.tlb_flush_all + tlb_flush_range; with no_tlb_flush, none was
 *    asked.
 */
void fake_snap_check(struct fake_env *env, struct fake_snap *snap);

/** fake_snap_release() - free what fake_snap_take() allocated. */
void fake_snap_release(struct fake_snap *snap);

/** fake_nr_vmas() - VMAs found by iterating from 0. */
unsigned fake_nr_vmas(struct fake_env *env);

/** fake_flushes_since() - flushes recorded after the first @nr. */
guint fake_flushes_since(const struct fake_env *env, guint nr);

/** fake_flush_at() - the @i-th flush recorded. */
const struct fake_flush *fake_flush_at(const struct fake_env *env, guint i);

#endif
