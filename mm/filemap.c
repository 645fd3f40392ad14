/* SPDX-License-Identifier: MIT */
/*
 * filemap.c - file-backed and shared anonymous mappings.
 *
 * A private file mapping gets its own frame per page, filled from the file at the first
 * touch (what copy-on-write from the page cache amounts to in one process). A shared
 * mapping, of a file or of anonymous memory, maps the one frame its object keeps for that
 * page offset, so every mapping of the object sees the same bytes; a shared file page whose
 * entry is dirty goes back to the file when the entry is zapped or msync'ed.
 */
#include <string.h>
#include <unistd.h>

#include "mm/internal.h"

struct mm_file *mm_file_create(int fd, const char *path, uint64_t size, uint64_t dev,
			       uint64_t ino)
{
	struct mm_file *file = g_new0(struct mm_file, 1);

	file->refcount = 1;
	file->fd = fd;
	file->path = g_strdup(path);
	file->size = size;
	file->dev = dev;
	file->ino = ino;
	file->cache = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	return file;
}

struct mm_file *mm_file_get(struct mm_file *file)
{
	file->refcount++;
	return file;
}

void mm_file_put(struct mm_file *file)
{
	GHashTableIter it;
	gpointer key, value;

	if (!file || --file->refcount)
		return;
	if (file->registered)
		g_hash_table_remove(file->phys->files, file->key);
	if (file->phys)
		g_hash_table_remove(file->phys->cached, file);
	g_hash_table_iter_init(&it, file->cache);
	while (g_hash_table_iter_next(&it, &key, &value))
		phys_free_frame(file->phys, *(uint64_t *)value);
	g_hash_table_destroy(file->cache);
	if (file->fd >= 0)
		close(file->fd);
	g_free(file->path);
	g_free(file);
}

static guint file_key_hash(gconstpointer k)
{
	const uint64_t *key = k;

	return g_int64_hash(&key[0]) * 31 + g_int64_hash(&key[1]);
}

static gboolean file_key_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, 2 * sizeof(uint64_t)) == 0;
}

struct mm_file *mm_file_open(struct mm_struct *mm, int fd, const char *path, uint64_t size,
			     uint64_t dev, uint64_t ino, bool fd_can_write)
{
	uint64_t key[2] = { dev, ino };
	struct mm_phys *phys = mm->phys;
	struct mm_file *file;

	if (!phys->files)
		phys->files = g_hash_table_new(file_key_hash, file_key_equal);
	file = g_hash_table_lookup(phys->files, key);
	if (file) {
		/* Keep a descriptor that can write back, if either can. */
		if (fd_can_write && !file->fd_can_write) {
			close(file->fd);
			file->fd = fd;
		} else {
			close(fd);
		}
		if (size > file->size)
			file->size = size;
		file->fd_can_write = fd_can_write;
		return mm_file_get(file);
	}
	file = mm_file_create(fd, path, size, dev, ino);
	file->phys = phys;
	file->key[0] = dev;
	file->key[1] = ino;
	file->registered = true;
	file->fd_can_write = fd_can_write;
	g_hash_table_insert(phys->files, file->key, file);
	return file;
}

bool mm_has_files(const struct mm_struct *mm)
{
	return mm->phys->files && g_hash_table_size(mm->phys->files);
}

/* The machine's object for (@dev, @ino): one page cache for every mm of @mm's machine. */
static struct mm_file *mm_file_find(struct mm_struct *mm, uint64_t dev, uint64_t ino)
{
	uint64_t key[2] = { dev, ino };

	return mm->phys->files ? g_hash_table_lookup(mm->phys->files, key) : NULL;
}

/* The live mms of @phys, in slot order: the page cache's users. */
#define for_each_mm(phys, i, m)							\
	for ((i) = 0; (i) < (phys)->mms->len; (i)++)				\
		if (((m) = g_ptr_array_index((phys)->mms, (i))) != NULL)

