// SPDX-License-Identifier: MIT
/*
 * fuzz_mm.c - libFuzzer harness for mm/, against a page-granular reference model.
 *
 * The input is a program: its first byte picks the architecture (x86_64_mmu or arm64_mmu),
 * then each operation is an opcode byte and its arguments: mmap (hint, MAP_FIXED,
 * MAP_FIXED_NOREPLACE, private or shared), munmap, mprotect, brk, mremap (in place, MAYMOVE,
 * FIXED), madvise(MADV_DONTNEED), touches (mm_fill_tlb), copy_to_user / copy_from_user
 * (within a page and across two), and allocation fault injection. Everything happens in a
 * window of WIN_PAGES pages that crosses 2 MiB and 1 GiB boundaries, over RAM guest memory
 * and a fake engine; no Unicorn.
 *
 * The machine runs up to NPROC processes: fork (mm_fork, sometimes with an allocation of
 * the machine failing: -ENOMEM and the parent as it was), switch and exit are operations
 * too; the others act on the current process. The model knows, per process and page of
 * the window: mapped or not, protection, shared or private, the shared object page it maps,
 * and four 8-byte slots of content (which of them it knows). Fork copies the model; private
 * writes then diverge, and a write to a shared page is seen by every process mapping the
 * same object page. After every operation:
 *  - mm_validate() of every process and mm_phys_validate() of the machine are 0 and the
 *    stale-TLB detector has reported nothing;
 *  - each page's VMA (vma_lookup) agrees with the model: mapped, protection, shared;
 *  - the operation's result agrees where Linux's is certain: munmap of an aligned range
 *    succeeds, mprotect and madvise report a hole with -ENOMEM (mprotect having changed the
 *    part before it, madvise all mapped parts), brk moves or stays, an access the
 *    protection allows succeeds and one it forbids fails, writes read back, unmapped pages
 *    read -EFAULT, MADV_DONTNEED'd private pages read zero and shared ones keep their data.
 * At the end every known slot of every process is read back, then the processes exit and
 * the last exit_mmap() must leave no frame and no table page in use.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined (LLVMFuzzerTestOneInput); linked with
 * replay.c instead, it replays the files named on its command line (the regression test).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/mm.h"

#define PG           UINT64_C(4096)
#define WIN_PAGES    1024u
#define WIN_BASE     UINT64_C(0x3ff00000)   /* page 256 is the 1 GiB boundary */
#define WIN_END      (WIN_BASE + WIN_PAGES * PG)
#define BRK_PAGE     880u                   /* start_brk, inside the window */
#define NSLOTS       4
#define MAX_OPS      256
#define PHYS_SIZE    (UINT64_C(32) << 20)

static const uint64_t slot_off[NSLOTS] = { 0, 1024, 2048, PG - 8 };

#define NPROC        3                      /* processes at most, after forks */

struct mpage {
	bool mapped;
	bool shared;
	unsigned prot;
	uint8_t known;              /* bit per slot */
	uint64_t val[NSLOTS];
	uint32_t obj;               /* shared pages: the object page they map (0: unknown) */
};

/* One process of the machine: its mm and the model of its window. */
struct proc {
	struct mm_struct *mm;
	struct mpage page[WIN_PAGES];
	uint64_t brk;
};

struct fuzz {
	const uint8_t *data;
	size_t size, pos;
	struct mm_phys *phys;
	struct proc procs[NPROC];
	unsigned nproc, cur;        /* live processes; the one operations act on */
	uint32_t next_obj;
	struct mm_struct *mm;       /* procs[cur].mm */
	struct mpage *page;         /* procs[cur].page */
	uint64_t brk;               /* the model's break, of procs[cur] while it is current */
	bool lenient;               /* an injected failure happened in this operation */
	uint64_t fa0, ta0;          /* allocation counts when the operation began */
	/*
	 * A shared mapping grew by mremap: its new pages may map object pages that another
	 * mapping shows too, so a write to a shared page may change any other shared page.
	 */
	bool alias;
	const char *op;
	int nops;
};

static void fail(struct fuzz *f, const char *fmt, ...) __attribute__((format(printf, 2, 3),
								      noreturn));

