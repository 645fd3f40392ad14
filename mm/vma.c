/* SPDX-License-Identifier: MIT */
/*
 * vma.c - the VMA tree, splitting and merging, and the munmap teardown path.
 *
 * The teardown follows the kernel's mm/vma.c after the unmap_desc series:
 *
 *   do_vmi_munmap
 *     do_vmi_align_munmap
 *       vms_gather_munmap_vmas    split at both ends, move the VMAs to a side tree
 *       (remove them from the mm's tree: from here on faults see a hole)
 *       vms_complete_munmap_vmas
 *         vms_clear_ptes          build the unmap_desc over the side tree
 *           unmap_region          gather -> unmap_vmas -> free_pgtables -> finish (flush, free)
 *         remove_vma each
 *
 * Floor and ceiling for freeing tables come from the surviving neighbours, taken while
 * gathering; a table page that still maps part of a neighbour is therefore kept.
 */
#include <string.h>

#include "mm/internal.h"

/* ---- the tree ---- */

static gint vma_cmp(gconstpointer a, gconstpointer b)
{
	const struct vm_area_struct *x = a, *y = b;

	return x->vm_start < y->vm_start ? -1 : x->vm_start > y->vm_start;
}

GTree *vma_tree_new(void);
GTree *vma_tree_new(void)
{
	return g_tree_new(vma_cmp);
}

static GTree *mm_tree(struct mm_struct *mm)
{
	return mm->vma_tree;
}

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *vma = g_new0(struct vm_area_struct, 1);

	vma->vm_mm = mm;
	return vma;
}

struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig)
{
	struct vm_area_struct *vma = g_new(struct vm_area_struct, 1);

	*vma = *orig;
	vma->vm_name = g_strdup(orig->vm_name);
	if (vma->vm_file)
		mm_file_get(vma->vm_file);
	return vma;
}

void vm_area_free(struct vm_area_struct *vma)
{
	if (!vma)
		return;
	g_free(vma->vm_name);
	mm_file_put(vma->vm_file);
	g_free(vma);
}

void vma_tree_insert(struct mm_struct *mm, struct vm_area_struct *vma)
{
	vma->detached = false;
	g_tree_insert(mm_tree(mm), vma, vma);
}

void vma_tree_remove(struct mm_struct *mm, struct vm_area_struct *vma)
{
	gboolean found = g_tree_remove(mm_tree(mm), vma);

	g_assert(found);
	mm_gap_cache_reset(mm);
}

/* The node of the last VMA starting at or below @addr, or NULL. */
static GTreeNode *node_at_or_below(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct key = { .vm_start = addr };
	GTreeNode *above = g_tree_upper_bound(mm_tree(mm), &key);

	return above ? g_tree_node_previous(above) : g_tree_node_last(mm_tree(mm));
}

static struct vm_area_struct *node_vma(GTreeNode *node)
{
	return node ? g_tree_node_value(node) : NULL;
}

struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr)
{
	GTreeNode *node = node_at_or_below(mm, addr);
	struct vm_area_struct *vma = node_vma(node);

	if (vma && vma->vm_end > addr)
		return vma;
	node = node ? g_tree_node_next(node) : g_tree_node_first(mm_tree(mm));
	return node_vma(node);
}

struct vm_area_struct *find_vma_prev(struct mm_struct *mm, uint64_t addr,
				     struct vm_area_struct **pprev)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	*pprev = vma ? vma_prev_of(mm, vma) : node_vma(g_tree_node_last(mm_tree(mm)));
	return vma;
}

struct vm_area_struct *vma_lookup(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	return vma && vma->vm_start <= addr ? vma : NULL;
}

struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma = find_vma(mm, start);

	return vma && vma->vm_start < end ? vma : NULL;
}

struct vm_area_struct *vma_prev_of(struct mm_struct *mm, struct vm_area_struct *vma)
{
	GTreeNode *node = g_tree_lookup_node(mm_tree(mm), vma);

	return node ? node_vma(g_tree_node_previous(node)) : NULL;
}

