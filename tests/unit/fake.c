// SPDX-License-Identifier: MIT
/*
 * fake.c - the test bench of fake.h: guest memory, an mm, a recording engine, and checks
 * that read the page tables through refwalk only.
 */
#include <errno.h>
#include <string.h>

#include "fake.h"
#ifdef MMUEMU_ARCH_RISCV64
#include "arch/riscv64/riscv64.h"
#endif

/* Pages scanned at most when remembering what a teardown range had present. */
#define FAKE_SCAN_MAX_PAGES (UINT64_C(1) << 18)

/* Every architecture of the build (arch/arches.h): each test runs once per entry. */
#define FAKE_ARCH(sym) &sym##_mmu,
static const struct arch_mmu *const fake_arches[] = { ARCH_LIST(FAKE_ARCH) };
#undef FAKE_ARCH

/*
 * More formats of architectures in the build, which no arch_ops names (a depth Linux could
 * also pick): the scenarios run on them too. NULL-terminated.
 */
static const struct arch_mmu *const fake_more_geometries[] = {
#ifdef MMUEMU_ARCH_RISCV64
	&riscv64_sv48_mmu, &riscv64_sv39_mmu,	/* riscv64_mmu is Sv57 */
#endif
	NULL
};

static void fake_register(const struct arch_mmu *m, const char *path, GTestDataFunc fn)
{
	char *full = g_strdup_printf("/%s%s", m->name, path);

	g_test_add_data_func(full, m, fn);
	g_free(full);
}

/* Only formats of FAKE_LEVELS levels: the scenario's counts are written for four. */
void fake_add_test(const char *path, GTestDataFunc fn)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fake_arches); i++) {
		if (fake_arches[i]->levels == FAKE_LEVELS)
			fake_register(fake_arches[i], path, fn);
	}
	for (size_t i = 0; fake_more_geometries[i]; i++) {
		if (fake_more_geometries[i]->levels == FAKE_LEVELS)
			fake_register(fake_more_geometries[i], path, fn);
	}
}

void fake_add_test_any_levels(const char *path, GTestDataFunc fn)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fake_arches); i++)
		fake_register(fake_arches[i], path, fn);
	for (size_t i = 0; fake_more_geometries[i]; i++)
		fake_register(fake_more_geometries[i], path, fn);
}

/* ---- the engine ---- */

static void fake_record_flush(struct fake_env *env, bool all, uint64_t start, uint64_t end,
			      bool freed_tables)
{
	struct fake_flush f = {
		.all = all,
		.start = start,
		.end = end,
		.freed_tables = freed_tables,
		.phys_in_use = mm_phys_frames_in_use(env->phys),
	};

	g_array_append_val(env->flushes, f);
}

static void fake_flush_tlb_all(void *ctx)
{
	fake_record_flush(ctx, true, 0, 0, false);
}

static void fake_flush_tlb_range(void *ctx, uint64_t start, uint64_t end, bool freed_tables)
{
	fake_record_flush(ctx, false, start, end, freed_tables);
}

static void fake_invalidate_code(void *ctx, uint64_t paddr, uint64_t len)
{
	struct fake_env *env = ctx;
	struct fake_inval inv = { .paddr = paddr, .len = len };

	g_array_append_val(env->invals, inv);
}

/* ---- life ---- */

