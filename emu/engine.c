/* SPDX-License-Identifier: MIT */
/*
 * engine.c - Unicorn, seen from the rest of emu/: a pure adapter. With regs.c (registers
 * and stops) the only file that includes it, and the one place where uc_err becomes a
 * message. It calls up only through struct emu_engine_ops, which run.c registers (the
 * TLB fill, syscalls, CPU exceptions, --check=access), as mm/ calls it through struct
 * mm_engine; emu_engine_start() says why emulation stopped and the run loop decides.
 *
 * Guest physical memory is one uc_mem_map_ptr() over mm/'s frames. Unicorn runs in its
 * virtual-TLB mode: on every miss of its softmmu TLB it calls emu_tlb_fill(), which asks
 * the layer above (run.c: mm_fill_tlb(), the guest's real page tables, serving a demand
 * fault if the VMA allows the access). A refused translation makes uc_emu_start() return
 * with the PC at the faulting instruction.
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
 * then unwinds to the faulting instruction exactly as for a page fault,
 * emu_engine_start() flushes and restarts at that instruction, which fills again and goes
 * on. A flush needed in a syscall hook stops there, at the instruction boundary after it.
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
	emu_warn("%s: %s: %s", emu->proc->path, what, uc_strerror(err));
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
		emu_engine_stop(emu);
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
	uint64_t paddr, page_va, frame;
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
	emu->in_fill = true;
	err = emu->engine_ops.tlb_fill(emu->engine_ops.ctx, vaddr, access, &paddr, &prot);
	emu->in_fill = false;
	if (err) {
		emu->fault_pending = true;
		emu->fill_restart = false;
		return false;
	}
	/*
	 * --inject=code-flush:N. After a forced flush the restarted instruction must fill its
	 * code and data pages again before it can complete: the next ENGINE_INJECT_GRACE fills
	 * are spared, or a small N would flush forever.
	 */
	if (emu->machine->opt->inject_code_flush) {
		if (emu->inject_grace)
			emu->inject_grace--;
		else if (++emu->fill_seq % emu->machine->opt->inject_code_flush == 0) {
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
 * --check=access: every load, store and instruction fetch, handed up.
 * In the virtual-TLB mode the memory hooks receive the physical address.
 */
static void engine_mem_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
			    int64_t value, void *user)
{
	struct emu *emu = user;

	emu->engine_ops.mem_access(emu->engine_ops.ctx, addr,
				   type == UC_MEM_WRITE ? MM_PROT_WRITE : MM_PROT_READ);
}

static void engine_code_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct emu *emu = user;

	emu->engine_ops.fetch(emu->engine_ops.ctx, addr);
}

static void engine_syscall_hook(struct uc_struct *uc, void *user)
{
	struct emu *emu = user;

	emu->engine_ops.syscall(emu->engine_ops.ctx);
}

/* A CPU exception (arch/ has already filtered it): handed up, and emulation stops. */
static void engine_exception_hook(uc_engine *uc, uint32_t intno, void *user)
{
	struct emu *emu = user;

	emu->engine_ops.exception(emu->engine_ops.ctx, intno);
	emu_engine_stop(emu);
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

int emu_engine_open(struct emu *emu, const struct emu_engine_ops *ops)
{
	const struct arch_mem *mem = mm_phys_mem(emu->machine->phys);
	uint32_t uc_page = 0, page = (uint32_t)arch_page_size(emu->mmu);
	uc_hook hh;
	uc_err err;
	int ret;

	emu->engine_ops = *ops;
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
	if (ops->mem_access && ops->fetch) {
		err = uc_hook_add(emu->uc, &hh, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
				  (void *)engine_mem_hook, emu, 1, 0);
		if (!err)
			err = uc_hook_add(emu->uc, &hh, UC_HOOK_CODE, (void *)engine_code_hook,
					  emu, 1, 0);
		if (!engine_check(emu, err, "cannot install the --check=access hooks"))
			goto out_close;
	}
	emu->hooks = (struct arch_cpu_hooks){
		.syscall = engine_syscall_hook,
		.exception = engine_exception_hook,
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

/*
 * One stretch of emulation from *@pc; *@pc is where it stopped. A fill refused only to
 * flush first (fill_restart) is restarted here, at the faulting instruction, after the
 * flush; a stop asked for a flush from a syscall hook comes back as EMU_ENGINE_STOPPED
 * and the flush is done at the next call.
 */
enum emu_engine_stop emu_engine_start(struct emu *emu, uint64_t *pc)
{
	uint64_t kicks;
	uc_err err;

	for (;;) {
		if (emu->code_flush_pending)
			engine_flush_code(emu);
		else if (emu->tlb_flush_pending)
			engine_flush_tlb(emu);
		emu->fault_pending = false;
		emu->stop_requested = false;
		emu->running = true;
		kicks = atomic_load(&emu->kicks);
		err = uc_emu_start(emu->uc, *pc, 0, 0, 0);
		emu->running = false;
		*pc = emu_reg_read(emu, emu->cpu->reg_pc);
		if (emu->fill_restart) {
			emu->fill_restart = false;
			if (err == UC_ERR_EXCEPTION && !emu->stop_requested)
				continue;
		}
		break;
	}
	if (err == UC_ERR_OK) {
		/* Kicked (regs.c): stopped at the start of a block, every register consistent. */
		if (atomic_load(&emu->kicks) != kicks)
			return EMU_ENGINE_KICKED;
		if (emu->stop_requested || emu->code_flush_pending || emu->tlb_flush_pending)
			return EMU_ENGINE_STOPPED;
		return EMU_ENGINE_HALTED;
	}
	if (emu->fault_pending)
		return EMU_ENGINE_FAULT;
	if (err == UC_ERR_INSN_INVALID)
		return EMU_ENGINE_INVALID;
	emu->engine_error = uc_strerror(err);
	return EMU_ENGINE_ERROR;
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
