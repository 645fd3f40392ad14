/* SPDX-License-Identifier: MIT */
/*
 * debug.c - mm_validate(): the invariants a correct address space keeps, checked from the
 * raw tables (the role of the kernel's CONFIG_DEBUG_VM and validate_mm()).
 *
 * It trusts nothing it can recompute: table pages are found by walking from the root, and
 * frame references by counting the leaves that point at them; both are then compared with
 * the counters and reference counts that the rest of mm/ keeps.
 */
#include <stdarg.h>
#include <string.h>

#include "mm/internal.h"

struct validate {
	struct mm_struct *mm;
	uint8_t *is_table;		/* per frame: reached as a table page */
	uint32_t *refs;			/* per frame: leaves and caches pointing at it */
	uint32_t *maps;			/* per frame: leaves pointing at it */
	uint64_t n;			/* frames the arrays cover: all ever handed out */
	unsigned long tables[ARCH_MAX_LEVELS];
	char *msg;
	size_t len;
	int err;
};

static int __attribute__((format(printf, 2, 3))) fail(struct validate *v, const char *fmt, ...)
{
	va_list ap;

	if (v->err)
		return v->err;
	va_start(ap, fmt);
	if (v->msg && v->len)
		vsnprintf(v->msg, v->len, fmt, ap);
	va_end(ap);
	v->err = -EUCLEAN;
	return v->err;
}

static int validate_vmas(struct validate *v)
{
	struct mm_struct *mm = v->mm;
	struct vm_area_struct *vma, *prev = NULL;
	GTreeNode *node;
	int count = 0;

	/* In tree order, not by address lookups: a VMA nested in another must show up too. */
	for (node = g_tree_node_first(mm->vma_tree); node; node = g_tree_node_next(node)) {
		vma = g_tree_node_value(node);
		if (vma->vm_start >= vma->vm_end || (vma->vm_start | vma->vm_end) & ~mm_page_mask(mm))
			return fail(v, "vma [%#" PRIx64 ", %#" PRIx64 ") is empty or not page-aligned",
				    vma->vm_start, vma->vm_end);
		if (vma->vm_end > mm->arch->task_size)
			return fail(v, "vma [%#" PRIx64 ", %#" PRIx64 ") reaches past TASK_SIZE",
				    vma->vm_start, vma->vm_end);
		if (prev && prev->vm_end > vma->vm_start)
			return fail(v, "vmas [%#" PRIx64 ", %#" PRIx64 ") and [%#" PRIx64 ", %#" PRIx64
				    ") overlap or are out of order", prev->vm_start, prev->vm_end,
				    vma->vm_start, vma->vm_end);
		if (vma->detached || vma->vm_mm != mm)
			return fail(v, "vma [%#" PRIx64 ", %#" PRIx64 ") in the tree is detached",
				    vma->vm_start, vma->vm_end);
		prev = vma;
		count++;
	}
	if (count != mm->map_count)
		return fail(v, "%d vmas in the tree but map_count is %d", count, mm->map_count);
	return 0;
}

/* The VMA prot a leaf may grant: x86 cannot map write-only or exec-only without read. */
static unsigned prot_allowed(unsigned vma_prot)
{
	return vma_prot ? vma_prot | MM_PROT_READ : 0;
}

