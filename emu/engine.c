/* SPDX-License-Identifier: MIT */
/*
 * engine.c - Unicorn, seen from the rest of emu/. The only file that includes it, and so
 * the one place where uc_err becomes a message.
 *
 * Guest physical memory is one uc_mem_map_ptr() over mm/'s frames. Unicorn runs in its
 * virtual-TLB mode: on every miss of its softmmu TLB it calls emu_tlb_fill(), which asks
 * mm_fill_tlb() to walk the guest's real page tables (serving a demand fault if the VMA
 * allows the access). A refused translation makes uc_emu_start() return with the PC at the
 * faulting instruction; the fault mm/ described is kept for the report.
 *
 * Translated code is cached by physical page. The guest's own stores into code are caught
 * by Unicorn, but mm/ writes guest memory from the host (the loader, a frame reused after
 * a free), and Unicorn's own detection re-arms only the virtual page the code was fetched
 * through, so a store through another alias of the frame goes unseen. emu_tlb_fill() marks
 * each frame it hands out with execute permission (code_pages) and each frame it hands
 * out writable (write_pages, until the next TLB flush), each with the guest page it was
 * handed out at (code_va, write_va; ENGINE_VA_MANY for several). Then:
 *  - a host write into a marked frame needs a code flush;
 *  - a writable translation of a code frame at another address than its code's (a
 *    second alias, RW or RWX) needs one;
 *  - an executable translation of a frame that a writable entry at another address may
 *    map needs a TLB flush, so that the alias is filled again and caught by the rule above.
 * One address for both is left to Unicorn, which re-arms its own writable entries for the
 * page it translates from.
 * Every internal stop is precise (docs/ENGINE.md): the code cache cannot be flushed inside
 * a hook, and uc_emu_stop() inside the fill hook stops mid-block with the PC of the block's
 * start. So a flush needed during a fill makes the fill refuse the translation: Unicorn
 * then unwinds to the faulting instruction exactly as for a page fault, the run loop
 * flushes, and emulation restarts at that instruction, which fills again and goes on. A
 * flush needed in a syscall hook stops there, at the instruction boundary after it.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <capstone/capstone.h>
#include <glib.h>
#include <unicorn/unicorn.h>

#include "emu/emu.h"


static struct emu *engine_emu(void *ctx)
{
	return ctx;
}

static bool engine_check(struct emu *emu, uc_err err, const char *what)
{
	if (err == UC_ERR_OK)
		return true;
	emu_warn("%s: %s: %s", emu->path, what, uc_strerror(err));
	return false;
}

/* ---- code pages: which frames Unicorn may have translated code from ---- */

/* One bit per frame: code_pages, write_pages. */
static bool engine_frame_test(const uint8_t *map, struct emu *emu, uint64_t paddr)
{
	uint64_t frame = paddr >> emu->mmu->page_shift;

	return frame < emu->nr_frames && (map[frame / 8] & (1u << (frame % 8)));
}

/* Set the frame's bit and record @va, or ENGINE_VA_MANY if another address has it. */
#define ENGINE_VA_MANY UINT64_MAX

static void engine_frame_mark(uint8_t *map, uint64_t *va, struct emu *emu, uint64_t paddr,
			      uint64_t page_va)
{
	uint64_t frame = paddr >> emu->mmu->page_shift;

	if (frame >= emu->nr_frames)
		return;
	if (!(map[frame / 8] & (1u << (frame % 8))))
		va[frame] = page_va;
	else if (va[frame] != page_va)
		va[frame] = ENGINE_VA_MANY;
	map[frame / 8] |= (uint8_t)(1u << (frame % 8));
}

static bool engine_range_has_code(struct emu *emu, uint64_t paddr, uint64_t len)
{
	uint64_t first = paddr >> emu->mmu->page_shift;
	uint64_t last = (paddr + (len ? len - 1 : 0)) >> emu->mmu->page_shift;

	for (uint64_t f = first; f <= last && f < emu->nr_frames; f++) {
		if (emu->code_pages[f / 8] & (1u << (f % 8)))
			return true;
	}
	return false;
}

