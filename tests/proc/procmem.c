/* SPDX-License-Identifier: MIT */
/*
 * procmem.c HOSTPID - the attack of issue 8 on mmuemu's own memory: take the pid from
 * readlink("/proc/self"), read the maps of that pid and of HOSTPID (mmuemu's host pid),
 * then open /proc/self/mem read-write and overwrite every writable range those maps name
 * that is not the guest's own. Against a pass-through /proc this rewrites the emulator's
 * heap and it dies; here every step must find nothing of the host, and the guest ends
 * normally with status 0.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "proctest.h"

static char maps[1 << 20];
static char junk[1 << 16];

/* Lines of maps that belong to the host: mmuemu's binary or libraries, heap of a host. */
static int host_lines(const char *text)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchr(l, '\n');
		int len = end ? (int)(end - l) : (int)strlen(l);

		if (memmem(l, (size_t)len, "libunicorn", 10) || memmem(l, (size_t)len, "libglib", 7) ||
		    memmem(l, (size_t)len, "emu/mmuemu", 10) || memmem(l, (size_t)len, "libc.so", 7))
			n++;
	}
	return n;
}

/* Overwrite every writable range in @text through @mem: what the attack does. */
static int scribble(int mem, const char *text)
{
	int written = 0;

	memset(junk, 0x41, sizeof(junk));
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *eol = strchr(l, '\n');
		size_t len = eol ? (size_t)(eol - l) : strlen(l);
		uint64_t start, end;
		char perms[8];

		if (sscanf(l, "%" SCNx64 "-%" SCNx64 " %7s", &start, &end, perms) != 3 || perms[1] != 'w')
			continue;
		if (memmem(l, len, "[stack]", 7) || memmem(l, len, "procmem", 7))
			continue;   /* the guest's own, in a guest's maps */
		for (uint64_t a = start; a < end; a += sizeof(junk))
			written += pwrite(mem, junk, sizeof(junk), (off_t)a) > 0;
	}
	return written;
}

int main(int argc, char **argv)
{
	char self[64], path[128];
	int mem, n;

	link_of("/proc/self", self, sizeof(self));
	printf("/proc/self -> the guest's pid: %d\n", atoi(self) == getpid());
	snprintf(path, sizeof(path), "/proc/%s/maps", self);
	read_file(path, maps, sizeof(maps));
	printf("host lines in /proc/%s/maps: %d\n", "PID", host_lines(maps));
	snprintf(path, sizeof(path), "/proc/%s/maps", argc > 1 ? argv[1] : "1");
	n = (int)read_file(path, maps + strlen(maps), sizeof(maps) - strlen(maps));
	printf("/proc/HOSTPID/maps readable: %d\n", n > 0);
	printf("host lines in both: %d\n", host_lines(maps));
	mem = open("/proc/self/mem", O_RDWR);
	printf("/proc/self/mem O_RDWR: %s\n", mem < 0 ? err_name(errno) : "opened");
	if (mem >= 0) {
		printf("pages overwritten: %d\n", scribble(mem, maps) > 0);
		close(mem);
	}
	snprintf(path, sizeof(path), "/proc/%s/mem", argc > 1 ? argv[1] : "1");
	mem = open(path, O_RDWR);
	printf("/proc/HOSTPID/mem O_RDWR: %s\n", mem < 0 ? err_name(errno) : "opened");
	if (mem >= 0) {
		scribble(mem, maps);
		close(mem);
	}
	printf("still running\n");
	return 0;
}