static int validate_table(struct validate *v, uint64_t table, unsigned level, uint64_t base)
{
	struct mm_struct *mm = v->mm;
	const struct arch_mmu *a = mm->arch;
	struct mm_phys *phys = mm->phys;
	uint64_t pfn = table >> phys->page_shift;
	uint64_t span = arch_table_span(a, level);

	if (!pfn || pfn >= phys->nr_frames)
		return fail(v, "%s table at %#" PRIx64 " lies outside guest memory",
			    a->level_name[level], table);
	if (pfn >= v->n)	/* never handed out */
		return fail(v, "%s table page %#" PRIx64 " has reference count 0",
			    a->level_name[level], table);
	if (v->is_table[pfn])
		return fail(v, "%s table page %#" PRIx64 " is reachable twice", a->level_name[level],
			    table);
	if (phys->pages[pfn]._refcount != 1)
		return fail(v, "%s table page %#" PRIx64 " has reference count %u",
			    a->level_name[level], table, phys->pages[pfn]._refcount);
	v->is_table[pfn] = 1;
	v->tables[level]++;
	if (level && !find_vma_intersection(mm, base, base + span))
		return fail(v, "%s table page %#" PRIx64 " covers [%#" PRIx64 ", %#" PRIx64
			    ") where no vma is: free_pgtables should have freed it",
			    a->level_name[level], table, base, base + span);

	for (unsigned i = 0; i < arch_ptrs_per_table(a, level); i++) {
		uint64_t e = *pt_entry(mm, table, i);
		uint64_t va = base + ((uint64_t)i << a->shift[level]);
		struct vm_area_struct *vma;

		if (!e)
			continue;
		if (!a->entry_present(e, level))
			return fail(v, "%s entry for %#" PRIx64 " is neither none nor present: %#" PRIx64,
				    a->level_name[level], va, e);
		if (level < a->levels - 1) {
			if (!a->entry_is_table(e, level))
				return fail(v, "%s entry for %#" PRIx64 " is a block mapping: "
					    "entry %#" PRIx64 ", frame %#" PRIx64 "%s",
					    a->level_name[level], va, e, a->entry_paddr(e),
					    phys_holds(phys, a->entry_paddr(e),
						       arch_level_size(a, level)) ? "" :
					    " (outside guest memory)");
			if (validate_table(v, a->entry_paddr(e), level + 1, va))
				return v->err;
			continue;
		}
		vma = vma_lookup(mm, va);
		if (!vma)
			return fail(v, "present entry for %#" PRIx64 " lies in no vma", va);
		if (a->leaf_prot(e) & ~prot_allowed(vm_flags_to_prot(vma->vm_flags)))
			return fail(v, "entry for %#" PRIx64 " grants more than its vma [%#" PRIx64
				    ", %#" PRIx64 ") allows", va, vma->vm_start, vma->vm_end);
		pfn = a->entry_paddr(e) >> phys->page_shift;
		if (!pfn || pfn >= phys->nr_frames)
			return fail(v, "%s entry for %#" PRIx64 " maps a frame outside guest memory: "
				    "entry %#" PRIx64 ", frame %#" PRIx64, a->level_name[level], va,
				    e, a->entry_paddr(e));
		if (pfn >= v->n)
			return fail(v, "frame %#" PRIx64 " has reference count 0 but 1 entries and "
				    "caches hold it", pfn << phys->page_shift);
		/* Copy-on-write: a private entry may write only to a frame that is its alone. */
		if ((a->leaf_prot(e) & MM_PROT_WRITE) && is_cow_mapping(vma->vm_flags) &&
		    !page_exclusive(phys, a->entry_paddr(e)))
			return fail(v, "writable entry for %#" PRIx64 " in private vma [%#" PRIx64
				    ", %#" PRIx64 ") maps frame %#" PRIx64 " that is not its alone "
				    "(%s, reference count %u): a write would not copy", va,
				    vma->vm_start, vma->vm_end, a->entry_paddr(e),
				    PageAnon(phys, a->entry_paddr(e)) ? "anonymous" : "page cache",
				    page_count(phys, a->entry_paddr(e)));
		v->refs[pfn]++;
		v->maps[pfn]++;
	}
	return 0;
}

/* validate_mm() - @mm's VMAs and tables, its leaves added into @v's per-frame counts. */
static int validate_mm(struct validate *v, struct mm_struct *mm)
{
	v->mm = mm;
	memset(v->tables, 0, sizeof(v->tables));
	if (validate_vmas(v))
		return v->err;
	if (!mm->pgd)
		return mm->map_count ? fail(v, "no root table but %d vmas", mm->map_count) : 0;
	if (validate_table(v, mm->pgd, 0, 0))
		return v->err;
	for (unsigned l = 0; l < mm->arch->levels; l++) {
		uint64_t counted = mm->stats.tables_alloc[l] - mm->stats.tables_freed[l];

		if (v->tables[l] != counted)
			return fail(v, "%lu %s table pages reachable but %" PRIu64 " counted in use",
				    v->tables[l], mm->arch->level_name[l], counted);
	}
	return 0;
}

static void validate_init(struct validate *v, struct mm_phys *phys, char *msg, size_t len)
{
	*v = (struct validate){ .msg = msg, .len = len };
	if (msg && len)
		msg[0] = 0;
	/* Frames never handed out hold nothing: the work follows what the machine has used. */
	v->n = phys->next_unused;
	v->is_table = g_malloc0(v->n);
	v->refs = g_new0(uint32_t, v->n);
	v->maps = g_new0(uint32_t, v->n);
}

static void validate_release(struct validate *v)
{
	g_free(v->is_table);
	g_free(v->refs);
	g_free(v->maps);
}

