/* SPDX-License-Identifier: MIT */
/*
 * riscv64.h - what the files of arch/riscv64/ share with each other.
 */
#ifndef MMUEMU_ARCH_RISCV64_RISCV64_H
#define MMUEMU_ARCH_RISCV64_RISCV64_H

#include "arch/arch.h"

/* QEMU's exception causes (target/riscv/cpu_bits.h), as Unicorn reports them. */
#define RV_EXCP_INST_ADDR_MIS   0
#define RV_EXCP_INST_ACCESS     1
#define RV_EXCP_ILLEGAL_INST    2
#define RV_EXCP_BREAKPOINT      3
#define RV_EXCP_LOAD_ADDR_MIS   4
#define RV_EXCP_LOAD_ACCESS     5
#define RV_EXCP_STORE_ADDR_MIS  6
#define RV_EXCP_STORE_ACCESS    7
#define RV_EXCP_U_ECALL         8  /* every ecall: QEMU adds the mode only on delivery */
#define RV_EXCP_INST_PAGE       12
#define RV_EXCP_LOAD_PAGE       13
#define RV_EXCP_STORE_PAGE      15

/* Unicorn has already moved the PC 4 bytes on when its interrupt hook runs. */
#define RV_INTR_PC_ADVANCE      4

/* riscv64_mmu (arch/arch.h) is Sv57, Linux's choice; the same format at other depths: */
extern const struct arch_mmu riscv64_sv48_mmu, riscv64_sv39_mmu;

void riscv64_tlb_flush_plan(const struct arch_mmu *mmu, const struct arch_tlb_flush *f,
			    struct arch_tlb_plan *plan);

#endif