/* invalidate_code on every vCPU's engine: a page-cache frame may be code in any of them. */
static void phys_invalidate_code(struct mm_phys *phys, uint64_t paddr, uint64_t len)
{
	struct mm_struct *m;
	guint i;

	for_each_mm(phys, i, m)
		if (m->engine.invalidate_code)
			m->engine.invalidate_code(m->engine.ctx, paddr, len);
}

void mm_file_written(struct mm_struct *mm, uint64_t dev, uint64_t ino, uint64_t off,
		     const void *buf, uint64_t len)
{
	struct mm_file *file = mm_file_find(mm, dev, ino);
	uint64_t page = mm_page_size(mm);

	if (!file || !len)
		return;
	if (off + len > file->size)
		file->size = off + len;
	for (uint64_t pgoff = off / page; pgoff * page < off + len; pgoff++) {
		uint64_t *frame = g_hash_table_lookup(file->cache, &pgoff);
		uint64_t from = pgoff * page > off ? pgoff * page : off;
		uint64_t to = (pgoff + 1) * page < off + len ? (pgoff + 1) * page : off + len;

		if (!frame)
			continue;
		memcpy((uint8_t *)phys_to_host(mm->phys, *frame) + (from - pgoff * page),
		       (const uint8_t *)buf + (from - off), to - from);
		if (*phys_frame_flags(mm->phys, *frame) & PHYS_F_EXEC)
			phys_invalidate_code(mm->phys, *frame, page);
	}
}

void mm_file_sync(struct mm_struct *mm, uint64_t dev, uint64_t ino)
{
	struct mm_file *file = mm_file_find(mm, dev, ino);
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	struct mmu_gather tlb;
	struct mm_struct *m;
	guint i;

	if (!file || !g_hash_table_size(file->cache))
		return;
	/* Every process's shared mappings of the file: each mm cleans and flushes its own. */
	for_each_mm(mm->phys, i, m) {
		tlb_gather_mmu(&tlb, m);
		vma_iter_init(&vmi, m, 0);
		while ((vma = vma_next(&vmi)))
			if (vma->vm_file == file)
				filemap_sync_range(m, &tlb, vma, vma->vm_start, vma->vm_end);
		tlb_finish_mmu(&tlb);
	}
}

/*
 * filemap_next_leaf_table() - the first address in [@addr, @end) whose last-level table
 * exists, or @end. An absent entry at an upper level skips its whole span, so a walk costs
 * by the tables present, not by the size of the range. @visits counts the entries read.
 */
static uint64_t filemap_next_leaf_table(struct mm_struct *mm, uint64_t addr, uint64_t end,
					uint64_t *visits)
{
	const struct arch_mmu *a = mm->arch;

	while (addr < end) {
		uint64_t table = mm->pgd, next;
		unsigned level;

		for (level = 0; level < a->levels - 1; level++) {
			uint64_t e = *pt_entry(mm, table, arch_level_index(a, level, addr));

			(*visits)++;
			if (!e || !a->entry_present(e, level))
				break;
			table = a->entry_paddr(e);
		}
		if (level == a->levels - 1)
			return addr;
		next = (addr & ~(arch_level_size(a, level) - 1)) + arch_level_size(a, level);
		if (next <= addr)
			break;   /* the top of the address space */
		addr = next;
	}
	return end;
}