struct vm_area_struct *vma_next_of(struct mm_struct *mm, struct vm_area_struct *vma)
{
	GTreeNode *node = g_tree_lookup_node(mm_tree(mm), vma);

	return node ? node_vma(g_tree_node_next(node)) : NULL;
}

void vma_iter_init(struct vma_iterator *vmi, struct mm_struct *mm, uint64_t addr)
{
	vmi->mm = mm;
	vmi->index = addr;
	vmi->last_start = addr;
}

struct vm_area_struct *vma_next(struct vma_iterator *vmi)
{
	struct vm_area_struct *vma = find_vma(vmi->mm, vmi->index);

	if (vma) {
		vmi->index = vma->vm_end;
		vmi->last_start = vma->vm_start;
	}
	return vma;
}

struct vm_area_struct *vma_prev(struct vma_iterator *vmi)
{
	struct vm_area_struct *vma;

	if (!vmi->last_start)
		return NULL;
	vma = node_vma(node_at_or_below(vmi->mm, vmi->last_start - 1));
	if (vma) {
		vmi->index = vma->vm_end;
		vmi->last_start = vma->vm_start;
	}
	return vma;
}

/* ---- ma_state: one walk over either tree ---- */

void mas_set(struct ma_state *mas, uint64_t index)
{
	mas->index = index;
}

struct vm_area_struct *mas_find(struct ma_state *mas, uint64_t max)
{
	struct vm_area_struct *vma;

	if (mas->side) {
		if (mas->index >= mas->side->len || mas->index > max)
			return NULL;
		return g_ptr_array_index(mas->side, mas->index++);
	}
	if (mas->index > max)
		return NULL;
	{
		struct vm_area_struct key = { .vm_start = mas->index };
		GTreeNode *node = g_tree_upper_bound(mas->tree, &key);
		GTreeNode *below = node ? g_tree_node_previous(node) : g_tree_node_last(mas->tree);

		vma = node_vma(below);
		if (!vma || vma->vm_end <= mas->index)
			vma = node_vma(node);
	}
	if (!vma || vma->vm_start > max)
		return NULL;
	mas->index = vma->vm_end;
	return vma;
}

/* ---- splitting and merging ---- */

static uint64_t vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> vma->vm_mm->arch->page_shift;
}

/*
 * split_vma() - cut @vma at @addr. With @new_below the new VMA takes [vm_start, addr) and
 * @vma keeps the rest; otherwise the new VMA takes [addr, vm_end). Page tables are shared
 * by both halves and need no change.
 */
int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr, int new_below)
{
	struct vm_area_struct *new;

	if (MM_WARN_ON_ONCE(addr <= vma->vm_start || addr >= vma->vm_end))
		return -EINVAL;
	if (mm->map_count >= MM_MAX_MAP_COUNT)
		return -ENOMEM;

	new = vm_area_dup(vma);
	if (new_below) {
		new->vm_end = addr;
		/* Move @vma's start up first, so the tree never holds two equal keys. */
		vma->vm_pgoff += (addr - vma->vm_start) >> mm->arch->page_shift;
		vma->vm_start = addr;
	} else {
		new->vm_start = addr;
		new->vm_pgoff += (addr - vma->vm_start) >> mm->arch->page_shift;
		vma->vm_end = addr;
	}
	vma_tree_insert(mm, new);
	mm->map_count++;
	mm_trace(mm, "  split_vma at %#" PRIx64 ": [%#" PRIx64 ", %#" PRIx64 ") and [%#" PRIx64
		 ", %#" PRIx64 ")\n", addr, new_below ? new->vm_start : vma->vm_start,
		 new_below ? new->vm_end : vma->vm_end, new_below ? vma->vm_start : new->vm_start,
		 new_below ? vma->vm_end : new->vm_end);
	return 0;
}

bool vma_compatible(const struct vm_area_struct *a, uint64_t b_flags, const char *b_name,
		    const struct mm_file *b_file)
{
	if (a->vm_flags != b_flags || a->vm_file != b_file)
		return false;
	if (!a->vm_name || !b_name)
		return !a->vm_name && !b_name;
	return strcmp(a->vm_name, b_name) == 0;
}

