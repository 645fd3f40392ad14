/* SPDX-License-Identifier: MIT */
/*
 * arch.c - the architectures mmuemu knows, each the pair of its MMU and CPU halves.
 */
#include <elf.h>

#include "arch/arch.h"

/* SYM_arch for every architecture of the build (arch/arches.h). */
#define ARCH_DEFINE(sym)                      \
	const struct arch_ops sym##_arch = {  \
		.name = #sym,                 \
		.mmu = &sym##_mmu,            \
		.cpu = &sym##_cpu,            \
	};
ARCH_LIST(ARCH_DEFINE)
#undef ARCH_DEFINE

#define ARCH_ENTRY(sym) &sym##_arch,
static const struct arch_ops *const arch_all[] = { ARCH_LIST(ARCH_ENTRY) };
#undef ARCH_ENTRY

const struct arch_ops *arch_by_elf_machine(uint16_t machine)
{
	for (size_t i = 0; i < sizeof(arch_all) / sizeof(arch_all[0]); i++) {
		if (arch_all[i]->cpu->elf_machine == machine)
			return arch_all[i];
	}
	return NULL;
}