static void fail(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_mm: %s, op #%d (%s): ", f->mm->arch->name, f->nops, f->op);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- input ---- */

static uint8_t get8(struct fuzz *f)
{
	return f->pos < f->size ? f->data[f->pos++] : 0;
}

static uint16_t get16(struct fuzz *f)
{
	return (uint16_t)(get8(f) | get8(f) << 8);
}

static uint64_t get64(struct fuzz *f)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)get8(f) << (8 * i);
	return v;
}

static unsigned get_page(struct fuzz *f)
{
	return get16(f) % WIN_PAGES;
}

/* A length in pages: mostly small, sometimes large, sometimes 0. */
static unsigned get_npages(struct fuzz *f)
{
	uint8_t b = get8(f);

	if (b < 8)
		return b;
	if (b < 240)
		return 1 + b % 24;
	return 1 + (unsigned)get16(f) % 600;
}

static uint64_t va_of(unsigned p)
{
	return WIN_BASE + p * PG;
}

static bool in_win(uint64_t va)
{
	return va >= WIN_BASE && va < WIN_END;
}

/* Did an injected allocation failure fire since the operation began? */
static bool injected(struct fuzz *f)
{
	const struct mm_struct *mm = f->mm;

	if ((mm->inject_frame_alloc && f->fa0 < mm->inject_frame_alloc &&
	     mm->nr_frame_allocs >= mm->inject_frame_alloc) ||
	    (mm->inject_table_alloc && f->ta0 < mm->inject_table_alloc &&
	     mm->nr_table_allocs >= mm->inject_table_alloc))
		f->lenient = true;
	return f->lenient;
}

/* ---- the model ---- */

static void model_unmap(struct fuzz *f, uint64_t start, uint64_t end)
{
	for (uint64_t va = start; va < end; va += PG) {
		if (in_win(va))
			memset(&f->page[(va - WIN_BASE) / PG], 0, sizeof(struct mpage));
	}
}

static void model_map(struct fuzz *f, uint64_t start, uint64_t end, unsigned prot, bool shared)
{
	for (uint64_t va = start; va < end; va += PG) {
		struct mpage *p;

		if (!in_win(va))
			continue;
		p = &f->page[(va - WIN_BASE) / PG];
		memset(p, 0, sizeof(*p));
		p->mapped = true;
		p->prot = prot;
		p->shared = shared;
		p->known = (1u << NSLOTS) - 1;
		p->obj = shared ? ++f->next_obj : 0;
	}
}

/*
 * model_shared_write() - slot @s of the shared page @m was written: every page of every
 * process mapping the same object page (shared anonymous memory stays shared across fork)
 * now holds the same value.
 */
static void model_shared_write(struct fuzz *f, const struct mpage *m, unsigned s)
{
	if (!m->shared || !m->obj)
		return;
	for (unsigned p = 0; p < f->nproc; p++) {
		for (unsigned i = 0; i < WIN_PAGES; i++) {
			struct mpage *o = &f->procs[p].page[i];

			if (o == m || !o->shared || o->obj != m->obj)
				continue;
			o->val[s] = m->val[s];
			o->known = (uint8_t)((o->known & ~(1u << s)) | (m->known & (1u << s)));
		}
	}
}

/* Forget what the model knows of the contents of [start, end). */
static void model_forget(struct fuzz *f, uint64_t start, uint64_t end)
{
	for (uint64_t va = start; va < end; va += PG) {
		if (in_win(va))
			f->page[(va - WIN_BASE) / PG].known = 0;
	}
}

/*
 * After an operation whose outcome the model does not predict: take mapped, protection and
 * sharing from the VMAs. A page may vanish; one may appear only after an injected failure.
 */
static void model_resync(struct fuzz *f)
{
	for (unsigned i = 0; i < WIN_PAGES; i++) {
		struct vm_area_struct *vma = vma_lookup(f->mm, va_of(i));
		struct mpage *p = &f->page[i];

		if (!vma) {
			memset(p, 0, sizeof(*p));
			continue;
		}
		if (!p->mapped) {
			if (!injected(f))
				fail(f, "page %#" PRIx64 " was mapped by a failed operation", va_of(i));
			p->known = 0;
		}
		p->mapped = true;
		p->prot = (unsigned)(vma->vm_flags & VM_ACCESS_FLAGS);
		if (p->shared != !!(vma->vm_flags & VM_SHARED))
			p->obj = 0;
		p->shared = !!(vma->vm_flags & VM_SHARED);
	}
}

