/* SPDX-License-Identifier: MIT */
/*
 * warn.c - mmuemu's one way of saying something on stderr. A leaf: it calls nothing else
 * in emu/.
 */
#include <stdarg.h>
#include <stdio.h>

#include "emu/emu.h"

void emu_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("mmuemu: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