static void vma_remove_merged(struct mm_struct *mm, struct vm_area_struct *vma)
{
	vma_tree_remove(mm, vma);
	vm_area_free(vma);
	mm->map_count--;
}

struct vm_area_struct *vma_modify(struct mm_struct *mm, struct vm_area_struct *vma,
				  uint64_t start, uint64_t end, uint64_t vm_flags,
				  const char *name)
{
	unsigned shift = mm->arch->page_shift;
	const char *newname = name ? name : vma->vm_name;
	struct vm_area_struct *prev = vma_prev_of(mm, vma);
	struct vm_area_struct *next = vma_next_of(mm, vma);
	uint64_t pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> shift);
	bool can_prev, can_next;

	can_prev = start == vma->vm_start && prev && prev->vm_end == start &&
		   vma_compatible(prev, vm_flags, newname, vma->vm_file) &&
		   prev->vm_pgoff + vma_pages(prev) == pgoff;
	can_next = end == vma->vm_end && next && next->vm_start == end &&
		   vma_compatible(next, vm_flags, newname, vma->vm_file) &&
		   pgoff + ((end - start) >> shift) == next->vm_pgoff;

	if (can_prev && can_next) {
		uint64_t next_end = next->vm_end;

		prev->anon_vma |= vma->anon_vma | next->anon_vma;
		vma_remove_merged(mm, vma);
		vma_remove_merged(mm, next);
		prev->vm_end = next_end;
		mm_trace(mm, "  merge: [%#" PRIx64 ", %#" PRIx64 ") joins both neighbours\n", start, end);
		return prev;
	}
	if (can_prev) {
		prev->vm_end = end;
		prev->anon_vma |= vma->anon_vma;
		if (end == vma->vm_end) {
			vma_remove_merged(mm, vma);
		} else {
			vma->vm_pgoff += (end - vma->vm_start) >> shift;
			vma->vm_start = end;
		}
		mm_trace(mm, "  merge: [%#" PRIx64 ", %#" PRIx64 ") joins the VMA below\n", start, end);
		return prev;
	}
	if (can_next) {
		next->anon_vma |= vma->anon_vma;
		/* Take @vma out before next's start moves down onto the same key. */
		if (start == vma->vm_start)
			vma_remove_merged(mm, vma);
		else
			vma->vm_end = start;
		next->vm_start = start;
		next->vm_pgoff = pgoff;
		mm_trace(mm, "  merge: [%#" PRIx64 ", %#" PRIx64 ") joins the VMA above\n", start, end);
		return next;
	}

	if (start > vma->vm_start && split_vma(mm, vma, start, 1))
		return NULL;
	if (end < vma->vm_end && split_vma(mm, vma, end, 0))
		return NULL;
	vma->vm_flags = vm_flags;
	if (name && newname != vma->vm_name) {
		g_free(vma->vm_name);
		vma->vm_name = g_strdup(name);
	}
	return vma;
}

/* ---- unmap_region and its parts ---- */

/*
 * unmap_all_init() - the descriptor exit_mmap() zaps with: every VMA from the first, the
 * whole address space for tables, a walk without end.
 */
void unmap_all_init(struct unmap_desc *unmap, struct ma_state *mas, struct vm_area_struct *vma)
{
	*unmap = (struct unmap_desc){
		.mas = mas,
		.first = vma,
		.pg_start = FIRST_USER_ADDRESS,
		.pg_end = USER_PGTABLES_CEILING,
		.vma_start = 0,
		.vma_end = ~UINT64_C(0),
		.tree_end = ~UINT64_C(0),
		.tree_reset = vma->vm_end,
		.mm_wr_locked = false,
	};
}

/*
 * unmap_pgtable_init() - before exit's free_pgtables(): rewind the walk and widen the VMA
 * and tree limits to the whole range user tables may cover.
 */