static void model_compare(struct fuzz *f)
{
	for (unsigned i = 0; i < WIN_PAGES; i++) {
		struct vm_area_struct *vma = vma_lookup(f->mm, va_of(i));
		const struct mpage *p = &f->page[i];

		if (!!vma != p->mapped)
			fail(f, "page %#" PRIx64 ": model says %s, mm says %s", va_of(i),
			     p->mapped ? "mapped" : "unmapped", vma ? "mapped" : "unmapped");
		if (!vma)
			continue;
		if ((vma->vm_flags & VM_ACCESS_FLAGS) != p->prot)
			fail(f, "page %#" PRIx64 ": prot %#x, model %#x", va_of(i),
			     (unsigned)(vma->vm_flags & VM_ACCESS_FLAGS), p->prot);
		if (!!(vma->vm_flags & VM_SHARED) != p->shared)
			fail(f, "page %#" PRIx64 ": shared %d, model %d", va_of(i),
			     !!(vma->vm_flags & VM_SHARED), p->shared);
	}
}

static void check_invariants(struct fuzz *f)
{
	char msg[512];

	for (unsigned p = 0; p < f->nproc; p++) {
		struct mm_struct *mm = f->procs[p].mm;

		if (mm_validate(mm, msg, sizeof(msg)))
			fail(f, "mm_validate of process %u: %s", p, msg);
		if (mm->stale_tlb_reports)
			fail(f, "the stale-TLB detector reported a frame freed before a flush "
			     "(process %u)", p);
	}
	/* The machine: reference and map counts over every process and the page cache. */
	if (mm_phys_validate(f->phys, msg, sizeof(msg)))
		fail(f, "mm_phys_validate (%u processes): %s", f->nproc, msg);
}

/* ---- operations ---- */

static unsigned get_prot(struct fuzz *f)
{
	static const unsigned prots[] = {
		MM_PROT_READ | MM_PROT_WRITE, MM_PROT_READ, MM_PROT_NONE,
		MM_PROT_READ | MM_PROT_EXEC, MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC,
		MM_PROT_READ | MM_PROT_WRITE, MM_PROT_WRITE, MM_PROT_EXEC,
	};

	return prots[get8(f) % 8];
}

static void op_mmap(struct fuzz *f)
{
	uint8_t how = get8(f);
	unsigned p = get_page(f), n = get_npages(f), prot = get_prot(f);
	unsigned flags = MAP_ANONYMOUS_LINUX | (how & 1 ? MAP_SHARED_LINUX : MAP_PRIVATE_LINUX);
	uint64_t addr = va_of(p), len = n * PG;
	int64_t ret;
	bool overlap = false;

	switch ((how >> 1) % 4) {
	case 0:
		addr = 0;
		break;
	case 1:
		break;                  /* a hint */
	case 2:
		flags |= MAP_FIXED_LINUX;
		break;
	default:
		flags |= MAP_FIXED_NOREPLACE_LINUX;
		break;
	}
	if (flags & (MAP_FIXED_LINUX | MAP_FIXED_NOREPLACE_LINUX) && addr + len > WIN_END)
		len = WIN_END - addr;
	for (uint64_t va = addr; addr && va < addr + len && va < WIN_END; va += PG)
		overlap |= f->page[(va - WIN_BASE) / PG].mapped;
	f->op = "mmap";
	ret = do_mmap(f->mm, addr, len, prot, flags, 0);
	if (ret < 0) {
		if (injected(f)) {
			model_resync(f);
			return;
		}
		if (!len && ret == -EINVAL)
			return;
		if ((flags & MAP_FIXED_NOREPLACE_LINUX) && overlap && ret == -EEXIST)
			return;
		if (!(flags & (MAP_FIXED_LINUX | MAP_FIXED_NOREPLACE_LINUX)) && ret == -ENOMEM)
			return;
		fail(f, "mmap(%#" PRIx64 ", %#" PRIx64 ", %#x, %#x) = %" PRId64, addr, len, prot,
		     flags, ret);
	}
	if (!len)
		fail(f, "mmap of length 0 succeeded");
	if ((flags & (MAP_FIXED_LINUX | MAP_FIXED_NOREPLACE_LINUX)) && (uint64_t)ret != addr)
		fail(f, "MAP_FIXED mmap at %#" PRIx64 " returned %#" PRIx64, addr, (uint64_t)ret);
	if ((flags & MAP_FIXED_NOREPLACE_LINUX) && overlap)
		fail(f, "MAP_FIXED_NOREPLACE replaced a mapping at %#" PRIx64, addr);
	if (!in_win((uint64_t)ret) || (uint64_t)ret + len > WIN_END) {
		/* Placed outside the window: not modelled, take it away again. */
		if (do_munmap(f->mm, (uint64_t)ret, len))
			fail(f, "munmap of a fresh mapping failed");
		model_unmap(f, (uint64_t)ret, (uint64_t)ret + len);
		return;
	}
	model_map(f, (uint64_t)ret, (uint64_t)ret + len, prot, how & 1);
}

