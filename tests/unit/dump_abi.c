/* SPDX-License-Identifier: MIT */
/*
 * dump_abi.c - print each syscall ABI's number table as "ABI NR NAME" lines and its struct
 * stat size as "ABI stat SIZE", for sysnames.py to hold against the kernel's headers.
 */
#include <stdio.h>

#include "arch/arch.h"

static void dump(const struct arch_abi *abi)
{
	for (unsigned nr = 0; nr < abi->nr_syscalls; nr++)
		if (abi->syscalls[nr])
			printf("%s %u %s\n", abi->name, nr, abi->syscalls[nr]);
	printf("%s stat %u\n", abi->name, abi->stat.size);
}

int main(void)
{
	dump(&x86_64_abi);
	dump(&arch_generic_abi);
	return 0;
}