/*
 * Drop every translated block, and every TLB entry, so that the next fetch from any page
 * comes back through emu_tlb_fill() and marks its frame again. Only outside uc_emu_start().
 */
static void engine_flush_code(struct emu *emu)
{
	uc_ctl_flush_tb(emu->uc);
	uc_ctl_flush_tlb(emu->uc);
	memset(emu->code_pages, 0, (emu->nr_frames + 7) / 8);
	memset(emu->write_pages, 0, (emu->nr_frames + 7) / 8);
	emu->code_flush_pending = false;
	emu->tlb_flush_pending = false;
	emu->count.code_flushes++;
}

/* The whole TLB goes: no writable entry remains. */
static void engine_flush_tlb(struct emu *emu)
{
	uc_ctl_flush_tlb(emu->uc);
	memset(emu->write_pages, 0, (emu->nr_frames + 7) / 8);
	emu->tlb_flush_pending = false;
}

/* ---- what mm/ asks of the engine ---- */

static void engine_flush_tlb_all(void *ctx)
{
	struct emu *emu = engine_emu(ctx);

	engine_flush_tlb(emu);
	emu->count.tlb_flushes++;
}

/* Unicorn 2.1.1 has no ranged flush: a range costs a full flush. */
static void engine_flush_tlb_range(void *ctx, uint64_t start, uint64_t end, bool freed_tables)
{
	engine_flush_tlb_all(ctx);
}

static void engine_invalidate_code(void *ctx, uint64_t paddr, uint64_t len)
{
	struct emu *emu = engine_emu(ctx);

	if (!engine_range_has_code(emu, paddr, len))
		return;
	emu->code_flush_pending = true;
	/* Inside the fill hook: the fill is refused and restarts (see the top). */
	if (emu->in_fill)
		emu->fill_restart = true;
	else if (emu->running)
		uc_emu_stop(emu->uc);
}

struct mm_engine emu_engine_mm_engine(struct emu *emu)
{
	return (struct mm_engine){
		.ctx = emu,
		.flush_tlb_all = engine_flush_tlb_all,
		.flush_tlb_range = engine_flush_tlb_range,
		.invalidate_code = engine_invalidate_code,
	};
}

/* ---- hooks ---- */

/* Fills an instruction may need to complete: two code pages, and data pages across. */
#define ENGINE_INJECT_GRACE 8

static unsigned engine_uc_perms(unsigned prot)
{
	return (prot & MM_PROT_READ ? UC_PROT_READ : 0) |
	       (prot & MM_PROT_WRITE ? UC_PROT_WRITE : 0) |
	       (prot & MM_PROT_EXEC ? UC_PROT_EXEC : 0);
}