void filemap_sync_range(struct mm_struct *mm, struct mmu_gather *tlb, struct vm_area_struct *vma,
			uint64_t start, uint64_t end)
{
	const struct arch_mmu *a = mm->arch;
	uint64_t span = arch_table_span(a, a->levels - 1), visits = 0, written = 0, addr = start;

	if (!vma->vm_file || vma->vm_file->fd < 0 || !(vma->vm_flags & VM_SHARED))
		return;
	while ((addr = filemap_next_leaf_table(mm, addr, end, &visits)) < end) {
		/* One last-level table: its entries up to its end or @end. */
		uint64_t stop = (addr & ~(span - 1)) + span;

		if (stop <= addr || stop > end)
			stop = end;
		for (; addr < stop; addr += mm_page_size(mm)) {
			uint64_t *pte = pt_lookup_leaf(mm, addr);

			visits++;
			if (!pte || !*pte || !a->entry_present(*pte, a->levels - 1) ||
			    !a->leaf_dirty(*pte))
				continue;
			filemap_writeback(mm, vma, addr, a->entry_paddr(*pte));
			written++;
			/*
			 * page_mkclean(): the page is clean now; the next write must dirty it again,
			 * so the emulator may not keep caching write permission for it.
			 */
			*pte = a->leaf_mkclean(*pte);
			tlb_remove_tlb_entry(tlb, a->levels - 1, addr);
		}
	}
	mm_trace(mm, "  filemap_sync_range [%#" PRIx64 ", %#" PRIx64 "): %" PRIu64
		 " entries visited, %" PRIu64 " pages written back\n", start, end, visits, written);
}

/*
 * mm_file_truncate() - the file is now @size bytes long (ftruncate, O_TRUNC), as
 * truncate_pagecache() has it: pages wholly past the new end leave every mapping of the
 * file, private copies too (so they give SIGBUS), without being written back, and leave
 * the cache; the cached last page reads zero past the end. A longer file only moves the
 * end: new pages fault in as zeroes.
 */
void mm_file_truncate(struct mm_struct *mm, uint64_t dev, uint64_t ino, uint64_t size)
{
	struct mm_file *file = mm_file_find(mm, dev, ino);
	uint64_t page = mm_page_size(mm), first, old;
	unsigned shift = mm->arch->page_shift;
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	GHashTableIter it;
	gpointer key, value;
	struct mm_struct *m;
	uint64_t *last;
	guint i;

	if (!file)
		return;
	old = file->size;
	/* First, so that the zap below writes nothing back past the new end. */
	file->size = size;
	mm_trace(mm, "mm_file_truncate(%s, %" PRIu64 " -> %" PRIu64 ")\n", file->path, old, size);
	first = (size + page - 1) >> shift;
	for_each_mm(mm->phys, i, m) {
		vma_iter_init(&vmi, m, 0);
		while ((vma = vma_next(&vmi))) {
			uint64_t vfirst = vma->vm_pgoff;
			uint64_t vlast = vfirst + ((vma->vm_end - vma->vm_start) >> shift);
			struct mmu_gather tlb;

			if (vma->vm_file != file || vlast <= first)
				continue;
			tlb_gather_mmu(&tlb, m);
			unmap_page_range(&tlb, vma, vma->vm_start +
					 ((MAX(first, vfirst) - vfirst) << shift), vma->vm_end);
			tlb_finish_mmu(&tlb);
		}
	}
	/* The entries are gone and flushed: the cache's own references can go now. */
	g_hash_table_iter_init(&it, file->cache);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		if (*(uint64_t *)key < first)
			continue;
		phys_free_frame(mm->phys, *(uint64_t *)value);
		g_hash_table_iter_remove(&it);
	}
	last = size & (page - 1) ? g_hash_table_lookup(file->cache, &(uint64_t){ size >> shift }) : NULL;
	if (last)
		memset((uint8_t *)phys_to_host(mm->phys, *last) + (size & (page - 1)), 0,
		       page - (size & (page - 1)));
}

void mm_file_cache_refs(struct mm_file *file, uint32_t *refs, unsigned page_shift)
{
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, file->cache);
	while (g_hash_table_iter_next(&it, &key, &value))
		refs[*(uint64_t *)value >> page_shift]++;
}

