/* SPDX-License-Identifier: MIT */
/*
 * maps.c - showing the address space: /proc/PID/maps lines, and the log of operations
 * that unmapped addresses, which fault reports quote.
 */
#include <string.h>

#include "mm/internal.h"

void mm_log_unmap(struct mm_struct *mm, const struct vma_munmap_struct *vms)
{
	struct mm_unmap_record r = {
		.op = vms->why,
		.arg_addr = vms->arg_addr,
		.arg_len = vms->arg_len,
		.start = vms->start,
		.end = vms->end,
		.seq = mm->op_seq,
		.caller_seq = mm->caller_seq,
	};

	GArray *log = mm->unmap_log;

	if (!vms->vma_count)
		return;
	/* A ring: it grows to MM_UNMAP_LOG_SIZE, then the oldest record gives way. */
	if (log->len < MM_UNMAP_LOG_SIZE)
		g_array_append_val(log, r);
	else
		g_array_index(log, struct mm_unmap_record,
			      mm->nr_unmap_logged % MM_UNMAP_LOG_SIZE) = r;
	mm->nr_unmap_logged++;
}

const struct mm_unmap_record *mm_find_unmap(struct mm_struct *mm, uint64_t addr)
{
	GArray *log = mm->unmap_log;

	/* Newest first: record nr_unmap_logged - 1 back to the oldest kept. */
	for (guint k = 0; k < log->len; k++) {
		guint i = (guint)((mm->nr_unmap_logged - 1 - k) % MM_UNMAP_LOG_SIZE);
		const struct mm_unmap_record *r = &g_array_index(log, struct mm_unmap_record, i);

		if (addr >= r->start && addr < r->end)
			return r;
	}
	return NULL;
}