void unmap_pgtable_init(struct unmap_desc *unmap, struct ma_state *mas)
{
	mas_set(mas, unmap->tree_reset);
	unmap->vma_start = FIRST_USER_ADDRESS;
	unmap->vma_end = USER_PGTABLES_CEILING;
	unmap->tree_end = USER_PGTABLES_CEILING;
	unmap->mm_wr_locked = true;
}

static void unmap_single_vma(struct mmu_gather *tlb, struct vm_area_struct *vma,
			     uint64_t start_addr, uint64_t end_addr)
{
	uint64_t start = vma->vm_start > start_addr ? vma->vm_start : start_addr;
	uint64_t end = vma->vm_end < end_addr ? vma->vm_end : end_addr;

	if (start >= end)
		return;
	unmap_page_range(tlb, vma, start, end);
}

/**
 * unmap_vmas() - clear the leaf entries of a run of VMAs.
 * @tlb: the gather the cleared frames and the range to flush go into.
 * @unmap: what to clear: @unmap->first is the first VMA, and @unmap->mas, already placed
 *         after it, yields the next ones until @unmap->tree_end (an address in the mm's
 *         tree, or a count in a munmap's side array). Only [@unmap->vma_start,
 *         @unmap->vma_end) of each VMA is cleared.
 *
 * Every present leaf in that range is cleared and its frame handed to @tlb, which frees
 * it only after the flush. Table pages are left in place, even when they become empty:
 * free_pgtables() decides which go. The caller must reset @unmap->mas (to
 * @unmap->tree_reset) before it walks the same VMAs again.
 *
 * Context: inside a tlb_gather_mmu() / tlb_finish_mmu() pair, with the VMAs already out
 * of the mm's tree or about to be freed with it.
 */
void unmap_vmas(struct mmu_gather *tlb, struct unmap_desc *unmap)
{
	struct vm_area_struct *vma = unmap->first;

	mm_trace(tlb->mm, "  unmap_vmas [%#" PRIx64 ", %#" PRIx64 ")\n", unmap->vma_start,
		 unmap->vma_end);
	do {
		unmap_single_vma(tlb, vma, unmap->vma_start, unmap->vma_end);
		vma = mas_find(unmap->mas, unmap->tree_end - 1);
	} while (vma);
}

/**
 * free_pgtables() - free the table pages that no one but the walked VMAs needed.
 * @tlb: the gather that unlinked table pages wait in until the flush.
 * @unmap: the same VMAs unmap_vmas() cleared, @unmap->mas rewound to just after the first;
 *         @unmap->pg_start is the floor (the previous VMA's end, or the lowest user
 *         address) and @unmap->pg_end the ceiling (the next VMA's start, or the top).
 *
 * VMAs less than one last-level table's span apart are handled as one group, since the
 * tables between them hold nothing. Each group goes to free_pgd_range() with the floor
 * @unmap->pg_start and, as ceiling, the start of the next VMA the walk finds (or
 * @unmap->pg_end after the last): a table is freed only when the whole span it covers
 * lies between the two, so a table still shared with a neighbour stays. The entries are
 * not read to decide: unmap_vmas() has already cleared every leaf of these VMAs.
 *
 * Context: after unmap_vmas() on the same gather, before tlb_finish_mmu().
 */
void free_pgtables(struct mmu_gather *tlb, struct unmap_desc *unmap)
{
	struct mm_struct *mm = tlb->mm;
	uint64_t pmd_size = mm_pmd_size(mm);
	struct vm_area_struct *vma = unmap->first;
	struct vm_area_struct *next;

	MM_WARN_ON_ONCE(unmap->vma_end - 1 > unmap->pg_end - 1);
	do {
		uint64_t addr = vma->vm_start;

		next = mas_find(unmap->mas, unmap->tree_end - 1);
		/* unlink_anon_vmas / unlink_file_vma would go here: we have no reverse maps. */
		while (next && next->vm_start <= vma->vm_end + pmd_size) {
			vma = next;
			next = mas_find(unmap->mas, unmap->tree_end - 1);
		}
		free_pgd_range(tlb, addr, vma->vm_end, unmap->pg_start,
			       next ? next->vm_start : unmap->pg_end);
		vma = next;
	} while (vma);
}

