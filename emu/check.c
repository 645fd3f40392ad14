/* SPDX-License-Identifier: MIT */
/*
 * check.c - correctness tooling: --check and --inject.
 *
 * --check plays the part of the kernel's CONFIG_DEBUG_VM: mm_validate() runs after every
 * mm operation (each mmap, munmap, mprotect, brk, mremap and madvise, the loader's work,
 * and each demand fault the TLB-fill hook serves). A broken rule is reported with the
 * operation that broke it and stops the guest with status EMU_EXIT_CHECK (125).
 *
 * --check also turns on mm/'s stale-TLB detector (the TLB shadow, reporting to stderr): a
 * frame or table page freed while the emulator TLB may still reach it. Its reports do not
 * stop the guest (what the guest then reads is the point of looking), but they are counted
 * and, at the end, turn the exit status into 125. --check=access adds a memory hook (in
 * engine.c) that checks every access the engine's TLB served against the page tables.
 *
 * At the end, --check requires that teardown left no table page and no frame in use.
 *
 * --inject sets mm/'s allocation fault injection; the fault report and the status tell
 * what the guest saw.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "emu/emu.h"

/* Stale accesses printed at most; the rest are only counted. */
#define CHECK_MAX_ACCESS_REPORTS 10

void emu_check_setup(struct emu *emu)
{
	const struct emu_options *opt = emu->machine->opt;
	struct mm_struct *mm = emu->proc->mm;

	/* N counts from here: the root table mm_create() allocated cannot be made to fail. */
	if (opt->inject_frame_alloc)
		mm->inject_frame_alloc = mm->nr_frame_allocs + opt->inject_frame_alloc;
	if (opt->inject_table_alloc)
		mm->inject_table_alloc = mm->nr_table_allocs + opt->inject_table_alloc;
	if (opt->inject_keep_table)
		mm->inject_keep_table = mm->nr_table_frees + opt->inject_keep_table;
	if (opt->check) {
		mm->tlb_shadow = true;
		mm->report = stderr;
	}
}