static void op_munmap(struct fuzz *f)
{
	unsigned p = get_page(f), n = get_npages(f);
	uint64_t addr = va_of(p), len = n * PG;
	int ret;

	f->op = "munmap";
	ret = do_munmap(f->mm, addr, len);
	if (injected(f)) {
		model_resync(f);
		return;
	}
	if (!len) {
		if (ret != -EINVAL)
			fail(f, "munmap of length 0 = %d", ret);
		return;
	}
	if (ret)
		fail(f, "munmap(%#" PRIx64 ", %#" PRIx64 ") = %d", addr, len, ret);
	model_unmap(f, addr, addr + len);
}

static void op_mprotect(struct fuzz *f)
{
	unsigned p = get_page(f), n = get_npages(f), prot = get_prot(f);
	uint64_t addr = va_of(p), len = n * PG;
	int ret, want = 0;

	if (addr + len > WIN_END)
		len = WIN_END - addr;
	f->op = "mprotect";
	ret = do_mprotect(f->mm, addr, len, prot);
	if (injected(f)) {
		model_resync(f);
		return;
	}
	/* Linux: the part before the first hole is changed, then -ENOMEM. */
	for (uint64_t va = addr; va < addr + len; va += PG) {
		struct mpage *m = &f->page[(va - WIN_BASE) / PG];

		if (!m->mapped) {
			want = -ENOMEM;
			break;
		}
	}
	if (ret != want)
		fail(f, "mprotect(%#" PRIx64 ", %#" PRIx64 ", %#x) = %d, model %d", addr, len, prot,
		     ret, want);
	for (uint64_t va = addr; va < addr + len; va += PG) {
		struct mpage *m = &f->page[(va - WIN_BASE) / PG];

		if (!m->mapped)
			break;
		m->prot = prot;
	}
}

static void op_madvise(struct fuzz *f)
{
	unsigned p = get_page(f), n = get_npages(f);
	uint64_t addr = va_of(p), len = n * PG;
	int ret, want = 0;

	if (addr + len > WIN_END)
		len = WIN_END - addr;
	f->op = "madvise";
	ret = do_madvise(f->mm, addr, len, MADV_DONTNEED_LINUX);
	if (injected(f)) {
		model_resync(f);
		model_forget(f, addr, addr + len);
		return;
	}
	/* Linux: every mapped part is zapped, a hole anywhere makes it -ENOMEM. */
	for (uint64_t va = addr; va < addr + len; va += PG) {
		struct mpage *m = &f->page[(va - WIN_BASE) / PG];

		if (!m->mapped) {
			want = -ENOMEM;
			continue;
		}
		if (!m->shared) {
			memset(m->val, 0, sizeof(m->val));
			m->known = (1u << NSLOTS) - 1;
		}
	}
	if (ret != want)
		fail(f, "madvise(%#" PRIx64 ", %#" PRIx64 ", DONTNEED) = %d, model %d", addr, len,
		     ret, want);
}

