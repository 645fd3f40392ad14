/* SPDX-License-Identifier: MIT */
/*
 * abi.h - helpers of the ABI corpus: each program prints what it sees, in a form that is
 * the same natively, under qemu-user and under mmuemu (no addresses, pids or times).
 */
#ifndef ABI_H
#define ABI_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The errno's name, without relying on glibc's strerrorname_np (musl has none). */
static inline const char *abi_errname(int e)
{
	static char other[16];

	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case ESPIPE: return "ESPIPE";
	case EPIPE: return "EPIPE";
	case ERANGE: return "ERANGE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOSYS: return "ENOSYS";
	case ENOTEMPTY: return "ENOTEMPTY";
	case EOVERFLOW: return "EOVERFLOW";
	case ETXTBSY: return "ETXTBSY";
	default:
		snprintf(other, sizeof(other), "E%d", e);
		return other;
	}
}

/* "what: ret" or "what: -1 ENAME" for a call returning -1 and setting errno. */
static inline long abi_show(const char *what, long ret)
{
	if (ret == -1)
		printf("%s: -1 %s\n", what, abi_errname(errno));
	else
		printf("%s: %ld\n", what, ret);
	return ret;
}

#define SHOW(expr) abi_show(#expr, (long)(expr))

/* A result that may vary: only whether it failed, and how. */
static inline long abi_ok(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, abi_errname(errno));
	else
		printf("%s: ok\n", what);
	return ret;
}

#define OK(expr) abi_ok(#expr, (long)(expr))

static inline unsigned abi_sum(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

#endif
