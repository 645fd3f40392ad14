/* SPDX-License-Identifier: MIT */
/*
 * arch.c - the architectures mmuemu knows, each the pair of its MMU and CPU halves.
 */
#include <elf.h>

#include "arch/arch.h"

const struct arch_ops x86_64_arch = {
	.name = "x86_64",
	.mmu = &x86_64_mmu,
	.cpu = &x86_64_cpu,
};

const struct arch_ops arm64_arch = {
	.name = "arm64",
	.mmu = &arm64_mmu,
	.cpu = &arm64_cpu,
};

static const struct arch_ops *const arch_all[] = {
	&x86_64_arch,
	&arm64_arch,
};

const struct arch_ops *arch_by_elf_machine(uint16_t machine)
{
	for (size_t i = 0; i < sizeof(arch_all) / sizeof(arch_all[0]); i++) {
		if (arch_all[i]->cpu->elf_machine == machine)
			return arch_all[i];
	}
	return NULL;
}