void fake_env_init(struct fake_env *env, const struct arch_mmu *arch, uint64_t phys_size)
{
	struct mm_engine engine = {
		.ctx = env,
		.flush_tlb_all = fake_flush_tlb_all,
		.flush_tlb_range = fake_flush_tlb_range,
		.invalidate_code = fake_invalidate_code,
	};
	int ret;

	memset(env, 0, sizeof(*env));
	env->arch = arch;
	env->ref = ref_arch_of(arch);
	env->page = arch_page_size(arch);
	env->flushes = g_array_new(FALSE, TRUE, sizeof(struct fake_flush));
	env->invals = g_array_new(FALSE, TRUE, sizeof(struct fake_inval));
	g_assert_cmpuint(arch->levels, <=, ARCH_MAX_LEVELS);
	g_assert_cmpuint(env->page, ==, SZ_4K);

	ret = mm_phys_create(phys_size, arch->page_shift, &env->phys);
	g_assert_cmpint(ret, ==, 0);
	g_assert_cmpuint(mm_phys_frames_in_use(env->phys), ==, 0);
	ret = mm_create(arch, env->phys, &engine, &env->mm);
	g_assert_cmpint(ret, ==, 0);
	g_assert_nonnull(env->mm);
	g_assert_true(env->mm->arch == arch);
	g_assert_cmpuint(env->mm->pgd, !=, 0);
	g_assert_cmpint(env->mm->map_count, ==, 0);
	/* Only the root table exists. */
	g_assert_cmpuint(mm_phys_frames_in_use(env->phys), ==, 1);
	fake_expect_tables(env, 1, 0, 0, 0);
	fake_check(env);
}

void fake_env_exit(struct fake_env *env)
{
	struct mm_struct *mm = env->mm;
	uint64_t before = fake_phys_in_use(env);
	guint nr = env->flushes->len;
	bool had_pages = mm->stats.tables_in_use > 1 || mm->stats.frames_in_use > 0;

	fake_check(env);
	exit_mmap(mm);

	g_assert_cmpuint(mm_phys_frames_in_use(env->phys), ==, 0);
	g_assert_cmpuint(mm->stats.tables_in_use, ==, 0);
	g_assert_cmpuint(mm->stats.frames_in_use, ==, 0);
	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++) {
		if (mm->stats.tables_alloc[l] != mm->stats.tables_freed[l])
			g_test_message("exit: level %u: %" G_GUINT64_FORMAT " tables allocated, %"
				       G_GUINT64_FORMAT " freed", l, mm->stats.tables_alloc[l],
				       mm->stats.tables_freed[l]);
		g_assert_cmpuint(mm->stats.tables_alloc[l], ==, mm->stats.tables_freed[l]);
	}
	g_assert_cmpuint(mm->pgd, ==, 0);
	g_assert_cmpint(mm->map_count, ==, 0);
	g_assert_null(find_vma(mm, 0));
	/*
	 * Exit frees tables, so Linux flushes (x86 full flush for fullmm, arm64 the ASID when
	 * tables were freed), and before anything is freed.
	 */
	if (had_pages && !mm->no_tlb_flush) {
		g_assert_cmpuint(env->flushes->len, >, nr);
		g_assert_cmpuint(fake_flush_at(env, nr)->phys_in_use, ==, before);
	}
}

void fake_env_finish(struct fake_env *env)
{
	if (env->mm->pgd)
		fake_env_exit(env);
	mm_destroy(env->mm);
	mm_phys_destroy(env->phys);
	g_array_free(env->flushes, TRUE);
	g_array_free(env->invals, TRUE);
	memset(env, 0, sizeof(*env));
}

uint64_t fake_phys_in_use(const struct fake_env *env)
{
	return mm_phys_frames_in_use(env->phys);
}

guint fake_flushes_since(const struct fake_env *env, guint nr)
{
	return env->flushes->len - nr;
}

const struct fake_flush *fake_flush_at(const struct fake_env *env, guint i)
{
	g_assert_cmpuint(i, <, env->flushes->len);
	return &g_array_index(env->flushes, struct fake_flush, i);
}

/* ---- looking through refwalk ---- */

static const struct arch_mem *fake_mem(struct fake_env *env)
{
	return mm_phys_mem(env->phys);
}

void fake_count_tables(struct fake_env *env, unsigned long counts[ARCH_MAX_LEVELS])
{
	const struct arch_mem *mem = fake_mem(env);
	long total;

	memset(counts, 0, sizeof(unsigned long) * ARCH_MAX_LEVELS);
	total = refwalk_count_tables(env->ref, mem->base, mem->size, env->mm->pgd, counts);
	/* -1: a table reachable twice, or outside memory. */
	g_assert_cmpint(total, >=, 0);
}

