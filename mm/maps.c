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

	if (!vms->vma_count)
		return;
	g_array_append_val((GArray *)mm->unmap_log, r);
}

const struct mm_unmap_record *mm_find_unmap(struct mm_struct *mm, uint64_t addr)
{
	GArray *log = mm->unmap_log;

	for (guint i = log->len; i-- > 0;) {
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
	if (mm->brk > mm->start_brk && vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
		return "[heap]";
	if (mm->start_stack && vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return "[stack]";
	return NULL;
}

void mm_format_vma(struct mm_struct *mm, const struct vm_area_struct *vma, char *buf, size_t len)
{
	const char *name = vma_display_name(mm, vma);
	uint64_t pgoff = vma->vm_name ? vma->vm_pgoff << mm->arch->page_shift : 0;
	int n;

	n = snprintf(buf, len, "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64 " 00:00 0 ",
		     vma->vm_start, vma->vm_end, vma->vm_flags & VM_READ ? 'r' : '-',
		     vma->vm_flags & VM_WRITE ? 'w' : '-', vma->vm_flags & VM_EXEC ? 'x' : '-',
		     vma->vm_flags & VM_MAYSHARE ? 's' : 'p', pgoff);
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
