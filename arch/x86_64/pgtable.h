/* SPDX-License-Identifier: MIT */
/*
 * pgtable.h - x86_64 4-level paging entry bits (Intel SDM vol. 3A, "4-Level Paging").
 *
 * One entry format serves all four levels; bit 7 is PS in a PDPTE or PDE (the entry maps a
 * 1 GiB or 2 MiB page instead of pointing to a table), PAT in a 4 KiB PTE, and reserved in
 * a PML4E. Linux's own software meaning of some bits is noted where it differs.
 */
#ifndef MMUEMU_ARCH_X86_64_PGTABLE_H
#define MMUEMU_ARCH_X86_64_PGTABLE_H

#include <stdint.h>

#include "arch/arch.h"

#define X86_PTE_P          (UINT64_C(1) << 0)  /* present */
#define X86_PTE_RW         (UINT64_C(1) << 1)  /* writable */
#define X86_PTE_US         (UINT64_C(1) << 2)  /* user accessible */
#define X86_PTE_PWT        (UINT64_C(1) << 3)  /* page-level write-through */
#define X86_PTE_PCD        (UINT64_C(1) << 4)  /* page-level cache disable */
#define X86_PTE_A          (UINT64_C(1) << 5)  /* accessed */
#define X86_PTE_D          (UINT64_C(1) << 6)  /* dirty (leaves only) */
#define X86_PTE_PS         (UINT64_C(1) << 7)  /* PDPTE/PDE: 1 GiB/2 MiB leaf */
#define X86_PTE_PAT        (UINT64_C(1) << 7)  /* 4 KiB PTE: PAT index bit */
#define X86_PTE_G          (UINT64_C(1) << 8)  /* global (leaves, while P=1) */
#define X86_PTE_PROTNONE   (UINT64_C(1) << 8)  /* Linux: PROT_NONE leaf, only while P=0 */
#define X86_PTE_SOFT_MASK  (UINT64_C(7) << 9)  /* ignored by hardware: 9-11 */
#define X86_PTE_PAT_LARGE  (UINT64_C(1) << 12) /* PAT index bit in 1 GiB/2 MiB leaves */
#define X86_PTE_ADDR_MASK  UINT64_C(0x000ffffffffff000) /* frame or table, bits 51:12 */
#define X86_PTE_SOFT_HIGH_MASK (UINT64_C(0x7f) << 52) /* ignored by hardware: 52-58 */
#define X86_PTE_PKEY_MASK  (UINT64_C(0xf) << 59) /* protection key, with CR4.PKE */
#define X86_PTE_NX         (UINT64_C(1) << 63) /* execute disable, with EFER.NXE */

/* Linux's _PAGE_TABLE: what every intermediate entry carries (leaves restrict). */
#define X86_PTE_TABLE (X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_A | X86_PTE_D)

#define X86_PTE_SIZE 8u /* bytes per entry */

/* The TLB flush model (tlb.c), the tlb_flush_plan of x86_64_mmu. */
void x86_64_tlb_flush_plan(const struct arch_mmu *mmu, const struct arch_tlb_flush *f,
			   struct arch_tlb_plan *plan);

#endif