static bool emu_tlb_fill(uc_engine *uc, uint64_t vaddr, uc_mem_type type, uc_tlb_entry *e,
			 void *user)
{
	struct emu *emu = user;
	mm_access_t access;
	uint64_t paddr, faults, page_va, frame;
	unsigned prot;
	int err;

	switch (type) {
	case UC_MEM_WRITE:
		access = MM_PROT_WRITE;
		break;
	case UC_MEM_FETCH:
		access = MM_PROT_EXEC;
		break;
	default:
		access = MM_PROT_READ;
		break;
	}
	emu->count.tlb_fills++;
	faults = emu->mm->stats.faults;
	emu->in_fill = true;
	err = mm_fill_tlb(emu->mm, vaddr, access, &paddr, &prot, &emu->fault);
	emu->in_fill = false;
	emu_check_fill(emu, vaddr, err, faults, err ? 0 : paddr);
	if (err) {
		emu->fault_pending = true;
		emu->fault_err = err;
		emu->fill_restart = false;
		return false;
	}
	/*
	 * --inject=code-flush:N. After a forced flush the restarted instruction must fill its
	 * code and data pages again before it can complete: the next ENGINE_INJECT_GRACE fills
	 * are spared, or a small N would flush forever.
	 */
	if (emu->opt->inject_code_flush) {
		if (emu->inject_grace)
			emu->inject_grace--;
		else if (++emu->fill_seq % emu->opt->inject_code_flush == 0) {
			emu->code_flush_pending = emu->fill_restart = true;
			emu->inject_grace = ENGINE_INJECT_GRACE;
		}
	}
	/*
	 * A writable entry for a frame with code fetched (or fetchable) through another
	 * address: Unicorn would re-arm only that address. Code flush, whatever the entry's
	 * execute permission (an RWX alias).
	 */
	page_va = vaddr & ~(arch_page_size(emu->mmu) - 1);
	frame = paddr >> emu->mmu->page_shift;
	if ((prot & MM_PROT_WRITE) && engine_frame_test(emu->code_pages, emu, paddr) &&
	    emu->code_va[frame] != page_va)
		emu->code_flush_pending = emu->fill_restart = true;
	/* Code in a frame that a writable entry at another address may still map. */
	if ((prot & MM_PROT_EXEC) && engine_frame_test(emu->write_pages, emu, paddr) &&
	    emu->write_va[frame] != page_va)
		emu->tlb_flush_pending = emu->fill_restart = true;
	if (emu->fill_restart)
		return false;
	if (prot & MM_PROT_EXEC)
		engine_frame_mark(emu->code_pages, emu->code_va, emu, paddr, page_va);
	if (prot & MM_PROT_WRITE)
		engine_frame_mark(emu->write_pages, emu->write_va, emu, paddr, page_va);
	/* vaddr is aligned to Unicorn's page, which may be a fraction of the guest's. */
	e->paddr = paddr + (vaddr & (arch_page_size(emu->mmu) - 1));
	e->perms = engine_uc_perms(prot);
	return true;
}

/*
 * --check=access: every load, store and instruction fetch, checked against the shadow.
 * In the virtual-TLB mode the memory hooks receive the physical address.
 */
static void emu_check_mem_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
			       int64_t value, void *user)
{
	emu_check_data(user, addr, type == UC_MEM_WRITE ? MM_PROT_WRITE : MM_PROT_READ);
}

static void emu_check_code_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	emu_check_fetch(user, addr);
}

static void emu_exception_hook(uc_engine *uc, uint32_t intno, void *user)
{
	struct emu *emu = user;

	emu->end = EMU_END_EXCEPTION;
	emu->intno = intno;
	uc_emu_stop(uc);
}

/* ---- life cycle ---- */

/* Unicorn's translated-code buffer: qemu-user's old default. */
#define ENGINE_TCG_BUFFER_SIZE (32u << 20)

/*
 * uc_ctl_get_page_size(), with the control word built from unsigned operands: Unicorn's
 * UC_CTL_READ() shifts the read bit into the sign bit of an int (undefined behaviour).
 */
static uc_err engine_get_page_size(uc_engine *uc, uint32_t *size)
{
	return uc_ctl(uc, UC_CTL(UC_CTL_UC_PAGE_SIZE, 1u, (unsigned)UC_CTL_IO_READ), size);
}