int emu_check_mm(struct emu *emu, const char *what, ...)
{
	char msg[512];
	va_list ap;

	if (!emu->machine->opt->check || !mm_validate(emu->proc->mm, msg, sizeof(msg)))
		return 0;
	fprintf(stderr, "mmuemu: --check: %s[%d]: mm invariant broken after ", emu->comm,
		emu->tid);
	va_start(ap, what);
	vfprintf(stderr, what, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", msg);
	fflush(stderr);
	if (emu->end == EMU_END_NONE || emu->end == EMU_END_EXIT) {
		emu->end = EMU_END_CHECK;
		emu->status = EMU_EXIT_CHECK;
	}
	if (emu->running)
		emu_engine_stop(emu);
	return -1;
}

void emu_check_syscall(struct emu *emu, const char *name, const uint64_t *a, int64_t ret)
{
	if (!emu->machine->opt->check || !name)
		return;
	emu_check_mm(emu, "%s(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %#"
		     PRIx64 ", %#" PRIx64 ") = %" PRId64, name, a[0], a[1], a[2], a[3], a[4], a[5],
		     ret);
}

void emu_check_fill(struct emu *emu, uint64_t va, int err, uint64_t faults, uint64_t paddr)
{
	uint64_t mask = ~(arch_page_size(emu->mmu) - 1);

	if (!emu->machine->opt->check)
		return;
	if (emu->machine->opt->check_access && !err) {
		if (!emu->check_fills)
			emu->check_fills = g_hash_table_new_full(g_int64_hash, g_int64_equal,
								 g_free, g_free);
		g_hash_table_replace(emu->check_fills, g_memdup2(&(uint64_t){ va & mask }, 8),
				     g_memdup2(&(uint64_t){ paddr & mask }, 8));
	}
	/* A fill that only walked changed nothing worth a full check. */
	if (!err && emu->proc->mm->stats.faults == faults)
		return;
	emu_check_mm(emu, "fault at %#" PRIx64 "%s", va,
		     err == -ENOMEM ? " (out of guest memory)" : err ? " (refused)" : "");
}

static void check_stale(struct emu *emu, const char *msg)
{
	if (emu->stale_accesses++ < CHECK_MAX_ACCESS_REPORTS)
		fprintf(stderr, "mmuemu: --check=access: %s[%d]: %s\n", emu->comm, emu->tid,
			msg);
}

void emu_check_fetch(struct emu *emu, uint64_t va)
{
	char msg[256];

	if (mm_tlb_shadow_check(emu->proc->mm, va, MM_PROT_EXEC, msg, sizeof(msg)))
		check_stale(emu, msg);
}

/*
 * A load or store reached physical @paddr. The virtual pages the engine was ever given
 * that frame for are the candidates; the shadow knows which of them the engine may still
 * cache. The access certainly went through a stale entry when some candidate is stale and
 * none still maps the frame (a frame reused for another page is ambiguous: not reported).
 */
void emu_check_data(struct emu *emu, uint64_t paddr, mm_access_t access)
{
	uint64_t page = arch_page_size(emu->mmu), frame = paddr & ~(page - 1);
	char msg[256], first[256] = "";
	bool stale = false, live = false;
	GHashTableIter it;
	gpointer k, v;

	if (!emu->check_fills)
		return;
	g_hash_table_iter_init(&it, emu->check_fills);
	while (g_hash_table_iter_next(&it, &k, &v) && !live) {
		uint64_t vpage = *(uint64_t *)k, va = vpage | (paddr & (page - 1));
		struct arch_walk w;

		if (*(uint64_t *)v != frame)
			continue;
		if (mm_tlb_shadow_check(emu->proc->mm, va, access, msg, sizeof(msg))) {
			if (!stale)
				g_strlcpy(first, msg, sizeof(first));
			stale = true;
		} else if (mm_walk(emu->proc->mm, va, access, &w) == ARCH_WALK_OK &&
			   (w.paddr & ~(page - 1)) == frame) {
			live = true;
		}
	}
	if (stale && !live)
		check_stale(emu, first);
}

int emu_check_exit(struct emu *emu, int status)
{
	const struct mm_stats *st = &emu->proc->mm->stats;
	bool bad = false;

	if (!emu->machine->opt->check)
		return status;
	if (emu->check_fills)
		g_hash_table_destroy(emu->check_fills);
	emu->check_fills = NULL;
	if (emu->end == EMU_END_CHECK)
		return EMU_EXIT_CHECK;
	if (emu->proc->mm->stale_tlb_reports) {
		emu_warn("--check: the stale-TLB detector reported %" PRIu64 " frame%s or table "
			 "page%s freed before a TLB flush", emu->proc->mm->stale_tlb_reports,
			 emu->proc->mm->stale_tlb_reports == 1 ? "" : "s",
			 emu->proc->mm->stale_tlb_reports == 1 ? "" : "s");
		bad = true;
	}
	if (emu->stale_accesses) {
		emu_warn("--check=access: %" PRIu64 " access%s served by stale TLB entries",
			 emu->stale_accesses, emu->stale_accesses == 1 ? "" : "es");
		bad = true;
	}
	if (st->tables_in_use || st->frames_in_use) {
		emu_warn("--check: teardown leaked %" PRIu64 " table page%s and %" PRIu64
			 " frame%s", st->tables_in_use, st->tables_in_use == 1 ? "" : "s",
			 st->frames_in_use, st->frames_in_use == 1 ? "" : "s");
		bad = true;
	}
	for (unsigned l = 0; l < ARCH_MAX_LEVELS; l++) {
		if (st->tables_alloc[l] != st->tables_freed[l]) {
			emu_warn("--check: level %u: %" PRIu64 " table pages allocated, %" PRIu64
				 " freed", l, st->tables_alloc[l], st->tables_freed[l]);
			bad = true;
		}
	}
	if (mm_phys_frames_in_use(emu->machine->phys)) {
		emu_warn("--check: %" PRIu64 " frames of guest memory still allocated after exit",
			 mm_phys_frames_in_use(emu->machine->phys));
		bad = true;
	}
	return bad ? EMU_EXIT_CHECK : status;
}