long fake_count_leaves(struct fake_env *env)
{
	const struct arch_mem *mem = fake_mem(env);
	long n = refwalk_count_leaves(env->ref, mem->base, mem->size, env->mm->pgd);

	g_assert_cmpint(n, >=, 0);
	return n;
}

static void fake_expect_levels(const char *what, const unsigned long got[ARCH_MAX_LEVELS],
			       const unsigned long want[ARCH_MAX_LEVELS])
{
	bool same = true;

	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++)
		same &= got[l] == want[l];
	if (same)
		return;
	g_test_message("%s per level (root first): expected {%lu, %lu, %lu, %lu}, got "
		       "{%lu, %lu, %lu, %lu}", what, want[0], want[1], want[2], want[3], got[0],
		       got[1], got[2], got[3]);
	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++)
		g_assert_cmpuint(got[l], ==, want[l]);
}

void fake_expect_tables(struct fake_env *env, unsigned long l0, unsigned long l1,
			unsigned long l2, unsigned long l3)
{
	unsigned long want[ARCH_MAX_LEVELS] = { l0, l1, l2, l3 };
	unsigned long counts[ARCH_MAX_LEVELS];
	unsigned long stats[ARCH_MAX_LEVELS];

	fake_count_tables(env, counts);
	fake_expect_levels("tables found by refwalk", counts, want);
	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++)
		stats[l] = env->mm->stats.tables_alloc[l] - env->mm->stats.tables_freed[l];
	fake_expect_levels("tables_alloc - tables_freed", stats, want);
}

void fake_expect_freed(struct fake_env *env, const struct fake_snap *snap, unsigned long l0,
		       unsigned long l1, unsigned long l2, unsigned long l3)
{
	unsigned long want[ARCH_MAX_LEVELS] = { l0, l1, l2, l3 };
	unsigned long got[ARCH_MAX_LEVELS];

	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++)
		got[l] = env->mm->stats.tables_freed[l] - snap->stats.tables_freed[l];
	fake_expect_levels("tables freed", got, want);
}

void fake_expect_alloced(struct fake_env *env, const struct fake_snap *snap, unsigned long l0,
			 unsigned long l1, unsigned long l2, unsigned long l3)
{
	unsigned long want[ARCH_MAX_LEVELS] = { l0, l1, l2, l3 };
	unsigned long got[ARCH_MAX_LEVELS];

	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++)
		got[l] = env->mm->stats.tables_alloc[l] - snap->stats.tables_alloc[l];
	fake_expect_levels("tables allocated", got, want);
}

unsigned fake_nr_vmas(struct fake_env *env)
{
	struct vma_iterator vmi;
	unsigned n = 0;

	vma_iter_init(&vmi, env->mm, 0);
	while (vma_next(&vmi))
		n++;
	return n;
}

