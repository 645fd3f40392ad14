/* SPDX-License-Identifier: MIT */
/*
 * tlbcheck.c - a detector for missing TLB flushes.
 *
 * The emulator's TLB is out of our sight: a hit never calls us. So we keep a shadow of it:
 * every translation mm_fill_tlb() hands out is recorded, with the frame it maps and the
 * table pages its walk went through, and the whole shadow is dropped whenever the emulator
 * is really flushed. If teardown then frees a frame or a table page that the shadow still
 * reaches, the emulator could still be using it: a use-after-free through the TLB, which is
 * reported with the address that reaches it.
 */
#include "mm/internal.h"

struct shadow_entry {
	uint64_t vpage;
	uint64_t ppage;
	unsigned prot;
	unsigned nr_tables;
	uint64_t tables[ARCH_MAX_LEVELS];
};

struct tlb_shadow {
	GHashTable *entries;	/* vpage -> struct shadow_entry */
	GHashTable *frames;	/* ppage or table page -> number of entries reaching it */
};

static struct tlb_shadow *shadow_of(struct mm_struct *mm)
{
	struct tlb_shadow *s = mm->shadow;

	if (!s) {
		s = g_new0(struct tlb_shadow, 1);
		s->entries = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
		s->frames = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
		mm->shadow = s;
	}
	return s;
}

static void frames_adjust(struct tlb_shadow *s, uint64_t paddr, int delta)
{
	gpointer key, value;
	uintptr_t n = 0;

	if (g_hash_table_lookup_extended(s->frames, &paddr, &key, &value))
		n = (uintptr_t)value;
	n += (uintptr_t)(intptr_t)delta;
	if (n)
		g_hash_table_replace(s->frames, g_memdup2(&paddr, sizeof(paddr)), (gpointer)n);
	else
		g_hash_table_remove(s->frames, &paddr);
}

static void entry_release(struct tlb_shadow *s, struct shadow_entry *e)
{
	frames_adjust(s, e->ppage, -1);
	for (unsigned i = 0; i < e->nr_tables; i++)
		frames_adjust(s, e->tables[i], -1);
}

void tlb_shadow_fill(struct mm_struct *mm, uint64_t va, const struct arch_walk *w)
{
	struct tlb_shadow *s = shadow_of(mm);
	struct shadow_entry *e = g_new0(struct shadow_entry, 1), *old;

	e->vpage = va & mm_page_mask(mm);
	e->ppage = w->paddr & mm_page_mask(mm);
	e->prot = w->tlb_prot;
	/* The table pages this translation was read from: entry addresses, rounded down. */
	for (unsigned i = 0; i < w->nr_levels && i < ARCH_MAX_LEVELS; i++)
		e->tables[e->nr_tables++] = w->entry_paddr[i] & mm_page_mask(mm);
	old = g_hash_table_lookup(s->entries, &e->vpage);
	if (old)
		entry_release(s, old);
	frames_adjust(s, e->ppage, 1);
	for (unsigned i = 0; i < e->nr_tables; i++)
		frames_adjust(s, e->tables[i], 1);
	g_hash_table_replace(s->entries, &e->vpage, e);
}

void tlb_shadow_flush(struct mm_struct *mm)
{
	struct tlb_shadow *s = mm->shadow;

	if (!s)
		return;
	g_hash_table_remove_all(s->entries);
	g_hash_table_remove_all(s->frames);
}

void tlb_shadow_free(struct mm_struct *mm, uint64_t paddr, int level)
{
	struct tlb_shadow *s = mm->shadow;
	const struct mm_unmap_record *r;
	struct shadow_entry *e = NULL;
	GHashTableIter it;
	gpointer value;

	if (!s || !g_hash_table_contains(s->frames, &paddr))
		return;
	/* Find one address that reaches it, to name in the report. */
	g_hash_table_iter_init(&it, s->entries);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		struct shadow_entry *c = value;
		bool hit = c->ppage == paddr && level < 0;

		for (unsigned i = 0; i < c->nr_tables && !hit; i++)
			hit = c->tables[i] == paddr;
		if (hit) {
			e = c;
			break;
		}
	}
	mm->stale_tlb_reports++;
	if (!mm->report || !e)
		return;
	r = mm_find_unmap(mm, e->vpage);
	fprintf(mm->report, "mmuemu: stale TLB: %s %#" PRIx64 " freed while the emulator TLB "
		"still translates %#" PRIx64 " through it (no flush since it was cleared",
		level < 0 ? "frame" : mm->arch->level_name[level], paddr, e->vpage);
	if (r)
		fprintf(mm->report, "; cleared by %s(%#" PRIx64 ", %#" PRIx64 ") = mm operation #%"
			PRIu64, r->op, r->arg_addr, r->arg_len, r->seq);
	fprintf(mm->report, ")\n");
}

int mm_tlb_shadow_check(struct mm_struct *mm, uint64_t va, mm_access_t access, char *msg,
			size_t len)
{
	struct tlb_shadow *s = mm->shadow;
	uint64_t vpage = va & mm_page_mask(mm);
	struct shadow_entry *e;
	struct arch_walk w;

	if (!s || !(e = g_hash_table_lookup(s->entries, &vpage)))
		return 0;
	if (mm_walk(mm, va, access, &w) == ARCH_WALK_OK &&
	    (w.paddr & mm_page_mask(mm)) == e->ppage)
		return 0;
	snprintf(msg, len, "%s of %#" PRIx64 " served by a stale TLB entry (frame %#" PRIx64
		 ") that the page tables no longer hold", access == MM_PROT_WRITE ? "write" :
		 access == MM_PROT_EXEC ? "fetch" : "read", va, e->ppage);
	return 1;
}

void tlb_shadow_destroy(struct mm_struct *mm)
{
	struct tlb_shadow *s = mm->shadow;

	if (!s)
		return;
	g_hash_table_destroy(s->entries);
	g_hash_table_destroy(s->frames);
	g_free(s);
	mm->shadow = NULL;
}
