/* SPDX-License-Identifier: MIT */
/*
 * elf.c - the ELF64 loader: static executables and static-pie, x86_64 and AArch64.
 *
 * The file is read whole and checked before anything is mapped, so that every later step
 * can trust it: each offset and size is checked with overflow-safe arithmetic, and any
 * problem is one line on stderr ("mmuemu: PATH: ...") and exit status 2.
 *
 * Loading follows Linux's load_elf_binary() for a program without an interpreter: the
 * file pages of each PT_LOAD become a private file mapping (MAP_PRIVATE | MAP_FIXED, page
 * offset from p_offset), so that they load lazily and maps shows the file's offset, device
 * and inode; the rest of the last file page after p_filesz is zeroed when the segment has
 * a bss (padzero(): mm_poke ignores the protection, as the kernel's own writes do), the
 * pages beyond are an anonymous mapping, and the heap starts after the highest segment.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "emu/emu.h"

/* A file larger than this is not a program we want to read whole into memory. */
#define EMU_ELF_MAX_SIZE (UINT64_C(1) << 32)
/* Linux's ELF_MIN_ALIGN check allows at most this many program headers (64 KiB of them). */
#define EMU_ELF_MAX_PHNUM (65536 / sizeof(Elf64_Phdr))

static int elf_error(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* emu_elf_probe(): no messages, and the errno execve gives for what failed. */
static __thread bool elf_quiet;
static __thread int elf_errno;

static int elf_error(const char *path, const char *fmt, ...)
{
	va_list ap;

	if (elf_quiet)
		return -1;

	fprintf(stderr, "mmuemu: %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* e_machine values people are likely to meet, for the "not supported" message. */
static const char *elf_machine_name(uint16_t m)
{
	switch (m) {
	case EM_386: return "Intel 80386";
	case EM_ARM: return "ARM";
	case EM_X86_64: return "x86-64";
	case EM_AARCH64: return "AArch64";
	case EM_MIPS: return "MIPS";
	case EM_PPC: return "PowerPC";
	case EM_PPC64: return "PowerPC64";
	case EM_S390: return "IBM S/390";
	case EM_SPARC: return "SPARC";
	case EM_SPARCV9: return "SPARC v9";
	case EM_IA_64: return "IA-64";
	case EM_RISCV: return "RISC-V";
	case 258: return "LoongArch";
	default: return "unknown";
	}
}

static int elf_read_file(const char *path, struct emu_image *img)
{
	struct stat st;
	uint64_t done = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	elf_errno = fd < 0 ? errno : EACCES;
	if (fd < 0)
		return elf_error(path, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		elf_error(path, "cannot stat: %s", strerror(errno));
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		elf_error(path, "cannot execute: Is a directory");
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		elf_error(path, "cannot execute: not a regular file");
		goto out_close;
	}
	if ((uint64_t)st.st_size > EMU_ELF_MAX_SIZE) {
		elf_error(path, "file too large (%jd bytes)", (intmax_t)st.st_size);
		goto out_close;
	}
	elf_errno = ENOEXEC;
	img->size = (uint64_t)st.st_size;
	img->data = g_malloc(img->size ? img->size : 1);
	while (done < img->size) {
		ssize_t n = read(fd, img->data + done, img->size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			elf_error(path, "cannot read: %s", strerror(errno));
			goto out_free;
		}
		if (n == 0)
			break;
		done += (uint64_t)n;
	}
	img->size = done;
	close(fd);
	return 0;

out_free:
	g_free(img->data);
	img->data = NULL;
out_close:
	close(fd);
	return -1;
}

static const Elf64_Ehdr *elf_ehdr(const struct emu_image *img)
{
	return (const Elf64_Ehdr *)img->data;
}

/* The headers may be at any offset: copy them out instead of trusting the alignment. */
static Elf64_Phdr elf_phdr(const struct emu_image *img, unsigned i)
{
	Elf64_Phdr ph;

	memcpy(&ph, img->data + elf_ehdr(img)->e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
	return ph;
}

static int elf_check_ident(const char *path, const struct emu_image *img)
{
	const uint8_t *id = img->data;

	if (img->size < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG) != 0)
		return elf_error(path, "not an ELF file");
	if (id[EI_CLASS] == ELFCLASS32)
		return elf_error(path, "32-bit ELF is not supported");
	if (id[EI_CLASS] != ELFCLASS64)
		return elf_error(path, "not an ELF file (bad ELF class %u)", id[EI_CLASS]);
	if (id[EI_DATA] == ELFDATA2MSB)
		return elf_error(path, "big-endian ELF is not supported");
	if (id[EI_DATA] != ELFDATA2LSB)
		return elf_error(path, "not an ELF file (bad data encoding %u)", id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT)
		return elf_error(path, "not an ELF file (bad ELF version %u)", id[EI_VERSION]);
	if (img->size < sizeof(Elf64_Ehdr))
		return elf_error(path, "truncated: the ELF header extends past the end of the file");
	return 0;
}

static int elf_check_header(const char *path, struct emu_image *img)
{
	const Elf64_Ehdr *eh = elf_ehdr(img);
	uint64_t phsize;

	switch (eh->e_type) {
	case ET_EXEC:
	case ET_DYN:
		break;
	case ET_REL:
		return elf_error(path, "a relocatable object (ET_REL), not an executable");
	case ET_CORE:
		return elf_error(path, "a core dump (ET_CORE), not an executable");
	default:
		return elf_error(path, "ELF type %u is not an executable", eh->e_type);
	}
	img->arch = arch_by_elf_machine(eh->e_machine);
	if (!img->arch)
		return elf_error(path, "ELF machine %u (%s) is not supported", eh->e_machine,
				 elf_machine_name(eh->e_machine));
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return elf_error(path, "bad program header size %u (expected %zu)",
				 eh->e_phentsize, sizeof(Elf64_Phdr));
	if (eh->e_phnum == 0)
		return elf_error(path, "no program headers");
	if (eh->e_phnum > EMU_ELF_MAX_PHNUM)
		return elf_error(path, "too many program headers (%u)", eh->e_phnum);
	phsize = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (eh->e_phoff > img->size || phsize > img->size - eh->e_phoff)
		return elf_error(path, "truncated: the program headers extend past the end of the file");
	img->phnum = eh->e_phnum;
	img->phentsize = eh->e_phentsize;
	return 0;
}

static int elf_seg_cmp(const void *a, const void *b)
{
	const struct emu_segment *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static unsigned elf_prot(uint32_t p_flags)
{
	return (p_flags & PF_R ? MM_PROT_READ : 0) | (p_flags & PF_W ? MM_PROT_WRITE : 0) |
	       (p_flags & PF_X ? MM_PROT_EXEC : 0);
}

/* The entry point must be in an executable segment. */
static bool elf_entry_ok(const struct emu_segment *segs, int n, uint64_t entry)
{
	for (int i = 0; i < n; i++) {
		if ((segs[i].flags & PF_X) && entry >= segs[i].vaddr && entry < segs[i].end)
			return true;
	}
	return false;
}

/*
 * Check every PT_LOAD against the file and the user address space, and collect them sorted
 * by address into @segs (which has room for phnum entries). Return: their number, or -1.
 */
static int elf_check_segments(const char *path, struct emu_image *img, struct emu_segment *segs)
{
	const Elf64_Ehdr *eh = elf_ehdr(img);
	const struct arch_mmu *mmu = img->arch->mmu;
	uint64_t page = arch_page_size(mmu);
	uint64_t lowest = UINT64_MAX, phdr_vaddr = 0;
	bool have_phdr = false;
	int n = 0;

	for (unsigned i = 0; i < img->phnum; i++) {
		Elf64_Phdr ph = elf_phdr(img, i);

		if (ph.p_type == PT_INTERP)
			return elf_error(path, "dynamically linked (PT_INTERP): only static executables are supported");
		if (ph.p_type == PT_PHDR) {
			have_phdr = true;
			phdr_vaddr = ph.p_vaddr;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz)
			return elf_error(path, "segment %u: p_filesz (0x%jx) > p_memsz (0x%jx)", i,
					 (uintmax_t)ph.p_filesz, (uintmax_t)ph.p_memsz);
		/* A segment with no file bytes (only .bss) may name any offset. */
		if (ph.p_filesz &&
		    (ph.p_offset > img->size || ph.p_filesz > img->size - ph.p_offset))
			return elf_error(path, "truncated: segment %u extends past the end of the file", i);
		/* Only file bytes are mapped from an offset: a bss-only one's is never used. */
		if (ph.p_filesz && ((ph.p_vaddr - ph.p_offset) & (page - 1)))
			return elf_error(path, "segment %u: p_vaddr 0x%jx and p_offset 0x%jx "
					 "differ modulo the page size",
					 i, (uintmax_t)ph.p_vaddr, (uintmax_t)ph.p_offset);
		if (ph.p_memsz == 0)
			continue;
		if (ph.p_memsz > UINT64_MAX - ph.p_vaddr)
			return elf_error(path, "segment %u: addresses beyond the user address space", i);
		segs[n++] = (struct emu_segment){
			.index = i,
			.vaddr = ph.p_vaddr,
			.end = ph.p_vaddr + ph.p_memsz,
			.offset = ph.p_offset,
			.filesz = ph.p_filesz,
			.flags = ph.p_flags,
		};
		if (ph.p_vaddr < lowest)
			lowest = ph.p_vaddr;
	}
	if (n == 0)
		return elf_error(path, "no loadable segments");

	/* A static-pie is placed as Linux places an ET_DYN without interpreter. */
	/*
	 * Its lowest page goes to ET_DYN_BASE whether its own addresses are below or above it
	 * (Linux moves a static-pie wherever its link addresses are), so the bias may be
	 * "negative": it is used modulo 2^64, and each segment is placed as ET_DYN_BASE plus its
	 * distance from the lowest page, which is checked for overflow.
	 */
	img->bias = 0;
	if (eh->e_type == ET_DYN)
		img->bias = (img->arch->cpu->et_dyn_base & ~(page - 1)) - (lowest & ~(page - 1));

	for (int i = 0; i < n; i++) {
		struct emu_segment *s = &segs[i];
		uint64_t len = s->end - s->vaddr;

		if (eh->e_type == ET_DYN) {
			uint64_t base = img->arch->cpu->et_dyn_base & ~(page - 1);
			uint64_t dist = s->vaddr - (lowest & ~(page - 1));

			if (dist > UINT64_MAX - base)
				return elf_error(path, "segment %u: addresses beyond the user address space", s->index);
			s->vaddr = base + dist;
		}
		/* The last page must end inside the user address space, and not wrap. */
		if (s->vaddr >= mmu->task_size || len > mmu->task_size - s->vaddr ||
		    ((s->vaddr + len + page - 1) & ~(page - 1)) > mmu->task_size)
			return elf_error(path, "segment %u: addresses beyond the user address space", s->index);
		s->end = s->vaddr + len;
		/* Linux maps nothing at page 0: mmap_min_addr. */
		if (s->vaddr < page)
			return elf_error(path, "segment %u: address 0x%jx is in the first page, which cannot be mapped",
					 s->index, (uintmax_t)s->vaddr);
	}
	qsort(segs, (size_t)n, sizeof(*segs), elf_seg_cmp);
	for (int i = 1; i < n; i++) {
		if (segs[i].vaddr < segs[i - 1].end)
			return elf_error(path, "overlapping PT_LOAD segments (%u and %u)",
					 segs[i - 1].index, segs[i].index);
	}

	img->entry = eh->e_entry + img->bias;
	if (!elf_entry_ok(segs, n, img->entry))
		return elf_error(path, "entry point 0x%jx is outside any executable segment",
				 (uintmax_t)img->entry);

	/*
	 * AT_PHDR: PT_PHDR if there is one, else where the segment holding e_phoff in the file
	 * puts it (Linux: the first segment's load address plus e_phoff).
	 */
	if (have_phdr) {
		img->phdr = phdr_vaddr + img->bias;
	} else {
		uint64_t phsize = (uint64_t)img->phnum * sizeof(Elf64_Phdr);

		img->phdr = segs[0].vaddr - segs[0].offset + eh->e_phoff;
		for (int i = 0; i < n; i++) {
			if (eh->e_phoff >= segs[i].offset &&
			    eh->e_phoff - segs[i].offset + phsize <= segs[i].filesz) {
				img->phdr = segs[i].vaddr + (eh->e_phoff - segs[i].offset);
				break;
			}
		}
	}
	return n;
}

int emu_elf_open(const char *path, struct emu_image *img)
{
	int n;

	memset(img, 0, sizeof(*img));
	img->path = path;
	if (elf_read_file(path, img))
		return -1;
	if (elf_check_ident(path, img) || elf_check_header(path, img))
		goto out_close;
	img->segs = g_new(struct emu_segment, img->phnum);
	n = elf_check_segments(path, img, img->segs);
	if (n < 0)
		goto out_close;
	img->nr_segs = (unsigned)n;
	return 0;

out_close:
	emu_elf_close(img);
	return -1;
}

int emu_elf_probe(const char *path, struct emu_image *img)
{
	int ret;

	elf_quiet = true;
	elf_errno = ENOEXEC;
	ret = emu_elf_open(path, img);
	elf_quiet = false;
	return ret ? -elf_errno : 0;
}

void emu_elf_close(struct emu_image *img)
{
	g_free(img->data);
	img->data = NULL;
	g_free(img->segs);
	img->segs = NULL;
}

static int elf_load_error(struct emu *emu, unsigned index, const char *what, int err)
{
	return elf_error(emu->proc->path, "segment %u: %s: %s", index, what, strerror(-err));
}

/*
 * One segment. Its first page may already belong to the previous segment (when the two
 * share a page, as some linkers lay them out): that page keeps its mapping and gets both
 * segments' permissions, and only the bytes of this segment are written into it.
 */
static int elf_load_segment(struct emu *emu, const struct emu_image *img,
			    const struct emu_segment *s, uint64_t prev_end, struct mm_file *file)
{
	struct mm_struct *mm = emu->proc->mm;
	uint64_t page = arch_page_size(emu->mmu);
	uint64_t start = s->vaddr & ~(page - 1), map_start = start;
	uint64_t end = (s->end + page - 1) & ~(page - 1);
	uint64_t file_end = s->vaddr + s->filesz;
	uint64_t file_map_end = s->filesz ? (file_end + page - 1) & ~(page - 1) : start;
	unsigned prot = elf_prot(s->flags);
	int64_t addr;
	int err;

	if (prev_end > start) {
		/* prev_end is page-aligned and ends inside this segment's first page. */
		struct vm_area_struct *shared = vma_lookup(mm, start);
		unsigned both = prot;
		uint64_t n = MIN(s->filesz, start + page - s->vaddr);

		if (shared)
			both |= (unsigned)(shared->vm_flags & VM_ACCESS_FLAGS);
		err = do_mprotect(mm, start, page, both);
		if (err)
			return elf_load_error(emu, s->index, "cannot share its first page", err);
		if (n) {
			err = mm_poke(mm, s->vaddr, img->data + s->offset, n);
			if (err)
				return elf_load_error(emu, s->index, "cannot write", err);
		}
		map_start += page;
	}
	if (map_start < file_map_end) {
		/* Whole file pages, as Linux maps them: the bytes before p_vaddr come too. */
		uint64_t pgoff = (s->offset - (s->vaddr - start) + (map_start - start)) >>
				 emu->mmu->page_shift;

		addr = do_mmap_file(mm, map_start, file_map_end - map_start, prot,
				    MAP_FIXED_LINUX | MAP_PRIVATE_LINUX, file, pgoff);
		if (addr < 0)
			return elf_load_error(emu, s->index, "cannot map", (int)addr);
		/* Named as well, so that fault reports find the program by its VMAs' names. */
		err = mm_name_range(mm, map_start, file_map_end, emu->proc->exe_path);
		if (err)
			return elf_load_error(emu, s->index, "cannot name", err);
	}
	/* padzero(): the bss starts inside the last file page, whose tail must read zero. */
	if (s->end > file_end && s->filesz && (file_end & (page - 1))) {
		uint64_t len = file_map_end - file_end;
		uint8_t *zero = g_malloc0(len);

		err = mm_poke(mm, file_end, zero, len);
		g_free(zero);
		if (err)
			return elf_load_error(emu, s->index, "cannot clear the bss", err);
	}
	map_start = MAX(map_start, file_map_end);
	if (map_start < end) {
		addr = do_mmap(mm, map_start, end - map_start, prot,
			       MAP_FIXED_LINUX | MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX, 0);
		if (addr < 0)
			return elf_load_error(emu, s->index, "cannot map", (int)addr);
	}
	return 0;
}

/* The program file as an object to map: opened again, since the image is a copy. */
static struct mm_file *elf_open_file(struct emu *emu, const struct emu_image *img)
{
	struct stat st;
	int fd = open(img->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		elf_error(emu->proc->path, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		elf_error(emu->proc->path, "cannot stat: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if ((uint64_t)st.st_size != img->size) {
		elf_error(emu->proc->path, "the file changed while it was loaded");
		close(fd);
		return NULL;
	}
	return mm_file_open(emu->proc->mm, fd, emu->proc->exe_path, (uint64_t)st.st_size, st.st_dev, st.st_ino,
			    false);
}

int emu_elf_load(struct emu *emu, const struct emu_image *img)
{
	uint64_t page = arch_page_size(emu->mmu);
	uint64_t prev_end = 0, brk = 0;
	struct mm_file *file = elf_open_file(emu, img);

	if (!file)
		return -1;
	for (unsigned i = 0; i < img->nr_segs; i++) {
		const struct emu_segment *s = &img->segs[i];

		if (elf_load_segment(emu, img, s, prev_end, file)) {
			mm_file_put(file);
			return -1;
		}
		prev_end = (s->end + page - 1) & ~(page - 1);
		if (s->end > brk)
			brk = s->end;
	}
	mm_file_put(file);
	mm_set_brk(emu->proc->mm, brk);
	return 0;
}