static void op_brk(struct fuzz *f)
{
	uint64_t start = va_of(BRK_PAGE), want = start + get16(f) % (100 * PG);
	uint64_t old_end = (f->brk + PG - 1) & ~(PG - 1), new_end = (want + PG - 1) & ~(PG - 1);
	uint64_t got;

	f->op = "brk";
	got = do_brk(f->mm, want);
	if (injected(f)) {
		f->brk = got;
		model_resync(f);
		return;
	}
	if (got == f->brk && want != f->brk) {
		/* Refused: only when growing into something mapped (or out of memory). */
		for (uint64_t va = old_end; va < new_end; va += PG) {
			if (f->page[(va - WIN_BASE) / PG].mapped)
				return;
		}
		if (new_end > old_end && new_end + PG <= WIN_END &&
		    f->page[(new_end - WIN_BASE) / PG].mapped)
			return;         /* the guard gap below a following mapping */
		if (new_end <= old_end)
			fail(f, "brk shrink from %#" PRIx64 " to %#" PRIx64 " refused", f->brk, want);
		if (new_end > old_end)
			fail(f, "brk grow from %#" PRIx64 " to %#" PRIx64 " refused", f->brk, want);
		return;
	}
	if (got != want)
		fail(f, "brk(%#" PRIx64 ") = %#" PRIx64 " (old %#" PRIx64 ")", want, got, f->brk);
	if (new_end < old_end)
		model_unmap(f, new_end, old_end);
	else if (new_end > old_end)
		model_map(f, old_end, new_end, MM_PROT_READ | MM_PROT_WRITE, false);
	f->brk = got;
}

static void op_mremap(struct fuzz *f)
{
	uint8_t how = get8(f);
	unsigned p = get_page(f), ol = get_npages(f) ? : 1, nl = get_npages(f) ? : 1;
	unsigned np = get_page(f), flags = 0;
	uint64_t old = va_of(p), new_addr = va_of(np), olen, nlen, moved;
	struct mpage saved[WIN_PAGES];
	bool uniform = true;
	int64_t ret;

	if (old + ol * PG > WIN_END)
		ol = (unsigned)((WIN_END - old) / PG);
	olen = ol * PG;
	nlen = nl * PG;
	switch (how % 3) {
	case 0:
		break;
	case 1:
		flags = MREMAP_MAYMOVE_LINUX;
		break;
	default:
		flags = MREMAP_MAYMOVE_LINUX | MREMAP_FIXED_LINUX;
		if (new_addr + nlen > WIN_END)
			nlen = WIN_END - new_addr;
		if (!nlen)
			return;
		nl = (unsigned)(nlen / PG);
		break;
	}
	memcpy(saved, f->page + p, ol * sizeof(struct mpage));
	/* What is kept must be one mapping; a shrunk tail is unmapped whatever it holds. */
	for (unsigned i = 0; i < ol && i < nl; i++)
		uniform &= saved[i].mapped && saved[i].prot == saved[0].prot &&
			   saved[i].shared == saved[0].shared;
	f->op = "mremap";
	ret = do_mremap(f->mm, old, olen, nlen, flags, new_addr);
	if (ret < 0) {
		/* Its failures are not all predictable (one VMA only): the VMAs tell. */
		model_resync(f);
		if (!injected(f) && uniform && (how % 3) && ret != -ENOMEM && ret != -EFAULT &&
		    ret != -EINVAL)
			fail(f, "mremap = %" PRId64, ret);
		return;
	}
	/* Linux allows any shrink in place: it only unmaps the tail. */
	if (!uniform && !injected(f) && (nl > ol || (flags & MREMAP_FIXED_LINUX)))
		fail(f, "mremap over pages of different mappings succeeded");
	if ((flags & MREMAP_FIXED_LINUX) && (uint64_t)ret != new_addr)
		fail(f, "MREMAP_FIXED to %#" PRIx64 " returned %#" PRIx64, new_addr, (uint64_t)ret);
	if (!flags && (uint64_t)ret != old)
		fail(f, "mremap without MAYMOVE moved %#" PRIx64 " to %#" PRIx64, old, (uint64_t)ret);
	moved = ol < nl ? ol : nl;
	/* Old range gone (what stays in place comes back below), target replaced. */
	model_unmap(f, old, old + olen);
	if (flags & MREMAP_FIXED_LINUX)
		model_unmap(f, new_addr, new_addr + nlen);
	if (!in_win((uint64_t)ret) || (uint64_t)ret + nlen > WIN_END) {
		if (do_munmap(f->mm, (uint64_t)ret, nlen))
			fail(f, "munmap of a moved mapping failed");
		return;
	}
	for (unsigned i = 0; i < nl; i++) {
		struct mpage *m = &f->page[((uint64_t)ret - WIN_BASE) / PG + i];

		if (i < moved) {
			*m = saved[i];
			continue;
		}
		memset(m, 0, sizeof(*m));
		m->mapped = true;
		m->prot = saved[0].prot;
		m->shared = saved[0].shared;
		/* Private growth is zero; shared growth reads the object (or SIGBUS). */
		f->alias |= saved[0].shared;
		m->known = saved[0].shared ? 0 : (1u << NSLOTS) - 1;
	}
	if (injected(f))
		model_resync(f);
}

