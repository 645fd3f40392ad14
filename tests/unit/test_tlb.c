/* SPDX-License-Identifier: MIT */
/*
 * test_tlb.c - the TLB flush models of arch/<name>/tlb.c against the rules of each
 * architecture's Linux (arch/x86 flush_tlb_mm_range, arch/arm64 __flush_tlb_range, and
 * arch/riscv's tlb_flush() and __flush_tlb_range() with tlb_flush_all_threshold).
 */
#include <glib.h>

#include "arch/arch.h"

#define PTE_BIT(m)	(1u << ((m)->levels - 1))	/* cleared_ptes */
#define PMD_BIT(m)	(1u << ((m)->levels - 2))	/* cleared_pmds */

static struct arch_tlb_plan plan(const struct arch_mmu *m,
				 void (*fn)(const struct arch_mmu *, const struct arch_tlb_flush *,
					    struct arch_tlb_plan *),
				 uint64_t start, uint64_t end, unsigned levels, bool tables, bool fullmm)
{
	struct arch_tlb_flush f = { start, end, levels, tables, fullmm };
	struct arch_tlb_plan p;

	fn(m, &f, &p);
	return p;
}

/* One page unmapped: one INVLPG at 4 KiB stride. */
static void test_x86_64_one_page(void)
{
	struct arch_tlb_plan p = plan(&x86_64_mmu, x86_64_mmu.tlb_flush_plan, 0x400000, 0x401000,
				      PTE_BIT(&x86_64_mmu), false, false);

	g_assert_false(p.full);
	g_assert_cmpuint(p.ops, ==, 1);
	g_assert_cmpuint(p.stride_shift, ==, 12);
	g_assert_cmpstr(p.insn, ==, "INVLPG");
}

/* 33 pages still go one by one; 34 pages cross tlb_single_page_flush_ceiling. */
static void test_x86_64_ceiling(void)
{
	struct arch_tlb_plan p;

	p = plan(&x86_64_mmu, x86_64_mmu.tlb_flush_plan, 0x400000, 0x400000 + 33 * 4096,
		 PTE_BIT(&x86_64_mmu), false, false);
	g_assert_false(p.full);
	g_assert_cmpuint(p.ops, ==, 33);
	p = plan(&x86_64_mmu, x86_64_mmu.tlb_flush_plan, 0x400000, 0x400000 + 34 * 4096,
		 PTE_BIT(&x86_64_mmu), false, false);
	g_assert_true(p.full);
	g_assert_cmpuint(p.ops, ==, 1);
	g_assert_cmpstr(p.insn, ==, "CR3 reload");
}

/* Only a table was freed (a PMD entry cleared): the stride is 2 MiB. */
static void test_x86_64_table_stride(void)
{
	struct arch_tlb_plan p = plan(&x86_64_mmu, x86_64_mmu.tlb_flush_plan, 0x600000, 0xc00000,
				      PMD_BIT(&x86_64_mmu), true, false);

	g_assert_false(p.full);
	g_assert_cmpuint(p.stride_shift, ==, 21);
	g_assert_cmpuint(p.ops, ==, 3);
}

static void test_x86_64_exit_is_full(void)
{
	struct arch_tlb_plan p = plan(&x86_64_mmu, x86_64_mmu.tlb_flush_plan, 0, 0,
				      PTE_BIT(&x86_64_mmu), false, true);

	g_assert_true(p.full);
	g_assert_cmpuint(p.ops, ==, 1);
}

/* Leaf-only change: the last-level form, one per page. */
static void test_arm64_leaf_only(void)
{
	struct arch_tlb_plan p = plan(&arm64_mmu, arm64_mmu.tlb_flush_plan, 0x400000, 0x403000,
				      PTE_BIT(&arm64_mmu), false, false);

	g_assert_false(p.full);
	g_assert_cmpuint(p.ops, ==, 3);
	g_assert_cmpstr(p.insn, ==, "TLBI VALE1IS");
}

/* Tables freed: the non-leaf form, so cached walks through the freed table go too. */
static void test_arm64_freed_tables(void)
{
	struct arch_tlb_plan p = plan(&arm64_mmu, arm64_mmu.tlb_flush_plan, 0x400000, 0x403000,
				      PTE_BIT(&arm64_mmu) | PMD_BIT(&arm64_mmu), true, false);

	g_assert_cmpuint(p.ops, ==, 3);
	g_assert_cmpstr(p.insn, ==, "TLBI VAE1IS");
}

/* 511 pages by address; 512 (MAX_DVM_OPS) become one ASID-wide flush. */
static void test_arm64_max_dvm_ops(void)
{
	struct arch_tlb_plan p;

	p = plan(&arm64_mmu, arm64_mmu.tlb_flush_plan, 0x400000, 0x400000 + 511 * 4096,
		 PTE_BIT(&arm64_mmu), false, false);
	g_assert_false(p.full);
	g_assert_cmpuint(p.ops, ==, 511);
	p = plan(&arm64_mmu, arm64_mmu.tlb_flush_plan, 0x400000, 0x400000 + 512 * 4096,
		 PTE_BIT(&arm64_mmu), false, false);
	g_assert_true(p.full);
	g_assert_cmpstr(p.insn, ==, "TLBI ASIDE1IS");
}