void fake_check(struct fake_env *env)
{
	struct mm_struct *mm = env->mm;
	unsigned long counts[ARCH_MAX_LEVELS];
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	uint64_t tables = 0, last_end = 0;
	int n = 0;

	fake_count_tables(env, counts);
	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++) {
		uint64_t live = mm->stats.tables_alloc[l] - mm->stats.tables_freed[l];

		if (live != counts[l])
			g_test_message("level %u: refwalk finds %lu tables, stats say %" G_GUINT64_FORMAT,
				       l, counts[l], live);
		g_assert_cmpuint(live, ==, counts[l]);
		tables += counts[l];
	}
	g_assert_cmpuint(mm->stats.tables_in_use, ==, tables);
	g_assert_cmpuint(mm->stats.tables_peak, >=, mm->stats.tables_in_use);
	g_assert_cmpuint((uint64_t)fake_count_leaves(env), ==, mm->stats.frames_in_use);
	g_assert_cmpuint(mm->stats.frames_peak, >=, mm->stats.frames_in_use);
	g_assert_cmpuint(fake_phys_in_use(env), ==, mm->stats.frames_in_use + tables);

	vma_iter_init(&vmi, mm, 0);
	while ((vma = vma_next(&vmi))) {
		g_assert_cmpuint(vma->vm_start, <, vma->vm_end);
		g_assert_cmpuint(vma->vm_start % env->page, ==, 0);
		g_assert_cmpuint(vma->vm_end % env->page, ==, 0);
		g_assert_cmpuint(vma->vm_start, >=, last_end);
		g_assert_cmpuint(vma->vm_end, <=, env->arch->task_size);
		g_assert_true(vma->vm_mm == mm);
		g_assert_false(vma->detached);
		g_assert_true(vma_lookup(mm, vma->vm_start) == vma);
		g_assert_true(vma_lookup(mm, vma->vm_end - 1) == vma);
		last_end = vma->vm_end;
		n++;
	}
	g_assert_cmpint(n, ==, mm->map_count);
}

bool fake_is_mapped(struct fake_env *env, uint64_t va)
{
	const struct arch_mem *mem = fake_mem(env);
	uint64_t paddr;
	unsigned prot;

	return refwalk(env->ref, mem->base, mem->size, env->mm->pgd, va, &paddr, &prot);
}

uint64_t fake_expect_mapped(struct fake_env *env, uint64_t va, unsigned prot)
{
	const struct arch_mem *mem = fake_mem(env);
	uint64_t paddr = 0;
	unsigned got = 0;
	bool ok = refwalk(env->ref, mem->base, mem->size, env->mm->pgd, va, &paddr, &got);

	if (!ok)
		g_test_message("0x%" G_GINT64_MODIFIER "x: no valid translation", va);
	g_assert_true(ok);
	g_assert_cmphex(got, ==, prot);
	g_assert_cmphex(paddr % env->page, ==, va % env->page);
	g_assert_cmpuint(paddr, <, mem->size);
	return paddr;
}

void fake_expect_unmapped(struct fake_env *env, uint64_t va)
{
	if (fake_is_mapped(env, va))
		g_test_message("0x%" G_GINT64_MODIFIER "x: still translates", va);
	g_assert_false(fake_is_mapped(env, va));
}

/* ---- touching ---- */

int fake_touch(struct fake_env *env, uint64_t va, mm_access_t access, struct mm_fault *fault)
{
	const struct arch_mem *mem = fake_mem(env);
	struct mm_fault local;
	uint64_t paddr = 0, ref_paddr = 0;
	unsigned tlb_prot = 0, ref_prot = 0;
	int ret;

	if (!fault)
		fault = &local;
	memset(fault, 0, sizeof(*fault));
	ret = mm_fill_tlb(env->mm, va, access, &paddr, &tlb_prot, fault);
	if (ret)
		return ret;

	/* What mm/ answered is what the raw tables say. */
	g_assert_cmpuint(paddr % env->page, ==, 0);
	g_assert_true(refwalk(env->ref, mem->base, mem->size, env->mm->pgd, va, &ref_paddr,
			      &ref_prot));
	g_assert_cmphex(ref_paddr, ==, paddr + va % env->page);
	g_assert_cmphex(tlb_prot & access, ==, access);
	g_assert_cmphex(tlb_prot & ~ref_prot, ==, 0);
	return 0;
}

unsigned fake_touch_prot(struct fake_env *env, uint64_t va, mm_access_t access)
{
	uint64_t paddr;
	unsigned tlb_prot = 0;
	struct mm_fault fault;
	int ret;

	ret = fake_touch(env, va, access, &fault);
	if (ret)
		g_test_message("touch 0x%" G_GINT64_MODIFIER "x access %u: %d (si_code %d, oom %d)",
			       va, access, ret, fault.si_code, fault.oom);
	g_assert_cmpint(ret, ==, 0);
	/* Once more, now that it is mapped: it must not fault again. */
	g_assert_cmpint(mm_fill_tlb(env->mm, va, access, &paddr, &tlb_prot, &fault), ==, 0);
	return tlb_prot;
}

