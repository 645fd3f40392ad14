/* SPDX-License-Identifier: MIT */
/*
 * refwalk.h - an independent reference walker for tests.
 *
 * It decodes raw page-table memory straight from the architecture manuals' bit layouts and
 * shares no code with arch/: when arch/ and refwalk agree, two readings of the manual agree.
 * The shape is xv6's walk(): one loop over the levels, nothing else.
 */
#ifndef MMUEMU_TESTS_REFWALK_H
#define MMUEMU_TESTS_REFWALK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"

enum ref_arch {
	REF_X86_64,  /* 4 levels, 4 KiB, 48-bit canonical */
	REF_ARM64,   /* VMSAv8-64 stage 1, 4 KiB granule, 48-bit VA, 4 levels */
	REF_RV_SV39, /* RISC-V Sv39: 3 levels, user VA below 2^38 */
	REF_RV_SV48, /* RISC-V Sv48: 4 levels, user VA below 2^47 */
	REF_RV_SV57, /* RISC-V Sv57: 5 levels, user VA below 2^56 */
};

/** ref_arch_of() - the reference format matching @mmu (by name); aborts if none. */
enum ref_arch ref_arch_of(const struct arch_mmu *mmu);

/**
 * refwalk() - translate a user-mode access to @va.
 * @paddr: on success, the physical address of @va itself (page base + offset).
 * @prot: on success, the MM_PROT_* a user-mode access gets through this translation.
 *        A writable page that is merely clean (arm64 DBM with AP[2] set, x86 D clear)
 *        counts as writable.
 * Return: true if a valid user translation exists (a PROT_NONE leaf gives false).
 */
bool refwalk(enum ref_arch arch, const uint8_t *mem, uint64_t memsize, uint64_t root,
	     uint64_t va, uint64_t *paddr, unsigned *prot);

/**
 * refwalk_count_tables() - count the table pages reachable from @root, per level
 * (counts[0] is the root itself, so 1 if @root is nonzero).
 * Return: the total, or -1 if a table page is reachable twice or lies outside memory.
 */
long refwalk_count_tables(enum ref_arch arch, const uint8_t *mem, uint64_t memsize,
			  uint64_t root, unsigned long counts[ARCH_MAX_LEVELS]);

/**
 * refwalk_count_leaves() - count the leaf entries that hold a frame (valid, or PROT_NONE:
 * x86 P=0 with bit 8 set; arm64 valid=0 with bit 58 set; RISC-V V=0 with bit 5 set) in the
 * user half.
 */
long refwalk_count_leaves(enum ref_arch arch, const uint8_t *mem, uint64_t memsize,
			  uint64_t root);

#endif