/*
 * validate_frames() - compare what was counted with every frame's struct page: @exact when
 * all holders were counted (the machine, or an mm alone on it), else "at least", as other
 * mms may hold the rest. Return: the data frames counted.
 */
static uint64_t validate_frames(struct validate *v, struct mm_phys *phys, bool exact)
{
	uint64_t frames = 0;

	for (uint64_t pfn = 1; pfn < v->n && !v->err; pfn++) {
		const struct page *page = &phys->pages[pfn];

		if (!v->refs[pfn])
			continue;
		if (v->is_table[pfn]) {
			fail(v, "frame %#" PRIx64 " is both a table page and mapped data",
			     pfn << phys->page_shift);
			break;
		}
		if (exact ? page->_refcount != v->refs[pfn] : page->_refcount < v->refs[pfn])
			fail(v, "frame %#" PRIx64 " has reference count %u but %u entries and caches "
			     "hold it", pfn << phys->page_shift, page->_refcount, v->refs[pfn]);
		else if (exact ? page->_mapcount != v->maps[pfn] : page->_mapcount < v->maps[pfn])
			fail(v, "frame %#" PRIx64 " has map count %u but %u entries map it",
			     pfn << phys->page_shift, page->_mapcount, v->maps[pfn]);
		frames++;
	}
	return frames;
}

int mm_validate(struct mm_struct *mm, char *msg, size_t len)
{
	struct mm_phys *phys = mm->phys;
	/* Alone on its machine, the mm must account for every frame; else only for its own. */
	bool alone = phys->nr_mms <= 1;
	struct validate v;
	uint64_t frames;

	validate_init(&v, phys, msg, len);
	if (validate_mm(&v, mm) || !mm->pgd)
		goto out;
	{
		/* Frames a shared object caches hold one reference of the object's own. */
		GHashTable *seen = g_hash_table_new(NULL, NULL);
		struct vma_iterator vmi;
		struct vm_area_struct *vma;

		vma_iter_init(&vmi, mm, 0);
		while ((vma = vma_next(&vmi)))
			if (vma->vm_file && g_hash_table_add(seen, vma->vm_file))
				mm_file_cache_refs(vma->vm_file, v.refs, phys->page_shift);
		g_hash_table_destroy(seen);
	}
	frames = validate_frames(&v, phys, alone);
	if (v.err || !alone)
		goto out;
	/* Only one mm ever on the machine: every data frame is its own, and counted by it. */
	if (phys->mms_created == 1 && frames != mm->stats.frames_in_use) {
		fail(&v, "%" PRIu64 " frames mapped but %" PRIu64 " counted in use", frames,
		     mm->stats.frames_in_use);
		goto out;
	}
	/* One address space on the machine: every frame handed out must be reachable. */
	if (phys->in_use != frames + mm->stats.tables_in_use)
		fail(&v, "%" PRIu64 " frames allocated but only %" PRIu64 " reachable: a leak",
		     phys->in_use, frames + mm->stats.tables_in_use);
out:
	validate_release(&v);
	return v.err;
}

int mm_phys_validate(struct mm_phys *phys, char *msg, size_t len)
{
	struct validate v;
	GHashTableIter it;
	gpointer file;
	uint64_t frames, tables = 0;

	validate_init(&v, phys, msg, len);
	for (guint i = 0; i < phys->mms->len && !v.err; i++) {
		struct mm_struct *mm = g_ptr_array_index(phys->mms, i);

		if (!mm || validate_mm(&v, mm))
			continue;
		tables += mm->stats.tables_in_use;
	}
	if (v.err)
		goto out;
	/* The page cache: each object with cached frames holds one reference to each. */
	g_hash_table_iter_init(&it, phys->cached);
	while (g_hash_table_iter_next(&it, &file, NULL))
		mm_file_cache_refs(file, v.refs, phys->page_shift);
	frames = validate_frames(&v, phys, true);
	if (v.err)
		goto out;
	if (tables != phys->tables_in_use)
		fail(&v, "%" PRIu64 " table pages reachable from %u mms but %" PRIu64 " in use",
		     tables, phys->nr_mms, phys->tables_in_use);
	else if (phys->in_use != frames + tables)
		fail(&v, "%" PRIu64 " frames allocated but only %" PRIu64 " reachable from %u mms "
		     "and the page cache: a leak", phys->in_use, frames + tables, phys->nr_mms);
out:
	validate_release(&v);
	return v.err;
}