/**
 * unmap_region() - tear down the mappings and page tables of a run of VMAs.
 * @unmap: the VMAs, the range to clear in them, the walk's limit and the floor and
 *         ceiling for the tables (see unmap_vmas() and free_pgtables()).
 *
 * One gather covers the whole teardown: unmap_vmas() clears the leaves, the walk is
 * rewound to @unmap->tree_reset, free_pgtables() unlinks the tables only these VMAs used,
 * and tlb_finish_mmu() flushes the emulator TLB once and only then frees the frames and
 * table pages. No translation can reach a freed page in between.
 *
 * Context: the VMAs are no longer reachable by a fault (munmap removed them from the tree)
 * or the mm is going away; the VMAs themselves are freed by the caller.
 */
void unmap_region(struct unmap_desc *unmap)
{
	struct mm_struct *mm = unmap->first->vm_mm;
	struct mmu_gather tlb;

	mm_trace(mm, "  unmap_region: first [%#" PRIx64 ", %#" PRIx64 ") pg_start %#" PRIx64
		 " pg_end %#" PRIx64 " vma_start %#" PRIx64 " vma_end %#" PRIx64
		 " tree_end %#" PRIx64 " tree_reset %#" PRIx64 " mm_wr_locked %d\n",
		 unmap->first->vm_start, unmap->first->vm_end, unmap->pg_start, unmap->pg_end,
		 unmap->vma_start, unmap->vma_end, unmap->tree_end, unmap->tree_reset,
		 unmap->mm_wr_locked);
	tlb_gather_mmu(&tlb, mm);
	unmap_vmas(&tlb, unmap);
	mas_set(unmap->mas, unmap->tree_reset);
	free_pgtables(&tlb, unmap);
	tlb_finish_mmu(&tlb);
}

/* ---- munmap ---- */

void init_vma_munmap(struct vma_munmap_struct *vms, struct mm_struct *mm,
		     struct vm_area_struct *vma, uint64_t start, uint64_t end, bool unlock,
		     const char *why)
{
	*vms = (struct vma_munmap_struct){
		.mm = mm,
		.vma = vma,
		.start = start,
		.end = end,
		.unlock = unlock,
		.unmap_start = FIRST_USER_ADDRESS,
		.unmap_end = USER_PGTABLES_CEILING,
		.why = why,
	};
}

/*
 * vms_gather_munmap_vmas() - split the VMAs at the ends of [start, end) and move those
 * inside to @detach (the side tree: index 0, 1, 2...). They stay in the mm's tree until
 * the caller clears the range. Floor and ceiling are taken from the neighbours here.
 */
int vms_gather_munmap_vmas(struct vma_munmap_struct *vms, GPtrArray *detach)
{
	struct mm_struct *mm = vms->mm;
	struct vm_area_struct *next;
	int error;

	if (vms->start > vms->vma->vm_start) {
		/* A split in the middle makes two VMAs out of one: respect the limit first. */
		if (vms->end < vms->vma->vm_end && mm->map_count >= MM_MAX_MAP_COUNT)
			return -ENOMEM;
		error = split_vma(mm, vms->vma, vms->start, 1);
		if (error)
			return error;
	}
	vms->prev = vma_prev_of(mm, vms->vma);
	if (vms->prev)
		vms->unmap_start = vms->prev->vm_end;

	for (next = vms->vma; next && next->vm_start < vms->end; next = vma_next_of(mm, next)) {
		if (next->vm_end > vms->end) {
			error = split_vma(mm, next, vms->end, 0);
			if (error)
				goto out_reattach;
		}
		g_ptr_array_add(detach, next);
		vms->vma_count++;
		next->detached = true;
		vms->nr_pages += vma_pages(next);
		if (next->vm_flags & VM_EXEC)
			vms->exec_vm += vma_pages(next);
		if (next->vm_flags & VM_GROWSDOWN)
			vms->stack_vm += vma_pages(next);
		mm_trace(mm, "  detach vma [%#" PRIx64 ", %#" PRIx64 ") as side index %" PRIu64 "\n",
			 next->vm_start, next->vm_end, vms->vma_count - 1);
	}
	vms->next = next;
	if (vms->next)
		vms->unmap_end = vms->next->vm_start;
	vms->clear_ptes = true;
	/* Logged now, so that reports during the teardown can already name this call. */
	mm_log_unmap(mm, vms);
	return 0;

out_reattach:
	reattach_vmas(vms, detach);
	return error;
}

