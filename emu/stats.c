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
 * Side by side, one column per run, in the command line's order. Levels are matched by
 * depth from the root; where the architectures name a level differently the row says each
 * name once, "tables_alloc.PML4/L0"; a run without that level shows "-".
 */
void emu_stats_compare(const struct emu_result *const *res, unsigned n, FILE *out)
{
	char names[ARCH_MAX_LEVELS][64];
	const char *level_names[ARCH_MAX_LEVELS];
	GArray **rows = g_new0(GArray *, n);
	int width = 6;

	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++) {
		names[l][0] = '\0';
		for (unsigned k = 0; k < n; k++) {
			const struct arch_mmu *m = res[k]->arch->mmu;
			const char *nm = l < m->levels ? m->level_name[l] : NULL;
			bool seen = false;

			for (unsigned j = 0; nm && j < k; j++) {
				const struct arch_mmu *mj = res[j]->arch->mmu;

				seen = seen || (l < mj->levels && !strcmp(mj->level_name[l], nm));
			}
			if (!nm || seen)
				continue;
			if (names[l][0])
				g_strlcat(names[l], "/", sizeof(names[l]));
			g_strlcat(names[l], nm, sizeof(names[l]));
		}
		level_names[l] = names[l][0] ? names[l] : NULL;
	}
	for (unsigned k = 0; k < n; k++) {
		rows[k] = stats_rows(res[k], level_names);
		g_assert(rows[k]->len == rows[0]->len);
	}
	for (guint i = 0; i < rows[0]->len; i++) {
		int w = (int)strlen(g_array_index(rows[0], struct stat_row, i).key);

		width = MAX(width, w);
	}

	fputs("# mmuemu compare:", out);
	for (unsigned k = 0; k < n; k++)
		fprintf(out, "%s %s %s", k ? " |" : "", res[k]->arch->name, res[k]->path);
	fprintf(out, "\n%-*s", width, "metric");
	for (unsigned k = 0; k < n; k++)
		fprintf(out, "  %14s", res[k]->arch->name);
	fputc('\n', out);
	for (guint i = 0; i < rows[0]->len; i++) {
		fprintf(out, "%-*s", width, g_array_index(rows[0], struct stat_row, i).key);
		for (unsigned k = 0; k < n; k++) {
			const struct stat_row *x = &g_array_index(rows[k], struct stat_row, i);
			char v[24] = "-";

			if (x->present)
				snprintf(v, sizeof(v), "%" PRIu64, x->value);
			fprintf(out, "  %14s", v);
		}
		fputc('\n', out);
	}
	for (unsigned k = 0; k < n; k++)
		g_array_free(rows[k], TRUE);
	g_free(rows);
	fflush(out);
}