/* Fill @paddr with the file's page @pgoff; the frame is zero already past the end. */
static int file_read_page(struct mm_struct *mm, struct mm_file *file, uint64_t pgoff,
			  uint64_t paddr)
{
	uint64_t page = mm_page_size(mm);
	uint64_t off = pgoff * page;
	uint8_t *dst = phys_to_host(mm->phys, paddr);
	uint64_t done = 0;

	/*
	 * Only a page wholly past the end raises SIGBUS; the tail of the last page is zero.
	 * Shared anonymous memory has a size too, as a shmem object does: the length it was
	 * mapped with, which mremap does not change.
	 */
	if (off >= file->size)
		return -EIO;
	if (file->fd < 0)
		return 0;
	while (done < page && off + done < file->size) {
		ssize_t n = pread(file->fd, dst + done, page - done, (off_t)(off + done));

		if (n < 0)
			return -EIO;
		if (n == 0)
			break;
		done += (uint64_t)n;
	}
	return 0;
}

bool vma_is_private_file(const struct vm_area_struct *vma)
{
	return vma->vm_file && !(vma->vm_flags & VM_MAYSHARE);
}

bool filemap_is_cached_frame(const struct vm_area_struct *vma, uint64_t addr, uint64_t paddr)
{
	uint64_t pgoff = vma_pgoff(vma, addr);
	uint64_t *cached;

	if (!vma->vm_file)
		return false;
	cached = g_hash_table_lookup(vma->vm_file->cache, &pgoff);
	return cached && *cached == paddr;
}

int filemap_cow_page(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
		     uint64_t *frame)
{
	struct mm_file *file = vma->vm_file;
	uint64_t pgoff = vma_pgoff(vma, addr);
	uint64_t *cached = g_hash_table_lookup(file->cache, &pgoff);
	int err = mm_alloc_frame(mm, frame);

	if (err)
		return err;
	/* The page cache is what the file holds for everyone, unwritten-back changes too. */
	if (cached) {
		memcpy(phys_to_host(mm->phys, *frame), phys_to_host(mm->phys, *cached),
		       mm_page_size(mm));
		return 0;
	}
	err = file_read_page(mm, file, pgoff, *frame);
	if (err)
		mm_free_frame(mm, *frame);
	return err;
}

int filemap_fault(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
		  uint64_t *frame)
{
	struct mm_file *file = vma->vm_file;
	uint64_t pgoff = vma_pgoff(vma, addr);
	uint64_t *cached;
	int err;

	/*
	 * Every mapping without a write of its own maps the page cache: shared ones, and
	 * private ones until they write (the caller maps those read-only and copies on the
	 * first write). VM_MAYSHARE, not VM_SHARED: a shared mapping of a descriptor that
	 * cannot write has lost VM_SHARED, but still maps the page cache.
	 */
	cached = g_hash_table_lookup(file->cache, &pgoff);
	if (cached) {
		*frame = *cached;
		phys_get(mm->phys, *frame);
		return 0;
	}
	err = mm_alloc_frame(mm, frame);
	if (err)
		return err;
	err = file_read_page(mm, file, pgoff, *frame);
	if (err) {
		mm_free_frame(mm, *frame);
		return err;
	}
	file->phys = mm->phys;
	g_hash_table_add(mm->phys->cached, file);
	g_hash_table_insert(file->cache, g_memdup2(&pgoff, sizeof(pgoff)),
			    g_memdup2(frame, sizeof(*frame)));
	phys_get(mm->phys, *frame);	/* one for the cache, one for the entry */
	return 0;
}

void filemap_writeback(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
		       uint64_t paddr)
{
	struct mm_file *file = vma->vm_file;
	uint64_t page = mm_page_size(mm);
	uint64_t off, len;

	if (!file || file->fd < 0 || !(vma->vm_flags & VM_SHARED))
		return;
	off = vma_pgoff(vma, addr) * page;
	if (off >= file->size)
		return;
	len = file->size - off < page ? file->size - off : page;
	/* A failed write-back has no one to report to, as with a lost page in the kernel. */
	if (pwrite(file->fd, phys_to_host(mm->phys, paddr), len, (off_t)off) < 0)
		mm_trace(mm, "  write-back of %s page %" PRIu64 " failed\n", file->path,
			 off / page);
}
