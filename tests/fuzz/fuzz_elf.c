// SPDX-License-Identifier: MIT
/*
 * fuzz_elf.c - libFuzzer harness for the ELF loader (emu/elf.c), without Unicorn.
 *
 * Each input is an ELF file. emu_elf_open() must accept or refuse it with a message; an
 * accepted image is loaded by emu_elf_load() into a fresh address space over RAM guest
 * memory (no engine), after which mm_validate() must hold, and exit_mmap() must leave no
 * frame and no table page in use. Sanitizers catch the rest.
 *
 * The loader's only tie to the CPU half of an architecture is arch_by_elf_machine() and
 * the ET_DYN load address: this file provides both from the MMU halves, so that neither
 * Unicorn nor arch/<name>/cpu.c is linked. The base addresses must match cpu.c.
 *
 * Linked with replay.c instead of libFuzzer, it replays the files named on its command line.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/emu.h"

static const struct arch_cpu fuzz_x86_64_cpu = {
	.elf_machine = EM_X86_64,
	.et_dyn_base = 0x555555554000ull,
};

static const struct arch_cpu fuzz_arm64_cpu = {
	.elf_machine = EM_AARCH64,
	.et_dyn_base = 0xaaaaaaaa0000ull,
};

static const struct arch_ops fuzz_arches[] = {
	{ .name = "x86_64", .mmu = &x86_64_mmu, .cpu = &fuzz_x86_64_cpu },
	{ .name = "arm64", .mmu = &arm64_mmu, .cpu = &fuzz_arm64_cpu },
};

const struct arch_ops *arch_by_elf_machine(uint16_t machine)
{
	for (size_t i = 0; i < sizeof(fuzz_arches) / sizeof(fuzz_arches[0]); i++) {
		if (fuzz_arches[i].cpu->elf_machine == machine)
			return &fuzz_arches[i];
	}
	return NULL;
}

static char fuzz_path[64];

static void fuzz_cleanup(void)
{
	unlink(fuzz_path);
}

static void fuzz_fail(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz_elf: %s: %s\n", what, msg);
	abort();
}

static void fuzz_one(const uint8_t *data, size_t size)
{
	struct emu_image img;
	struct emu_machine machine;
	struct emu_proc proc;
	struct emu emu;
	char msg[512];
	FILE *fp;
	int ret;

	if (!fuzz_path[0]) {
		snprintf(fuzz_path, sizeof(fuzz_path), "/tmp/fuzz_elf.%d", (int)getpid());
		atexit(fuzz_cleanup);
	}
	fp = fopen(fuzz_path, "wb");
	if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp))
		fuzz_fail("cannot write", fuzz_path);
	memset(&img, 0, sizeof(img));
	ret = emu_elf_open(fuzz_path, &img);
	/* Refusals print one line each: the runner passes -close_fd_mask=2. */
	if (ret)
		return;
	memset(&emu, 0, sizeof(emu));
	memset(&machine, 0, sizeof(machine));
	memset(&proc, 0, sizeof(proc));
	emu.machine = proc.machine = &machine;
	emu.proc = &proc;
	proc.path = proc.exe_path = fuzz_path;
	emu.arch = img.arch;
	emu.mmu = img.arch->mmu;
	/* 64 MiB: enough for any segment layout; running out is a refusal, not a crash. */
	if (mm_phys_create(UINT64_C(64) << 20, emu.mmu->page_shift, &machine.phys) ||
	    mm_create(emu.mmu, machine.phys, NULL, &proc.mm))
		abort();
	emu_elf_load(&emu, &img);
	if (mm_validate(proc.mm, msg, sizeof(msg)))
		fuzz_fail("mm_validate after loading", msg);
	exit_mmap(proc.mm);
	if (proc.mm->stats.frames_in_use || proc.mm->stats.tables_in_use ||
	    mm_phys_frames_in_use(machine.phys))
		fuzz_fail("leak", "frames or tables in use after exit_mmap");
	mm_destroy(proc.mm);
	mm_phys_destroy(machine.phys);
	emu_elf_close(&img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}
