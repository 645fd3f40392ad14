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
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "emu/emu.h"
#include "emu/fs.h"

void emu_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("mmuemu: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void run_set_comm(struct emu *emu, const char *path)
{
	const char *base = strrchr(path, '/');

	g_strlcpy(emu->comm, base ? base + 1 : path, sizeof(emu->comm));
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
	struct emu *emu;
	struct emu_image img;
	struct mm_engine engine;
	char *exe_path;
	uint64_t sp;
	int err, status = EMU_EXIT_USAGE;

	memset(res, 0, sizeof(*res));
	res->path = path;
	if (emu_elf_open(path, &img))
		return EMU_EXIT_USAGE;
	res->arch = img.arch;

	emu = g_new0(struct emu, 1);
	emu->opt = opt;
	emu->path = path;
	emu->arch = img.arch;
	emu->cpu = img.arch->cpu;
	emu->mmu = img.arch->mmu;
	run_set_comm(emu, path);
	/* Maps show the file's absolute path, as /proc/PID/maps does. */
	exe_path = realpath(path, NULL);

	status = EMU_EXIT_INTERNAL;
	err = mm_phys_create(opt->mem_size, emu->mmu->page_shift, &emu->phys);
	if (err) {
		emu_warn("cannot reserve %" G_GUINT64_FORMAT " MiB of guest memory: %s",
			 opt->mem_size >> 20, strerror(-err));
		goto out_free;
	}
	if (emu_engine_open(emu))
		goto out_phys;
	engine = emu_engine_mm_engine(emu);
	err = mm_create(emu->mmu, emu->phys, &engine, &emu->mm);
	if (err) {
		emu_warn("cannot create the address space: %s", strerror(-err));
		goto out_engine;
	}
	emu->mm->no_tlb_flush = opt->no_tlb_flush;
	emu_check_setup(emu);
	if (opt->trace_mm)
		emu->mm->trace = stderr;

	/* Loading problems are the program's, not ours: status 2, like a bad ELF file. */
	status = EMU_EXIT_USAGE;
	emu->exe_path = exe_path ? exe_path : path;
	emu_fs_init(emu);
	if (emu_elf_load(emu, &img))
		goto out_mm;
	err = emu_stack_setup(emu, &img, argc, argv, &sp);
	if (err) {
		/* Out of guest memory is the status a fault would give, as README says. */
		if (err == -ENOMEM)
			status = 128 + SIGSEGV;
		goto out_mm;
	}
	emu_reg_write(emu, emu->cpu->reg_sp, sp);

	/* A broken invariant after loading (--check) ends the run before it starts. */
	emu_check_mm(emu, "exec of %s", path);
	emu_engine_run(emu, img.entry);
	fflush(stdout);
	emu_report_end(emu);
	status = run_status(emu);
	if (opt->maps) {
		fprintf(stderr, "# mmuemu maps: %s %s\n", emu->arch->name, path);
		mm_dump_maps(emu->mm, stderr);
	}

out_mm:
	emu_timer_exit(emu);
	emu_fs_exit(emu);
	exit_mmap(emu->mm);
	status = emu_check_exit(emu, status);
	res->mm = emu->mm->stats;
	res->count = emu->count;
	res->status = status;
	mm_destroy(emu->mm);
out_engine:
	emu_engine_close(emu);
out_phys:
	mm_phys_destroy(emu->phys);
out_free:
	free(exe_path);
	emu_elf_close(&img);
	g_free(emu);
	return status;
}