/* reattach_vmas() - a gather failed before the point of no return: undo the detaching. */
void reattach_vmas(struct vma_munmap_struct *vms, GPtrArray *detach)
{
	for (guint i = 0; i < detach->len; i++)
		((struct vm_area_struct *)g_ptr_array_index(detach, i))->detached = false;
	g_ptr_array_set_size(detach, 0);
	vms->vma_count = 0;
}

/*
 * vms_clear_ptes() - zap the detached VMAs and free the tables only they used: the side
 * tree is walked from index 1 after the first, bounded by the count of detached VMAs.
 */
void vms_clear_ptes(struct vma_munmap_struct *vms, GPtrArray *detach, bool mm_wr_locked)
{
	struct ma_state mas_detach = { .side = detach };
	struct unmap_desc unmap = {
		.mas = &mas_detach,
		.first = vms->vma,
		.pg_start = vms->unmap_start,
		.pg_end = vms->unmap_end,
		.vma_start = vms->start,
		.vma_end = vms->end,
		.tree_end = vms->vma_count,
		.tree_reset = 1,
		.mm_wr_locked = mm_wr_locked,
	};

	if (!vms->clear_ptes)
		return;
	mas_set(&mas_detach, 1);
	unmap_region(&unmap);
	vms->clear_ptes = false;
}

/*
 * vms_complete_munmap_vmas() - after the range left the tree: account, clear the entries
 * and tables, free the VMAs.
 */
void vms_complete_munmap_vmas(struct vma_munmap_struct *vms, GPtrArray *detach)
{
	struct mm_struct *mm = vms->mm;

	mm->map_count -= (int)vms->vma_count;
	if (vms->nr_pages)
		vms_clear_ptes(vms, detach, !vms->unlock);
	for (guint i = 0; i < detach->len; i++)
		vm_area_free(g_ptr_array_index(detach, i));
	g_ptr_array_set_size(detach, 0);
}

int do_vmi_align_munmap(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start,
			uint64_t end, bool unlock, const char *why, uint64_t arg_addr,
			uint64_t arg_len)
{
	GPtrArray *detach = g_ptr_array_new();
	struct vma_munmap_struct vms;
	int error;

	init_vma_munmap(&vms, mm, vma, start, end, unlock, why);
	vms.arg_addr = arg_addr;
	vms.arg_len = arg_len;
	error = vms_gather_munmap_vmas(&vms, detach);
	if (error)
		goto out_free;

	/* Point of no return: the range leaves the tree, so faults in it now find no VMA. */
	for (guint i = 0; i < detach->len; i++)
		vma_tree_remove(mm, g_ptr_array_index(detach, i));

	vms_complete_munmap_vmas(&vms, detach);
out_free:
	g_ptr_array_free(detach, true);
	return error;
}

int do_vmi_munmap(struct mm_struct *mm, uint64_t start, uint64_t len, bool unlock,
		  const char *why)
{
	uint64_t task_size = mm->arch->task_size;
	struct vm_area_struct *vma;
	uint64_t end;

	if ((start & ~mm_page_mask(mm)) || start > task_size || len > task_size - start)
		return -EINVAL;
	end = start + mm_page_align(mm, len);
	if (end == start)
		return -EINVAL;

	vma = find_vma_intersection(mm, start, end);
	if (!vma)
		return 0;
	return do_vmi_align_munmap(mm, vma, start, end, unlock, why, start, len);
}
