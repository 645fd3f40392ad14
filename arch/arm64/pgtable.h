/* SPDX-License-Identifier: MIT */
/*
 * pgtable.h - arm64 VMSAv8-64 stage 1 descriptor bits, 4 KiB granule, 48-bit VA
 * (Arm ARM D8, "The AArch64 Virtual Memory System Architecture").
 *
 * Bits 1:0 give the descriptor type: x0 invalid, 01 block (L1/L2 only with a 4 KiB granule),
 * 11 table (L0-L2) or page (L3). Linux keeps software state in bits the hardware ignores:
 * PTE_DIRTY, and PTE_PROT_NONE, which only means something while the entry is invalid.
 */
#ifndef MMUEMU_ARCH_ARM64_PGTABLE_H
#define MMUEMU_ARCH_ARM64_PGTABLE_H

#include <stdint.h>

#include "arch/arch.h"

#define ARM64_PTE_VALID       (UINT64_C(1) << 0)
#define ARM64_PTE_TYPE_MASK   UINT64_C(3)
#define ARM64_PTE_TYPE_BLOCK  UINT64_C(1)           /* L1/L2: 1 GiB/2 MiB block */
#define ARM64_PTE_TYPE_TABLE  UINT64_C(3)           /* L0-L2: next-level table */
#define ARM64_PTE_TYPE_PAGE   UINT64_C(3)           /* L3: 4 KiB page */

/* Page and block descriptors: lower attributes. */
#define ARM64_PTE_ATTRINDX(i) ((uint64_t)(i) << 2)  /* MAIR_EL1 index, bits 4:2 */
#define ARM64_PTE_ATTRINDX_MASK (UINT64_C(7) << 2)
#define ARM64_PTE_USER        (UINT64_C(1) << 6)    /* AP[1]: EL0 access */
#define ARM64_PTE_RDONLY      (UINT64_C(1) << 7)    /* AP[2]: read-only */
#define ARM64_PTE_SH_MASK     (UINT64_C(3) << 8)
#define ARM64_PTE_SH_INNER    (UINT64_C(3) << 8)    /* inner shareable */
#define ARM64_PTE_AF          (UINT64_C(1) << 10)   /* access flag */
#define ARM64_PTE_NG          (UINT64_C(1) << 11)   /* not global (ASID-tagged) */

/* Page and block descriptors: upper attributes. */
#define ARM64_PTE_DBM         (UINT64_C(1) << 51)   /* dirty bit modifier; Linux PTE_WRITE */
#define ARM64_PTE_CONT        (UINT64_C(1) << 52)   /* contiguous hint */
#define ARM64_PTE_PXN         (UINT64_C(1) << 53)   /* privileged execute-never */
#define ARM64_PTE_UXN         (UINT64_C(1) << 54)   /* unprivileged (EL0) execute-never */
#define ARM64_PTE_DIRTY       (UINT64_C(1) << 55)   /* Linux software dirty */
#define ARM64_PTE_SPECIAL     (UINT64_C(1) << 56)   /* Linux software special */
#define ARM64_PTE_PROT_NONE   (UINT64_C(1) << 58)   /* Linux: PROT_NONE, only while invalid */

/* Table descriptors: hierarchical limits on everything below. */
#define ARM64_PTE_PXNTABLE    (UINT64_C(1) << 59)
#define ARM64_PTE_UXNTABLE    (UINT64_C(1) << 60)
#define ARM64_PTE_APTABLE_NOEL0 (UINT64_C(1) << 61) /* APTable[0]: no EL0 data access */
#define ARM64_PTE_APTABLE_RO  (UINT64_C(1) << 62)   /* APTable[1]: no write access */
#define ARM64_PTE_NSTABLE     (UINT64_C(1) << 63)

#define ARM64_PTE_ADDR_MASK   UINT64_C(0x0000fffffffff000) /* output address, bits 47:12 */

/* MAIR_EL1 index Linux gives Normal memory (MT_NORMAL). */
#define ARM64_MT_NORMAL 0u

#define ARM64_PTE_SIZE 8u /* bytes per descriptor */

/* The TLB flush model (tlb.c), the tlb_flush_plan of arm64_mmu. */
void arm64_tlb_flush_plan(const struct arch_mmu *mmu, const struct arch_tlb_flush *f,
			  struct arch_tlb_plan *plan);

#endif
