/* SPDX-License-Identifier: MIT */
/*
 * run.c - one guest from exec to exit: load, run, report, tear down, count.
 *
 * The order at the end matters: the fault report and --maps read the address space as
 * the guest left it, then exit_mmap() tears it down, and only then are the counters read,
 * so that tables_in_use and frames_in_use show what teardown failed to free.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "emu/emu.h"
#include "emu/fs.h"

static void run_set_comm(struct emu *emu, const char *path)
{
	const char *base = strrchr(path, '/');

	g_strlcpy(emu->comm, base ? base + 1 : path, sizeof(emu->comm));
}

/* ---- what the engine hands up ---- */

static int run_tlb_fill(void *ctx, uint64_t va, mm_access_t access, uint64_t *paddr,
			unsigned *prot)
{
	struct emu *emu = ctx;
	uint64_t faults = emu->proc->mm->stats.faults;
	int err = mm_fill_tlb(emu->proc->mm, va, access, paddr, prot, &emu->fault);

	emu_check_fill(emu, va, err, faults, err ? 0 : *paddr);
	emu->fault_err = err;
	return err;
}

/* A syscall, then what timers fired meanwhile, delivered on the same way out. */
static void run_syscall(void *ctx)
{
	struct emu *emu = ctx;

	emu_syscall_hook(emu->uc, emu);
	emu_timer_expire(emu);
	emu_signal_syscall_exit(emu);
	/* As a kernel that switches FPU state lazily leaves it on the way out. */
	if (emu->machine->opt->inject_lazy_fpu && emu->cpu->fpu_trap_next)
		emu->cpu->fpu_trap_next(emu->uc);
}

static void run_exception(void *ctx, uint32_t intno)
{
	struct emu *emu = ctx;

	emu->end = EMU_END_EXCEPTION;
	emu->intno = intno;
}

static void run_mem_access(void *ctx, uint64_t paddr, mm_access_t access)
{
	emu_check_data(ctx, paddr, access);
}

static void run_fetch(void *ctx, uint64_t va)
{
	emu_check_fetch(ctx, va);
}

/* An invalid instruction, or the one Linux traps on instead (arch_cpu.trap_insn). */
static uint32_t run_invalid_intno(struct emu *emu, uint64_t pc)
{
	const struct arch_cpu *cpu = emu->cpu;
	uint8_t insn[16];

	if (cpu->trap_insn && cpu->trap_insn_len <= sizeof(insn) &&
	    !copy_from_user(emu->proc->mm, insn, pc, cpu->trap_insn_len) &&
	    !memcmp(insn, cpu->trap_insn, cpu->trap_insn_len))
		return ARCH_INTNO_TRAP_INSN;
	return EMU_INTNO_INVALID_INSN;
}

/*
 * Emulate until the guest ends. A fault or exception the guest handles resumes at its
 * handler (signal.c); a kick delivers what timers made pending, between two blocks.
 */
static void run_guest(struct emu *emu, uint64_t pc)
{
	while (emu->end == EMU_END_NONE) {
		switch (emu_engine_start(emu, &pc)) {
		case EMU_ENGINE_STOPPED:
			break;
		case EMU_ENGINE_KICKED:
			if (emu->end != EMU_END_NONE)
				break;
			emu_timer_expire(emu);
			emu_signal_interrupt(emu);
			pc = emu_reg_read(emu, emu->cpu->reg_pc);
			break;
		case EMU_ENGINE_HALTED:
			/* The CPU halted (hlt), which user mode may not do. */
			if (!emu->cpu->halt_signal || emu->end != EMU_END_NONE)
				break;
			pc -= emu->cpu->halt_insn_len;
			emu_reg_write(emu, emu->cpu->reg_pc, pc);
			emu->end = EMU_END_EXCEPTION;
			emu->intno = EMU_INTNO_HALT;
			break;
		case EMU_ENGINE_FAULT:
			if (emu->end == EMU_END_NONE)
				emu->end = EMU_END_FAULT;
			break;
		case EMU_ENGINE_INVALID:
			if (emu->end != EMU_END_NONE)
				break;
			emu->end = EMU_END_EXCEPTION;
			emu->intno = run_invalid_intno(emu, pc);
			break;
		case EMU_ENGINE_ERROR:
			if (emu->end == EMU_END_NONE)
				emu->end = EMU_END_ERROR;
			break;
		}
		if (emu->end == EMU_END_FAULT || emu->end == EMU_END_EXCEPTION)
			emu_signal_trap(emu, &pc);
	}
}

/* The guest's exit status as a shell shows it. */
static int run_status(const struct emu *emu)
{
	switch (emu->end) {
	case EMU_END_EXIT:
		return emu->status;
	case EMU_END_SIGNAL:
	case EMU_END_EXCEPTION:
		return 128 + emu->status;
	case EMU_END_FAULT:
		/* SIGBUS for a file page past the end of the file (signal.c sets it). */
		return 128 + (emu->status ? emu->status : SIGSEGV);
	case EMU_END_CHECK:
		return EMU_EXIT_CHECK;
	default:
		return EMU_EXIT_INTERNAL;
	}
}