void fake_touch_range(struct fake_env *env, uint64_t start, uint64_t end, mm_access_t access)
{
	for (uint64_t va = start; va < end; va += env->page) {
		struct mm_fault fault;
		int ret = fake_touch(env, va, access, &fault);

		if (ret)
			g_test_message("touch 0x%" G_GINT64_MODIFIER "x: %d (si_code %d, oom %d)",
				       va, ret, fault.si_code, fault.oom);
		g_assert_cmpint(ret, ==, 0);
	}
}

void fake_expect_fault(struct fake_env *env, uint64_t va, mm_access_t access, int si_code)
{
	uint64_t segv = env->mm->stats.faults_segv;
	uint64_t frames = fake_phys_in_use(env);
	struct mm_fault fault;
	int ret = fake_touch(env, va, access, &fault);

	g_assert_cmpint(ret, ==, -EFAULT);
	g_assert_cmpint(fault.signo, ==, SIGSEGV_LINUX);
	g_assert_cmpint(fault.si_code, ==, si_code);
	g_assert_cmphex(fault.addr, ==, va);
	g_assert_cmpuint(fault.access, ==, access);
	g_assert_false(fault.oom);
	g_assert_cmpuint(env->mm->stats.faults_segv, ==, segv + 1);
	/* A fault that becomes SIGSEGV allocates nothing. */
	g_assert_cmpuint(fake_phys_in_use(env), ==, frames);
}

void fake_write64(struct fake_env *env, uint64_t va, uint64_t val)
{
	g_assert_cmpint(copy_to_user(env->mm, va, &val, sizeof(val)), ==, 0);
}

uint64_t fake_read64(struct fake_env *env, uint64_t va)
{
	uint64_t val = 0;

	g_assert_cmpint(copy_from_user(env->mm, &val, va, sizeof(val)), ==, 0);
	return val;
}

/* ---- teardowns ---- */

void fake_snap_take(struct fake_env *env, struct fake_snap *snap, uint64_t start, uint64_t end)
{
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	uint64_t scanned = 0;

	memset(snap, 0, sizeof(*snap));
	snap->start = start;
	snap->end = end;
	snap->phys_in_use = fake_phys_in_use(env);
	snap->nr_flushes = env->flushes->len;
	snap->stats = env->mm->stats;
	snap->present = g_array_new(FALSE, FALSE, sizeof(uint64_t));

	/* Only pages inside a VMA can be present; huge untouched VMAs are not scanned. */
	vma_iter_init(&vmi, env->mm, start);
	while ((vma = vma_next(&vmi)) && vma->vm_start < end) {
		uint64_t s = MAX(vma->vm_start, start), e = MIN(vma->vm_end, end);

		scanned += (e - s) / env->page;
		if (scanned > FAKE_SCAN_MAX_PAGES) {
			g_array_free(snap->present, TRUE);
			snap->present = NULL;
			return;
		}
		for (uint64_t va = s; va < e; va += env->page)
			if (fake_is_mapped(env, va))
				g_array_append_val(snap->present, va);
	}
}

void fake_snap_release(struct fake_snap *snap)
{
	if (snap->present)
		g_array_free(snap->present, TRUE);
	snap->present = NULL;
}

static bool fake_flushed(const struct fake_env *env, guint from, uint64_t va)
{
	for (guint i = from; i < env->flushes->len; i++) {
		const struct fake_flush *f = fake_flush_at(env, i);

		if (f->all || (va >= f->start && va < f->end))
			return true;
	}
	return false;
}