int emu_engine_open(struct emu *emu)
{
	const struct arch_mem *mem = mm_phys_mem(emu->phys);
	uint32_t uc_page = 0, page = (uint32_t)arch_page_size(emu->mmu);
	uc_hook hh;
	uc_err err;
	int ret;

	err = uc_open((uc_arch)emu->cpu->uc_arch, (uc_mode)emu->cpu->uc_mode, &emu->uc);
	if (!engine_check(emu, err, "cannot open the emulator"))
		return -1;
	/*
	 * Unicorn's own page must not be larger than the guest's: a TLB entry may not span two
	 * guest pages. (arm64 uses 1 KiB pages, and Unicorn 2.1.1 lets only 32-bit ARM change
	 * that: each 4 KiB guest page then takes up to four fills.)
	 */
	/*
	 * A small code buffer, set before anything initialises the engine: Unicorn's default
	 * is 1 GiB, and every flush of the code cache touches all of it (docs/ENGINE.md).
	 */
	err = uc_ctl_set_tcg_buffer_size(emu->uc, ENGINE_TCG_BUFFER_SIZE);
	if (!engine_check(emu, err, "cannot size the code buffer"))
		goto out_close;
	err = engine_get_page_size(emu->uc, &uc_page);
	if (!err && (uc_page > page || page % uc_page))
		err = UC_ERR_ARG;
	if (!engine_check(emu, err, "the emulator's page size does not fit the guest's"))
		goto out_close;
	err = uc_mem_map_ptr(emu->uc, 0, mem->size, UC_PROT_ALL, mem->base);
	if (!engine_check(emu, err, "cannot map guest physical memory"))
		goto out_close;
	err = uc_ctl_tlb_mode(emu->uc, UC_TLB_VIRTUAL);
	if (!engine_check(emu, err, "cannot select the virtual TLB"))
		goto out_close;
	/*
	 * The CPU enters user mode before our fill hook exists: arch/ may run a stub under a
	 * fill hook of its own that serves only the stub's page (x86_64's sysretq).
	 */
	ret = emu->cpu->cpu_init(emu->uc);
	if (!engine_check(emu, (uc_err)ret, "cannot set up the CPU"))
		goto out_close;
	/*
	 * No "until" address: with an exit list that stays empty, Unicorn neither stops at
	 * one nor translates it at every start (which would be a spurious fill and fault).
	 */
	err = uc_ctl_exits_enable(emu->uc);
	if (!engine_check(emu, err, "cannot select exit-list mode"))
		goto out_close;
	err = uc_hook_add(emu->uc, &hh, UC_HOOK_TLB_FILL, (void *)emu_tlb_fill, emu, 1, 0);
	if (!engine_check(emu, err, "cannot install the TLB-fill hook"))
		goto out_close;
	if (emu->opt->check_access) {
		err = uc_hook_add(emu->uc, &hh, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
				  (void *)emu_check_mem_hook, emu, 1, 0);
		if (!err)
			err = uc_hook_add(emu->uc, &hh, UC_HOOK_CODE, (void *)emu_check_code_hook,
					  emu, 1, 0);
		if (!engine_check(emu, err, "cannot install the --check=access hooks"))
			goto out_close;
	}
	emu->hooks = (struct arch_cpu_hooks){
		.syscall = emu_syscall_hook,
		.exception = emu_exception_hook,
		.user = emu,
	};
	ret = emu->cpu->hook_install(emu->uc, &emu->hooks);
	if (!engine_check(emu, (uc_err)ret, "cannot install the CPU hooks"))
		goto out_close;

	emu->nr_frames = mem->size >> emu->mmu->page_shift;
	emu->code_pages = g_malloc0((emu->nr_frames + 7) / 8);
	emu->write_pages = g_malloc0((emu->nr_frames + 7) / 8);
	emu->code_va = g_new(uint64_t, emu->nr_frames);
	emu->write_va = g_new(uint64_t, emu->nr_frames);
	return 0;

out_close:
	uc_close(emu->uc);
	emu->uc = NULL;
	return -1;
}

void emu_engine_close(struct emu *emu)
{
	if (emu->uc)
		uc_close(emu->uc);
	emu->uc = NULL;
	g_free(emu->code_pages);
	emu->code_pages = NULL;
	g_free(emu->write_pages);
	emu->write_pages = NULL;
	g_free(emu->code_va);
	g_free(emu->write_va);
	emu->code_va = emu->write_va = NULL;
}

void emu_engine_stop(struct emu *emu)
{
	uc_emu_stop(emu->uc);
}

/*
 * From any thread. uc_emu_stop() only sets flags (docs/ENGINE.md): the generated code
 * tests them at the start of every translation block. The count tells the run loop that
 * the stop was a kick.
 */
void emu_engine_kick(struct emu *emu)
{
	atomic_fetch_add(&emu->kicks, 1);
	uc_emu_stop(emu->uc);
}

uint64_t emu_reg_read(struct emu *emu, int reg)
{
	uint64_t v = 0;

	uc_reg_read(emu->uc, reg, &v);
	return v;
}