/* Expected outcome of a user access: 1 must succeed, 0 must fail, -1 not predicted. */
static int may_access(const struct mpage *m, unsigned access)
{
	if (!m->mapped || m->prot == MM_PROT_NONE)
		return 0;
	if (access == MM_PROT_WRITE)
		return m->prot & MM_PROT_WRITE ? (m->shared && !m->known ? -1 : 1) : 0;
	if (access == MM_PROT_READ && (m->prot & MM_PROT_READ))
		return m->shared && !m->known ? -1 : 1;
	return -1;
}

static void op_touch(struct fuzz *f)
{
	unsigned p = get_page(f);
	static const unsigned acc[] = { MM_PROT_READ, MM_PROT_WRITE, MM_PROT_EXEC };
	unsigned access = acc[get8(f) % 3];
	struct mm_fault fault;
	uint64_t paddr;
	unsigned prot;
	int want = may_access(&f->page[p], access), ret;

	f->op = "touch";
	ret = mm_fill_tlb(f->mm, va_of(p) + get16(f) % PG, access, &paddr, &prot, &fault);
	if (injected(f) || want < 0)
		return;
	if (want && ret)
		fail(f, "%s touch of %#" PRIx64 " (prot %#x) = %d", access == MM_PROT_WRITE ?
		     "write" : "read", va_of(p), f->page[p].prot, ret);
	if (!want && ret != -EFAULT)
		fail(f, "touch %#x of %#" PRIx64 " (mapped %d prot %#x) = %d, expected -EFAULT",
		     access, va_of(p), f->page[p].mapped, f->page[p].prot, ret);
	if (!ret && !(prot & access))
		fail(f, "touch %#x of %#" PRIx64 " granted only %#x", access, va_of(p), prot);
}

/* The slots an access of 8 or 16 bytes at (page, slot) covers. */
static void op_copy(struct fuzz *f, bool write)
{
	unsigned p = get_page(f), s = get8(f) % NSLOTS;
	bool cross = s == NSLOTS - 1 && p + 1 < WIN_PAGES && (get8(f) & 1);
	uint64_t va = va_of(p) + slot_off[s], v[2] = { get64(f), get64(f) }, got[2] = { 0, 0 };
	struct mpage *m0 = &f->page[p], *m1 = cross ? &f->page[p + 1] : NULL;
	unsigned access = write ? MM_PROT_WRITE : MM_PROT_READ;
	int w0 = may_access(m0, access), w1 = m1 ? may_access(m1, access) : 1, want, ret;
	size_t n = cross ? 16 : 8;

	want = (w0 == 0 || w1 == 0) ? 0 : (w0 < 0 || w1 < 0) ? -1 : 1;
	f->op = write ? "copy_to_user" : "copy_from_user";
	ret = write ? copy_to_user(f->mm, va, v, n) : copy_from_user(f->mm, got, va, n);
	if (!injected(f) && want == 1 && ret)
		fail(f, "%s of %zu bytes at %#" PRIx64 " = %d", f->op, n, va, ret);
	if (!injected(f) && want == 0 && ret != -EFAULT)
		fail(f, "%s of %zu bytes at %#" PRIx64 " = %d, expected -EFAULT", f->op, n, va,
		     ret);
	if (write) {
		if (ret) {
			/* A failed copy may have written part: forget both, and where shared. */
			m0->known &= (uint8_t)~(1u << s);
			model_shared_write(f, m0, s);
			if (m1) {
				m1->known &= (uint8_t)~1u;
				model_shared_write(f, m1, 0);
			}
			return;
		}
		if (f->alias && (m0->shared || (m1 && m1->shared))) {
			for (unsigned p = 0; p < f->nproc; p++)
				for (unsigned i = 0; i < WIN_PAGES; i++)
					if (f->procs[p].page[i].shared)
						f->procs[p].page[i].known = 0;
		}
		m0->val[s] = v[0];
		m0->known |= (uint8_t)(1u << s);
		if (!f->alias)
			model_shared_write(f, m0, s);
		if (m1) {
			m1->val[0] = v[1];
			m1->known |= 1u;
			if (!f->alias)
				model_shared_write(f, m1, 0);
		}
		return;
	}
	if (ret)
		return;
	if ((m0->known & (1u << s)) && got[0] != m0->val[s])
		fail(f, "read %#" PRIx64 " at %#" PRIx64 ", model %#" PRIx64, got[0], va,
		     m0->val[s]);
	if (m1 && (m1->known & 1u) && got[1] != m1->val[0])
		fail(f, "read %#" PRIx64 " at %#" PRIx64 ", model %#" PRIx64, got[1], va + 8,
		     m1->val[0]);
}