static const char *vma_display_name(struct mm_struct *mm, const struct vm_area_struct *vma)
{
	if (vma->vm_name)
		return vma->vm_name;
	if (vma->vm_file)
		return vma->vm_file->path;
	if (mm->brk > mm->start_brk && vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
		return "[heap]";
	if (mm->start_stack && vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return "[stack]";
	return NULL;
}

void mm_format_vma(struct mm_struct *mm, const struct vm_area_struct *vma, char *buf, size_t len)
{
	const char *name = vma_display_name(mm, vma);
	const struct mm_file *f = vma->vm_file;
	/* Linux shows an offset only for a file; a named anonymous VMA ([vdso]) shows 0. */
	uint64_t pgoff = f ? vma->vm_pgoff << mm->arch->page_shift : 0;
	uint64_t dev = f ? f->dev : 0;
	int n;

	n = snprintf(buf, len, "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64 " %02x:%02x %" PRIu64
		     " ", vma->vm_start, vma->vm_end, vma->vm_flags & VM_READ ? 'r' : '-',
		     vma->vm_flags & VM_WRITE ? 'w' : '-', vma->vm_flags & VM_EXEC ? 'x' : '-',
		     vma->vm_flags & VM_MAYSHARE ? 's' : 'p', pgoff, (unsigned)((dev >> 8) & 0xfff),
		     (unsigned)((dev & 0xff) | ((dev >> 12) & 0xfff00)), f ? f->ino : 0);
	/*
	 * Like Linux: the header ends in a space, and a name starts at column 73
	 * (padded to 25 + 6 * sizeof(void *) - 1 characters, then one more space).
	 */
	if (name && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%*s%s", n < 73 ? 73 - n : 0, "", name);
}

void mm_dump_maps(struct mm_struct *mm, FILE *out)
{
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	char line[512];

	vma_iter_init(&vmi, mm, 0);
	while ((vma = vma_next(&vmi))) {
		mm_format_vma(mm, vma, line, sizeof(line));
		fprintf(out, "%s\n", line);
	}
}

/* ---- sizes from the page tables: smaps and status ---- */

/*
 * A page is anonymous unless it is the object's own: a private file page that was written
 * is a copy (copy on write), so it counts as anonymous, as in Linux.
 */
static bool page_is_anon(const struct mm_struct *mm, const struct vm_area_struct *vma,
			 uint64_t addr, uint64_t pte)
{
	if (!vma || !vma->vm_file)
		return true;
	return vma_is_private_file(vma) &&
	       !filemap_is_cached_frame(vma, addr, mm->arch->entry_paddr(pte));
}

/*
 * skip_no_table() - @addr has no last-level table: the last page before the next address
 * that has one (or before @end), for a page loop that then steps onto it. The counts of
 * rss and smaps so cost what is mapped, not the size of the mapping.
 */
static uint64_t skip_no_table(struct mm_struct *mm, uint64_t addr, uint64_t end)
{
	uint64_t next = pt_next_table(mm, addr, end);

	return next > addr ? next - mm_page_size(mm) : addr;
}

void mm_count_rss(struct mm_struct *mm, uint64_t start, uint64_t end, struct mm_rss *rss)
{
	const struct arch_mmu *a = mm->arch;

	for (uint64_t addr = start; addr < end; addr += mm_page_size(mm)) {
		uint64_t *pte = pt_lookup_leaf(mm, addr);
		struct vm_area_struct *vma;

		if (!pte)
			addr = skip_no_table(mm, addr, end);
		if (!pte || !*pte || !a->entry_present(*pte, a->levels - 1))
			continue;
		vma = vma_lookup(mm, addr);
		rss->rss++;
		if (page_is_anon(mm, vma, addr, *pte))
			rss->anon++;
		else
			rss->file++;
		if (a->leaf_dirty(*pte))
			rss->dirty++;
		if (a->leaf_young(*pte))
			rss->referenced++;
	}
}

/* The two-letter VmFlags of smaps, for the flags we model. */
static void vm_flags_string(uint64_t f, char *buf, size_t len)
{
	static const struct { uint64_t flag; const char *name; } names[] = {
		{ VM_READ, "rd" }, { VM_WRITE, "wr" }, { VM_EXEC, "ex" }, { VM_SHARED, "sh" },
		{ VM_MAYREAD, "mr" }, { VM_MAYWRITE, "mw" }, { VM_MAYEXEC, "me" },
		{ VM_MAYSHARE, "ms" }, { VM_GROWSDOWN, "gd" }, { VM_LOCKED, "lo" },
		{ VM_ACCOUNT, "ac" }, { VM_NORESERVE, "nr" },
	};
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(names) && n + 4 < len; i++)
		if (f & names[i].flag)
			n += (size_t)snprintf(buf + n, len - n, "%s ", names[i].name);
}

void mm_dump_smaps(struct mm_struct *mm, FILE *out)
{
	const struct arch_mmu *a = mm->arch;
	uint64_t kb = mm_page_size(mm) >> 10;
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	char line[512];

	vma_iter_init(&vmi, mm, 0);
	while ((vma = vma_next(&vmi))) {
		uint64_t shared_clean = 0, shared_dirty = 0, priv_clean = 0, priv_dirty = 0;
		uint64_t referenced = 0, anon = 0, pss_x = 0;

		for (uint64_t addr = vma->vm_start; addr < vma->vm_end; addr += mm_page_size(mm)) {
			uint64_t *pte = pt_lookup_leaf(mm, addr), paddr;
			unsigned mapcount;
			bool dirty;

			if (!pte)
				addr = skip_no_table(mm, addr, vma->vm_end);
			if (!pte || !*pte || !a->entry_present(*pte, a->levels - 1))
				continue;
			paddr = a->entry_paddr(*pte);
			/* Mappings of the frame, in every mm of the machine (Shared_* in smaps). */
			mapcount = phys_page(mm->phys, paddr)->_mapcount;
			dirty = a->leaf_dirty(*pte);
			if (mapcount > 1)
				*(dirty ? &shared_dirty : &shared_clean) += 1;
			else
				*(dirty ? &priv_dirty : &priv_clean) += 1;
			referenced += a->leaf_young(*pte);
			anon += page_is_anon(mm, vma, addr, *pte);
			pss_x += 1000 / (mapcount ? mapcount : 1);
		}
		mm_format_vma(mm, vma, line, sizeof(line));
		fprintf(out, "%s\n", line);
		fprintf(out, "Size:           %8" PRIu64 " kB\n", (vma->vm_end - vma->vm_start) >> 10);
		fprintf(out, "KernelPageSize: %8" PRIu64 " kB\n", kb);
		fprintf(out, "MMUPageSize:    %8" PRIu64 " kB\n", kb);
		fprintf(out, "Rss:            %8" PRIu64 " kB\n",
			(shared_clean + shared_dirty + priv_clean + priv_dirty) * kb);
		fprintf(out, "Pss:            %8" PRIu64 " kB\n", pss_x * kb / 1000);
		fprintf(out, "Shared_Clean:   %8" PRIu64 " kB\n", shared_clean * kb);
		fprintf(out, "Shared_Dirty:   %8" PRIu64 " kB\n", shared_dirty * kb);
		fprintf(out, "Private_Clean:  %8" PRIu64 " kB\n", priv_clean * kb);
		fprintf(out, "Private_Dirty:  %8" PRIu64 " kB\n", priv_dirty * kb);
		fprintf(out, "Referenced:     %8" PRIu64 " kB\n", referenced * kb);
		fprintf(out, "Anonymous:      %8" PRIu64 " kB\n", anon * kb);
		fprintf(out, "Swap:           %8d kB\n", 0);
		fprintf(out, "Locked:         %8d kB\n", 0);
		vm_flags_string(vma->vm_flags, line, sizeof(line));
		fprintf(out, "VmFlags: %s\n", line);
	}
}