void emu_reg_write(struct emu *emu, int reg, uint64_t v)
{
	uc_reg_write(emu->uc, reg, &v);
}

/* An invalid instruction, or the one Linux traps on instead (arch_cpu.trap_insn). */
static uint32_t engine_invalid_intno(struct emu *emu, uint64_t pc)
{
	const struct arch_cpu *cpu = emu->cpu;
	uint8_t insn[16];

	if (cpu->trap_insn && cpu->trap_insn_len <= sizeof(insn) &&
	    !copy_from_user(emu->mm, insn, pc, cpu->trap_insn_len) &&
	    !memcmp(insn, cpu->trap_insn, cpu->trap_insn_len))
		return ARCH_INTNO_TRAP_INSN;
	return EMU_INTNO_INVALID_INSN;
}

/*
 * Emulate until the guest ends. Emulation also stops, and is resumed here at the PC it
 * reached, when the code cache or the TLB must be flushed: after a syscall hook asked for
 * it, or a refused fill (fill_restart), where Unicorn has put the PC back at the access.
 */
void emu_engine_run(struct emu *emu, uint64_t pc)
{
	uc_err err;
	uint64_t kicks;

	while (emu->end == EMU_END_NONE) {
		if (emu->code_flush_pending)
			engine_flush_code(emu);
		else if (emu->tlb_flush_pending)
			engine_flush_tlb(emu);
		emu->fault_pending = false;
		emu->running = true;
		kicks = atomic_load(&emu->kicks);
		err = uc_emu_start(emu->uc, pc, 0, 0, 0);
		emu->running = false;
		pc = emu_reg_read(emu, emu->cpu->reg_pc);
		/*
		 * Kicked (timer.c): stopped at the start of a translation block, every register
		 * consistent. Deliver there, as Linux does on the way back to user mode.
		 */
		if (err == UC_ERR_OK && emu->end == EMU_END_NONE &&
		    atomic_load(&emu->kicks) != kicks) {
			emu_signal_interrupt(emu);
			pc = emu_reg_read(emu, emu->cpu->reg_pc);
			continue;
		}
		if (emu->fill_restart) {
			emu->fill_restart = false;
			if (err == UC_ERR_EXCEPTION && emu->end == EMU_END_NONE)
				continue;
		}
		/* A fault or exception the guest handles resumes at its handler (signal.c). */
		if (emu->end == EMU_END_EXCEPTION && emu_signal_trap(emu, &pc))
			continue;
		if (emu->end != EMU_END_NONE)
			break;
		if (err != UC_ERR_OK) {
			if (emu->fault_pending) {
				emu->end = EMU_END_FAULT;
			} else if (err == UC_ERR_INSN_INVALID) {
				emu->end = EMU_END_EXCEPTION;
				emu->intno = engine_invalid_intno(emu, pc);
			} else {
				emu->end = EMU_END_ERROR;
				emu->engine_error = uc_strerror(err);
			}
			if (emu_signal_trap(emu, &pc))
				continue;
			break;
		}
		if (!emu->code_flush_pending && !emu->tlb_flush_pending && emu->cpu->halt_signal) {
			/* Stopped by itself: the CPU halted (hlt), which user mode may not do. */
			pc -= emu->cpu->halt_insn_len;
			emu_reg_write(emu, emu->cpu->reg_pc, pc);
			emu->end = EMU_END_EXCEPTION;
			emu->intno = EMU_INTNO_HALT;
			if (emu_signal_trap(emu, &pc))
				continue;
		}
	}
}

void emu_engine_versions(char *buf, size_t len)
{
	unsigned uv = uc_version(NULL, NULL);
	int cmaj = 0, cmin = 0;

	cs_version(&cmaj, &cmin);
	/* Unicorn 2 packs major.minor.patch.extra into one byte each. */
	snprintf(buf, len, "unicorn %u.%u.%u, capstone %d.%d", uv >> 24, (uv >> 16) & 0xff,
		 (uv >> 8) & 0xff, cmaj, cmin);
}