/* Exit: no flush at all unless tables were freed (the ASID is retired). */
static void test_arm64_exit(void)
{
	struct arch_tlb_plan p;

	p = plan(&arm64_mmu, arm64_mmu.tlb_flush_plan, 0, 0, PTE_BIT(&arm64_mmu), false, true);
	g_assert_false(p.full);
	g_assert_cmpuint(p.ops, ==, 0);
	p = plan(&arm64_mmu, arm64_mmu.tlb_flush_plan, 0, 0, PTE_BIT(&arm64_mmu), true, true);
	g_assert_true(p.full);
	g_assert_cmpuint(p.ops, ==, 1);
}

/* The range is rounded out to the stride before counting. */
static void test_arm64_rounds_to_stride(void)
{
	struct arch_tlb_plan p = plan(&arm64_mmu, arm64_mmu.tlb_flush_plan, 0x400800, 0x401800,
				      PTE_BIT(&arm64_mmu), false, false);

	g_assert_cmpuint(p.ops, ==, 2);
}

#ifdef MMUEMU_ARCH_RISCV64
/*
 * riscv64: one sfence.vma per stride up to tlb_flush_all_threshold (64), then the whole
 * ASID; freed tables and exit flush the whole ASID (tlb_flush() calls flush_tlb_mm()).
 */
static void test_riscv64_threshold(void)
{
	const struct arch_mmu *m = &riscv64_mmu;
	struct arch_tlb_plan p;

	p = plan(m, m->tlb_flush_plan, 0x400000, 0x401000, PTE_BIT(m), false, false);
	g_assert_false(p.full);
	g_assert_cmpuint(p.ops, ==, 1);
	g_assert_cmpuint(p.stride_shift, ==, 12);
	g_assert_cmpstr(p.insn, ==, "sfence.vma addr, asid");
	p = plan(m, m->tlb_flush_plan, 0x400000, 0x400000 + 64 * 4096, PTE_BIT(m), false, false);
	g_assert_false(p.full);
	g_assert_cmpuint(p.ops, ==, 64);
	p = plan(m, m->tlb_flush_plan, 0x400000, 0x400000 + 65 * 4096, PTE_BIT(m), false, false);
	g_assert_true(p.full);
	g_assert_cmpuint(p.ops, ==, 1);
	g_assert_cmpstr(p.insn, ==, "sfence.vma x0, asid");
}

static void test_riscv64_tables_and_exit(void)
{
	const struct arch_mmu *m = &riscv64_mmu;
	struct arch_tlb_plan p;

	p = plan(m, m->tlb_flush_plan, 0x400000, 0x401000, PTE_BIT(m) | PMD_BIT(m), true, false);
	g_assert_true(p.full);
	g_assert_cmpuint(p.ops, ==, 1);
	g_assert_cmpuint(p.stride_shift, ==, 12);
	p = plan(m, m->tlb_flush_plan, 0x400000, 0x401000, PTE_BIT(m), false, true);
	g_assert_true(p.full);
	g_assert_cmpuint(p.ops, ==, 1);
	/* Only PMD entries cleared (2 MiB leaves): 2 MiB stride, 4 MiB is two. */
	p = plan(m, m->tlb_flush_plan, 0x400000, 0x800000, PMD_BIT(m), false, false);
	g_assert_false(p.full);
	g_assert_cmpuint(p.stride_shift, ==, 21);
	g_assert_cmpuint(p.ops, ==, 2);
}
#endif

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tlb/x86_64/one-page-one-invlpg", test_x86_64_one_page);
	g_test_add_func("/tlb/x86_64/34-pages-reload-cr3", test_x86_64_ceiling);
	g_test_add_func("/tlb/x86_64/freed-table-2mib-stride", test_x86_64_table_stride);
	g_test_add_func("/tlb/x86_64/exit-is-full", test_x86_64_exit_is_full);
	g_test_add_func("/tlb/arm64/leaf-only-vale1", test_arm64_leaf_only);
	g_test_add_func("/tlb/arm64/freed-tables-vae1", test_arm64_freed_tables);
	g_test_add_func("/tlb/arm64/512-pages-aside1", test_arm64_max_dvm_ops);
	g_test_add_func("/tlb/arm64/exit-flushes-only-freed-tables", test_arm64_exit);
	g_test_add_func("/tlb/arm64/range-rounded-to-stride", test_arm64_rounds_to_stride);
#ifdef MMUEMU_ARCH_RISCV64
	g_test_add_func("/tlb/riscv64/64-pages-then-whole-asid", test_riscv64_threshold);
	g_test_add_func("/tlb/riscv64/freed-tables-and-exit-whole-asid",
			test_riscv64_tables_and_exit);
#endif
	return g_test_run();
}
