/* SPDX-License-Identifier: MIT */
/* proctest.h - helpers of the /proc guests: whole files, links, listings, errno names. */
#ifndef PROCTEST_H
#define PROCTEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The whole file, NUL-terminated; its length, or 0 (with errno) when it cannot be read. */
__attribute__((unused)) static size_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	buf[0] = '\0';
	if (fd < 0)
		return 0;
	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
	return n;
}

__attribute__((unused)) static size_t link_of(const char *path, char *buf, size_t len)
{
	ssize_t n = readlink(path, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

/* The number after "Key:" in a status text, or -1. */
__attribute__((unused)) static long status_field(const char *text, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\n%s:", key);
	p = strstr(text, k);
	if (!p && !strncmp(text, k + 1, strlen(k + 1)))
		p = text - 1;
	return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

/* Print " missing NAME" for each of the space-separated @names not in directory @dir. */
__attribute__((unused)) static void list_has(const char *dir, const char *names)
{
	char copy[1024], *save = NULL;
	int missing = 0;

	snprintf(copy, sizeof(copy), "%s", names);
	for (char *n = strtok_r(copy, " ", &save); n; n = strtok_r(NULL, " ", &save)) {
		DIR *d = opendir(dir);
		struct dirent *e;
		int found = 0;

		while (d && (e = readdir(d)))
			found |= !strcmp(e->d_name, n);
		if (d)
			closedir(d);
		if (!found) {
			printf(" missing %s", n);
			missing = 1;
		}
	}
	printf("%s\n", missing ? "" : " all there");
}

__attribute__((unused)) static const char *err_name(int e)
{
	static char other[16];

	switch (e) {
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case ENOTDIR: return "ENOTDIR";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case ELOOP: return "ELOOP";
	case ETXTBSY: return "ETXTBSY";
	case EISDIR: return "EISDIR";
	case EEXIST: return "EEXIST";
	default:
		snprintf(other, sizeof(other), "E%d", e);
		return other;
	}
}

/* "expr: ok" or "expr: -1 ENAME". */
#define SHOWERR(expr) do {						\
	long r_ = (long)(expr);						\
	if (r_ < 0)							\
		printf("%s: -1 %s\n", #expr, err_name(errno));		\
	else								\
		printf("%s: ok\n", #expr);				\
} while (0)

#endif