void fake_snap_check(struct fake_env *env, struct fake_snap *snap)
{
	struct mm_struct *mm = env->mm;
	uint64_t after = fake_phys_in_use(env);
	guint first = snap->nr_flushes, n = env->flushes->len - first;
	uint64_t tables_freed = 0, asked;

	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++)
		tables_freed += mm->stats.tables_freed[l] - snap->stats.tables_freed[l];

	/* Each flush recorded was counted, once. */
	asked = mm->stats.tlb_flush_all + mm->stats.tlb_flush_range -
		snap->stats.tlb_flush_all - snap->stats.tlb_flush_range;
	g_assert_cmpuint(asked, ==, n);

	if (mm->no_tlb_flush) {
		g_assert_cmpuint(n, ==, 0);
		fake_snap_release(snap);
		return;
	}

	if (snap->present) {
		for (guint i = 0; i < snap->present->len; i++) {
			uint64_t va = g_array_index(snap->present, uint64_t, i);

			/* The range is gone; a new MAP_FIXED mapping is not populated either. */
			fake_expect_unmapped(env, va);
			if (!fake_flushed(env, first, va))
				g_test_message("0x%" G_GINT64_MODIFIER "x was cleared but never flushed",
					       va);
			g_assert_true(fake_flushed(env, first, va));
		}
	}

	if (after < snap->phys_in_use) {
		/* Something was freed: a flush came first, and saw it all still in use. */
		g_assert_cmpuint(n, >, 0);
		if (fake_flush_at(env, first)->phys_in_use != snap->phys_in_use)
			g_test_message("first flush saw %" G_GUINT64_FORMAT " frames in use, %"
				       G_GUINT64_FORMAT " before the teardown: freed before flushing",
				       fake_flush_at(env, first)->phys_in_use, snap->phys_in_use);
		g_assert_cmpuint(fake_flush_at(env, first)->phys_in_use, ==, snap->phys_in_use);
		for (guint i = first; i < env->flushes->len; i++)
			g_assert_cmpuint(fake_flush_at(env, i)->phys_in_use, <=, snap->phys_in_use);
	}

	if (tables_freed) {
		/* Some walk-cache flush happened while the table pages were still allocated. */
		bool found = false;

		for (guint i = first; i < env->flushes->len; i++) {
			const struct fake_flush *f = fake_flush_at(env, i);

			if ((f->all || f->freed_tables) && f->phys_in_use >= after + tables_freed)
				found = true;
		}
		if (!found)
			g_test_message("%" G_GUINT64_FORMAT " table pages freed without a prior "
				       "walk-cache flush", tables_freed);
		g_assert_true(found);
	}
	fake_snap_release(snap);
}

void fake_munmap(struct fake_env *env, uint64_t start, uint64_t len)
{
	struct fake_snap snap;
	uint64_t end = start + ((len + env->page - 1) & ~(env->page - 1));

	fake_snap_take(env, &snap, start, end);
	g_assert_cmpint(do_munmap(env->mm, start, len), ==, 0);
	g_assert_null(vma_lookup(env->mm, start));
	g_assert_null(vma_lookup(env->mm, end - 1));
	fake_snap_check(env, &snap);
	fake_check(env);
}

void fake_map(struct fake_env *env, uint64_t addr, uint64_t len, unsigned prot)
{
	struct fake_snap snap;
	int64_t ret;

	fake_snap_take(env, &snap, addr, addr + len);
	ret = do_mmap(env->mm, addr, len, prot,
		      MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX | MAP_FIXED_LINUX, 0);
	if (ret != (int64_t)addr)
		g_test_message("mmap(0x%" G_GINT64_MODIFIER "x, 0x%" G_GINT64_MODIFIER
			       "x, %u, MAP_FIXED) = %" G_GINT64_FORMAT, addr, len, prot, ret);
	g_assert_cmpint(ret, ==, (int64_t)addr);
	g_assert_nonnull(vma_lookup(env->mm, addr));
	g_assert_nonnull(vma_lookup(env->mm, addr + len - 1));
	fake_snap_check(env, &snap);
	fake_check(env);
}
