/* SPDX-License-Identifier: MIT */
/*
 * describe.h - building describe_entry()'s text piece by piece, for both MMU halves.
 */
#ifndef MMUEMU_ARCH_DESCRIBE_H
#define MMUEMU_ARCH_DESCRIBE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* arch_describe_put() - append to @buf at *@pos, never past @len; *@pos counts what fit. */
static inline void __attribute__((format(printf, 4, 5)))
arch_describe_put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

#endif