int emu_run(const struct emu_options *opt, const char *path, int argc, char **argv,
	    struct emu_result *res)
{
	struct emu_machine machine = { .opt = opt, .next_pid = EMU_GUEST_PID };
	struct emu_proc *proc;
	struct emu *emu;
	struct emu_image img;
	struct mm_engine engine;
	struct emu_engine_ops ops;
	char *exe_path;
	uint64_t sp;
	int err, status = EMU_EXIT_USAGE;

	memset(res, 0, sizeof(*res));
	res->path = path;
	if (emu_elf_open(path, &img))
		return EMU_EXIT_USAGE;
	res->arch = img.arch;

	pthread_mutex_init(&machine.run_lock, NULL);
	proc = g_new0(struct emu_proc, 1);
	proc->machine = &machine;
	proc->path = path;
	proc->pid = proc->pgid = proc->sid = machine.next_pid++;
	proc->ppid = EMU_GUEST_PPID;
	emu = g_new0(struct emu, 1);
	emu->machine = &machine;
	emu->proc = proc;
	emu->tid = proc->pid;
	machine.tasks = g_list_append(machine.tasks, emu);
	machine.procs = g_list_append(machine.procs, proc);
	emu->wake_fd = -1;
	emu->arch = img.arch;
	emu->cpu = img.arch->cpu;
	emu->mmu = img.arch->mmu;
	run_set_comm(emu, path);
	/* Maps show the file's absolute path, as /proc/PID/maps does. */
	exe_path = realpath(path, NULL);

	status = EMU_EXIT_INTERNAL;
	err = emu_task_init(emu);
	if (err) {
		emu_warn("cannot create the task: %s", strerror(-err));
		goto out_free;
	}
	err = mm_phys_create(opt->mem_size, emu->mmu->page_shift, &machine.phys);
	if (err) {
		emu_warn("cannot reserve %" G_GUINT64_FORMAT " MiB of guest memory: %s",
			 opt->mem_size >> 20, strerror(-err));
		goto out_free;
	}
	ops = (struct emu_engine_ops){
		.ctx = emu,
		.tlb_fill = run_tlb_fill,
		.syscall = run_syscall,
		.exception = run_exception,
		.mem_access = opt->check_access ? run_mem_access : NULL,
		.fetch = opt->check_access ? run_fetch : NULL,
	};
	if (emu_engine_open(emu, &ops))
		goto out_phys;
	engine = emu_engine_mm_engine(emu);
	err = mm_create(emu->mmu, emu->machine->phys, &engine, &emu->proc->mm);
	if (err) {
		emu_warn("cannot create the address space: %s", strerror(-err));
		goto out_engine;
	}
	emu->proc->mm->no_tlb_flush = opt->no_tlb_flush;
	emu_check_setup(emu);
	if (opt->trace_mm)
		emu->proc->mm->trace = stderr;

	/* Loading problems are the program's, not ours: status 2, like a bad ELF file. */
	status = EMU_EXIT_USAGE;
	emu->proc->exe_path = exe_path ? exe_path : path;
	emu_fs_init(emu);
	if (emu_elf_load(emu, &img))
		goto out_mm;
	err = emu_stack_setup(emu, &img, argc, argv, NULL, &sp);
	if (err) {
		/* Out of guest memory is the status a fault would give, as README says. */
		if (err == -ENOMEM)
			status = 128 + SIGSEGV;
		goto out_mm;
	}
	emu_reg_write(emu, emu->cpu->reg_sp, sp);

	/* A broken invariant after loading (--check) ends the run before it starts. */
	emu_check_mm(emu, "exec of %s", path);
	pthread_mutex_lock(&machine.run_lock);
	run_guest(emu, img.entry);
	path = proc->path;
	pthread_mutex_unlock(&machine.run_lock);
	fflush(stdout);
	emu_report_end(emu);
	status = run_status(emu);
	if (opt->maps) {
		fprintf(stderr, "# mmuemu maps: %s %s\n", emu->arch->name, path);
		mm_dump_maps(emu->proc->mm, stderr);
	}

out_mm:
	emu_timer_exit(emu);
	emu_fs_exit(emu);
	exit_mmap(emu->proc->mm);
	status = emu_check_exit(emu, status);
	res->mm = emu->proc->mm->stats;
	res->count = emu->count;
	res->status = status;
	mm_destroy(emu->proc->mm);
out_engine:
	emu_engine_close(emu);
out_phys:
	mm_phys_destroy(emu->machine->phys);
out_free:
	free(exe_path);
	g_free(proc->exec_path);
	g_free(proc->exec_exe);
	emu_elf_close(&img);
	emu_task_exit(emu);
	g_list_free(machine.tasks);
	g_list_free(machine.procs);
	g_free(emu);
	g_free(proc);
	pthread_mutex_destroy(&machine.run_lock);
	return status;
}
