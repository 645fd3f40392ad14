/* SPDX-License-Identifier: MIT */
/*
 * pgtable.h - RISC-V page-table entry bits for Sv39, Sv48 and Sv57 (the RISC-V privileged
 * specification, "Supervisor-Level ISA", sections on Sv39/Sv48/Sv57).
 *
 * All three formats share the 64-bit entry: V R W X U G A D in bits 0-7, two bits for
 * software (RSW) in 8-9, the physical page number in 10-53, and bits 54-63 reserved for
 * the Svpbmt and Svnapot extensions, which this model does not implement (so they must be
 * zero). V with R=W=X=0 points to the next table; any of R, W, X makes a leaf, at any
 * level. W without R is reserved. Linux keeps PROT_NONE as V=0 with G set
 * (_PAGE_PROT_NONE), which the hardware ignores while V is clear.
 */
#ifndef MMUEMU_ARCH_RISCV64_PGTABLE_H
#define MMUEMU_ARCH_RISCV64_PGTABLE_H

#include <stdint.h>

#define RV_PTE_V          (UINT64_C(1) << 0)
#define RV_PTE_R          (UINT64_C(1) << 1)
#define RV_PTE_W          (UINT64_C(1) << 2)
#define RV_PTE_X          (UINT64_C(1) << 3)
#define RV_PTE_U          (UINT64_C(1) << 4)
#define RV_PTE_G          (UINT64_C(1) << 5)
#define RV_PTE_A          (UINT64_C(1) << 6)
#define RV_PTE_D          (UINT64_C(1) << 7)
#define RV_PTE_SOFT_MASK  (UINT64_C(3) << 8)       /* RSW: Linux _PAGE_SPECIAL, _PAGE_DEVMAP */
#define RV_PTE_RWX        (RV_PTE_R | RV_PTE_W | RV_PTE_X)
#define RV_PTE_PROT_NONE  RV_PTE_G                 /* Linux, only while V is clear */

#define RV_PTE_PPN_SHIFT  10
#define RV_PTE_PPN_BITS   44
#define RV_PTE_PPN_MASK   (((UINT64_C(1) << RV_PTE_PPN_BITS) - 1) << RV_PTE_PPN_SHIFT)
#define RV_PTE_RESERVED   (~UINT64_C(0) << 54)     /* N, PBMT, and bits 54-60 */

/* A non-leaf entry must have D, A and U clear (reserved for future use). */
#define RV_PTE_TABLE_RESERVED (RV_PTE_D | RV_PTE_A | RV_PTE_U)

#define RV_PAGE_SHIFT     12
#define RV_PTE_SIZE       8u                       /* bytes per entry */

/* pte_to_paddr() / paddr_to_pte() - the PPN field and the physical address it names. */
static inline uint64_t rv_pte_paddr(uint64_t e)
{
	return ((e & RV_PTE_PPN_MASK) >> RV_PTE_PPN_SHIFT) << RV_PAGE_SHIFT;
}

static inline uint64_t rv_paddr_pte(uint64_t paddr)
{
	return ((paddr >> RV_PAGE_SHIFT) << RV_PTE_PPN_SHIFT) & RV_PTE_PPN_MASK;
}

#endif
