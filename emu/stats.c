/* SPDX-License-Identifier: MIT */
/*
 * stats.c - --stats and the --compare table.
 *
 * One "key value" pair per line after a "# mmuemu stats: ARCH PROGRAM" header, so that a
 * test can pick a value with awk '$1=="tables_freed.PT"{print $2}'. The keys, in order:
 *
 *   page_faults segv_faults pte_written pte_cleared table_entries_written
 *   table_entries_cleared tables_alloc.<LEVEL>... tables_freed.<LEVEL>... (root first)
 *   tables_alloc tables_freed tables_in_use tables_peak frames_in_use frames_peak
 *   guest_memory_peak_kib tlb_fills tlb_flushes tlb_flushes_skipped code_flushes
 *   arch_tlb_invalidations arch_tlb_invalidations_full syscalls mmap munmap mprotect brk
 *
 * The values are taken after exit_mmap(), so tables_in_use and frames_in_use are 0 after
 * any run that frees what it maps: the leak check. mmap, munmap, mprotect and brk count the
 * guest's system calls; tlb_flushes counts the full flushes the engine performed for mm/
 * (Unicorn 2.1.1 has no ranged flush), while arch_tlb_invalidations counts what the
 * architecture's Linux would issue for the same teardowns (INVLPG per page or one CR3 reload
 * on x86_64; TLBI VALE1IS/VAE1IS per page or one ASIDE1IS on arm64), and _full how many of
 * those were whole-TLB or whole-ASID flushes; tlb_fills counts the engine's TLB misses, and since
 * Unicorn's arm64 TLB entries cover 1 KiB, an arm64 guest page can take up to four.
 */
#include <inttypes.h>
#include <string.h>

#include <glib.h>

#include "emu/emu.h"

struct stat_row {
	char key[48];
	uint64_t value;
	bool present;
};

/* The rows of @r; level rows get @level_names (the same array for both sides of a table). */
static GArray *stats_rows(const struct emu_result *r, const char *const *level_names)
{
	const struct arch_mmu *mmu = r->arch->mmu;
	const struct mm_stats *m = &r->mm;
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct stat_row));
	uint64_t alloc = 0, freed = 0;

#define ROW(name, v) do {                                                       \
		struct stat_row row_ = { .value = (v), .present = true };        \
		g_strlcpy(row_.key, (name), sizeof(row_.key));                   \
		g_array_append_val(rows, row_);                                   \
	} while (0)

	ROW("page_faults", m->faults);
	ROW("segv_faults", m->faults_segv);
	ROW("pte_written", m->pte_written);
	ROW("pte_cleared", m->pte_cleared);
	ROW("table_entries_written", m->table_entries_written);
	ROW("table_entries_cleared", m->table_entries_cleared);
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++) {
			const char *name = level_names ? level_names[l] :
					   l < mmu->levels ? mmu->level_name[l] : NULL;
			struct stat_row row = { .present = l < mmu->levels };

			if (!name)
				continue;
			snprintf(row.key, sizeof(row.key), "%s.%s",
				 pass ? "tables_freed" : "tables_alloc", name);
			if (row.present)
				row.value = pass ? m->tables_freed[l] : m->tables_alloc[l];
			g_array_append_val(rows, row);
		}
	}
	for (unsigned l = 0; l < mmu->levels && l < ARCH_MAX_LEVELS; l++) {
		alloc += m->tables_alloc[l];
		freed += m->tables_freed[l];
	}
	ROW("tables_alloc", alloc);
	ROW("tables_freed", freed);
	ROW("tables_in_use", m->tables_in_use);
	ROW("tables_peak", m->tables_peak);
	ROW("frames_in_use", m->frames_in_use);
	ROW("frames_peak", m->frames_peak);
	ROW("guest_memory_peak_kib", (m->frames_peak + m->tables_peak) * arch_page_size(mmu) / 1024);
	ROW("tlb_fills", r->count.tlb_fills);
	ROW("tlb_flushes", r->count.tlb_flushes);
	ROW("tlb_flushes_skipped", m->tlb_flush_skipped);
	ROW("code_flushes", r->count.code_flushes);
	ROW("arch_tlb_invalidations", m->tlb_flush_ops);
	ROW("arch_tlb_invalidations_full", m->tlb_flush_ops_full);
	ROW("syscalls", r->count.syscalls);
	ROW("mmap", r->count.sys_mmap);
	ROW("munmap", r->count.sys_munmap);
	ROW("mprotect", r->count.sys_mprotect);
	ROW("brk", r->count.sys_brk);
#undef ROW
	return rows;
}

void emu_stats_print(const struct emu_result *r, FILE *out)
{
	GArray *rows = stats_rows(r, NULL);

	fprintf(out, "# mmuemu stats: %s %s\n", r->arch->name, r->path);
	for (guint i = 0; i < rows->len; i++) {
		const struct stat_row *row = &g_array_index(rows, struct stat_row, i);

		fprintf(out, "%s %" PRIu64 "\n", row->key, row->value);
	}
	g_array_free(rows, TRUE);
	fflush(out);
}

/*
 * Side by side. Levels are matched by depth from the root; where the two architectures
 * name a level differently the row says both, "tables_alloc.PML4/L0".
 */
void emu_stats_compare(const struct emu_result *a, const struct emu_result *b, FILE *out)
{
	const struct arch_mmu *ma = a->arch->mmu, *mb = b->arch->mmu;
	char names[ARCH_MAX_LEVELS][40];
	const char *level_names[ARCH_MAX_LEVELS];
	GArray *ra, *rb;
	int width = 6;

	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++) {
		const char *na = l < ma->levels ? ma->level_name[l] : NULL;
		const char *nb = l < mb->levels ? mb->level_name[l] : NULL;

		if (na && nb && strcmp(na, nb))
			snprintf(names[l], sizeof(names[l]), "%s/%s", na, nb);
		else
			g_strlcpy(names[l], na ? na : nb ? nb : "", sizeof(names[l]));
		level_names[l] = names[l][0] ? names[l] : NULL;
	}
	ra = stats_rows(a, level_names);
	rb = stats_rows(b, level_names);
	g_assert(ra->len == rb->len);
	for (guint i = 0; i < ra->len; i++) {
		int w = (int)strlen(g_array_index(ra, struct stat_row, i).key);

		width = MAX(width, w);
	}

	fprintf(out, "# mmuemu compare: %s %s | %s %s\n", a->arch->name, a->path, b->arch->name,
		b->path);
	fprintf(out, "%-*s  %14s  %14s\n", width, "metric", a->arch->name, b->arch->name);
	for (guint i = 0; i < ra->len; i++) {
		const struct stat_row *x = &g_array_index(ra, struct stat_row, i);
		const struct stat_row *y = &g_array_index(rb, struct stat_row, i);
		char vx[24] = "-", vy[24] = "-";

		if (x->present)
			snprintf(vx, sizeof(vx), "%" PRIu64, x->value);
		if (y->present)
			snprintf(vy, sizeof(vy), "%" PRIu64, y->value);
		fprintf(out, "%-*s  %14s  %14s\n", width, x->key, vx, vy);
	}
	g_array_free(ra, TRUE);
	g_array_free(rb, TRUE);
	fflush(out);
}