static void op_inject(struct fuzz *f)
{
	uint8_t b = get8(f);

	f->op = "inject";
	if (b & 1)
		f->mm->inject_frame_alloc = f->mm->nr_frame_allocs + 1 + (b >> 1) % 16;
	else
		f->mm->inject_table_alloc = f->mm->nr_table_allocs + 1 + (b >> 1) % 8;
}

/* ---- processes: fork, switch, exit ---- */

static void proc_enter(struct fuzz *f, unsigned p)
{
	f->procs[f->cur].brk = f->brk;
	f->cur = p;
	f->mm = f->procs[p].mm;
	f->page = f->procs[p].page;
	f->brk = f->procs[p].brk;
}

/*
 * op_fork() - fork the current process (mm_fork), sometimes with the machine's Nth
 * allocation failing: a failure is -ENOMEM and leaves the parent as it was. The child's
 * model is the parent's: the same contents, the same shared object pages; from now on
 * private writes diverge and shared ones are seen by both.
 */
static void op_fork(struct fuzz *f, uint8_t b)
{
	struct mm_struct *child;
	uint64_t before = mm_phys_frames_in_use(f->phys);
	int err;

	f->op = "fork";
	if (f->nproc == NPROC)
		return;
	if (b & 4)
		mm_phys_fail_after(f->phys, (b >> 3) % 12);
	err = mm_fork(f->mm, &f->mm->engine, &child);
	mm_phys_fail_after(f->phys, -1);
	if (err) {
		if (!(b & 4) || err != -ENOMEM)
			fail(f, "fork = %d", err);
		if (mm_phys_frames_in_use(f->phys) != before)
			fail(f, "failed fork left %" PRIu64 " frames in use, %" PRIu64 " before",
			     mm_phys_frames_in_use(f->phys), before);
		return;
	}
	f->procs[f->cur].brk = f->brk;
	f->procs[f->nproc].mm = child;
	memcpy(f->procs[f->nproc].page, f->page, sizeof(f->procs[0].page));
	f->procs[f->nproc].brk = f->brk;
	f->nproc++;
	if (child->brk != f->mm->brk || child->map_count != f->mm->map_count)
		fail(f, "the child's brk or vma count differs from the parent's");
}

/* op_exit() - the current process exits (exit_mmap); the first one left goes on. */
static void op_exit(struct fuzz *f)
{
	unsigned p = f->cur;

	f->op = "exit";
	if (f->nproc == 1)
		return;
	if (f->mm->stale_tlb_reports)
		fail(f, "the stale-TLB detector reported before exit");
	exit_mmap(f->mm);
	if (f->mm->stale_tlb_reports)
		fail(f, "the stale-TLB detector reported at exit");
	mm_destroy(f->mm);
	f->procs[p] = f->procs[f->nproc - 1];
	f->nproc--;
	f->cur = p < f->nproc ? p : 0;
	f->mm = f->procs[f->cur].mm;
	f->page = f->procs[f->cur].page;
	f->brk = f->procs[f->cur].brk;
}

static void op_proc(struct fuzz *f)
{
	uint8_t b = get8(f);

	switch (b % 4) {
	case 0: case 1:
		op_fork(f, b);
		break;
	case 2:
		f->op = "switch";
		proc_enter(f, get8(f) % f->nproc);
		break;
	default:
		op_exit(f);
		break;
	}
}

static void final_check(struct fuzz *f)
{
	f->op = "final read-back";
	f->lenient = false;
	for (unsigned p = 0; p < f->nproc; p++) {
		f->procs[p].mm->inject_frame_alloc = f->procs[p].mm->inject_table_alloc = 0;
	}
	for (unsigned p = 0; p < f->nproc; p++) {
	proc_enter(f, p);
	for (unsigned i = 0; i < WIN_PAGES; i++) {
		struct mpage *m = &f->page[i];

		if (!m->mapped || !(m->prot & MM_PROT_READ))
			continue;
		for (unsigned s = 0; s < NSLOTS; s++) {
			uint64_t got;

			if (!(m->known & (1u << s)))
				continue;
			if (copy_from_user(f->mm, &got, va_of(i) + slot_off[s], 8))
				fail(f, "read of %#" PRIx64 " failed", va_of(i) + slot_off[s]);
			if (got != m->val[s])
				fail(f, "read %#" PRIx64 " at %#" PRIx64 ", model %#" PRIx64, got,
				     va_of(i) + slot_off[s], m->val[s]);
		}
	}
	}
	check_invariants(f);
}

/* The fake engine: counts flushes, nothing else to do without Unicorn. */
static uint64_t fake_flushes;

static void fake_flush_all(void *ctx)
{
	fake_flushes++;
}

static void fake_flush_range(void *ctx, uint64_t start, uint64_t end, bool freed_tables)
{
	if (start >= end)
		abort();
	fake_flushes++;
}

static const struct mm_engine fake_engine = {
	.flush_tlb_all = fake_flush_all,
	.flush_tlb_range = fake_flush_range,
};

static void run(const uint8_t *data, size_t size)
{
	static struct fuzz f;
	const struct arch_mmu *arch;

	memset(&f, 0, sizeof(f));
	f.data = data;
	f.size = size;
	arch = get8(&f) & 1 ? &arm64_mmu : &x86_64_mmu;
	if (mm_phys_create(PHYS_SIZE, arch->page_shift, &f.phys))
		abort();
	if (mm_create(arch, f.phys, &fake_engine, &f.procs[0].mm))
		abort();
	f.nproc = 1;
	f.mm = f.procs[0].mm;
	f.page = f.procs[0].page;
	f.mm->tlb_shadow = true;
	/* FUZZ_MM_TRACE=1: mm/'s own trace of every operation, to turn a crash into a test. */
	if (getenv("FUZZ_MM_TRACE"))
		f.mm->trace = stderr;
	f.mm->mmap_base = WIN_END;
	mm_set_brk(f.mm, va_of(BRK_PAGE));
	f.brk = va_of(BRK_PAGE);
	f.op = "start";
	while (f.pos < f.size && f.nops < MAX_OPS) {
		uint8_t op = get8(&f);

		f.fa0 = f.mm->nr_frame_allocs;
		f.ta0 = f.mm->nr_table_allocs;
		f.nops++;
		/* An injected failure fires during this operation: its outcome is not predicted. */
		f.lenient = false;
		switch (op % 12) {
		case 0: case 1: op_mmap(&f); break;
		case 2: case 3: op_munmap(&f); break;
		case 4: op_mprotect(&f); break;
		case 5: op_madvise(&f); break;
		case 6: op_brk(&f); break;
		case 7: op_mremap(&f); break;
		case 8: op_touch(&f); break;
		case 9: op_copy(&f, true); break;
		case 10: op_copy(&f, false); break;
		default:
			if (op & 0x80)
				op_inject(&f);
			else if ((op & 0x60) == 0x60)
				op_proc(&f);
			else
				op_copy(&f, true);
			break;
		}
		if (injected(&f)) {
			/* Redo the model from the VMAs, without the strict checks. */
			f.lenient = true;
			f.brk = f.mm->brk;
			model_resync(&f);
		}
		check_invariants(&f);
		model_compare(&f);
	}
	final_check(&f);
	/* Every process exits, the last one first; the machine must be left empty. */
	while (f.nproc > 1) {
		proc_enter(&f, f.nproc - 1);
		op_exit(&f);
		check_invariants(&f);
	}
	exit_mmap(f.mm);
	if (f.mm->stats.frames_in_use || f.mm->stats.tables_in_use ||
	    mm_phys_frames_in_use(f.phys))
		fail(&f, "after exit: %" PRIu64 " frames, %" PRIu64 " tables, %" PRIu64
		     " physical frames in use", f.mm->stats.frames_in_use,
		     f.mm->stats.tables_in_use, mm_phys_frames_in_use(f.phys));
	if (f.mm->stale_tlb_reports)
		fail(&f, "the stale-TLB detector reported at exit");
	mm_destroy(f.mm);
	mm_phys_destroy(f.phys);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size);
	return 0;
}
