/* SPDX-License-Identifier: MIT */
/*
 * procguest.c HOSTPID MARKER - what only mmuemu's /proc gives: the guest is alone in its pid
 * namespace, with pid 1000, and nothing of the host shows through. HOSTPID is the host
 * pid of the mmuemu process itself (the runner execs mmuemu from a shell that passes $$).
 * MARKER is a string in mmuemu's own environment, never in the guest's. Its output is
 * checked against procguest.expected, not against a reference run.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "proctest.h"

#define PROC_MAGIC 0x9fa0

extern char **environ;

static void on_hup(int sig)
{
	(void)sig;
}

/* Every name in @dir, sorted, on one line. */
static void list(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	printf("%s:", dir);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]->d_name);
		free(names[i]);
	}
	printf("%s\n", n < 0 ? " (cannot list)" : "");
	free(names);
}

/* No generated file may name mmuemu, its libraries, its environment or its host pid. */
static void clean(const char *path, const char *hostpid, const char *marker)
{
	static char buf[1 << 20];
	size_t n = read_file(path, buf, sizeof(buf));
	char pid[32];
	int dirty = 0;

	snprintf(pid, sizeof(pid), " %s ", hostpid);
	for (size_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	dirty = strstr(buf, "emu/mmuemu") || strstr(buf, "libunicorn") || strstr(buf, "libglib") ||
		strstr(buf, "libcapstone") || strstr(buf, marker) ||
		(strcmp(path, "/proc/self/cmdline") && strstr(buf, pid));
	printf("%s: %s\n", path, n == 0 ? "empty" : dirty ? "SHOWS THE HOST" : "guest only");
}

int main(int argc, char **argv)
{
	const char *hostpid = argc > 1 ? argv[1] : "1", *marker = argc > 2 ? argv[2] : "MARKER";
	char buf[65536], path[256];
	sigset_t set;
	struct statfs sf;
	int fd, dfd;

	printf("pid %d ppid %d\n", getpid(), getppid());
	signal(SIGHUP, on_hup);
	signal(SIGUSR2, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	read_file("/proc/self/status", buf, sizeof(buf));
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		if (!strncmp(l, "Name:", 5) || !strncmp(l, "Pid:", 4) || !strncmp(l, "PPid:", 5) ||
		    !strncmp(l, "Sig", 3) || !strncmp(l, "ShdPnd", 6) || !strncmp(l, "Threads", 7) ||
		    !strncmp(l, "FDSize", 6) || !strncmp(l, "State", 5))
			printf("status %s\n", l);
	}
	read_file("/proc/self/stat", buf, sizeof(buf));
	printf("stat %.*s\n", (int)(strchr(buf, ')') - buf + 9), buf);
	fd = open("/proc/self/environ", O_RDONLY);
	{
		ssize_t n = read(fd, buf, sizeof(buf));

		for (ssize_t i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = '|';
		printf("environ %.*s\n", (int)(n > 0 ? n : 0), buf);
	}
	close(fd);
	printf("envp:");
	for (char **e = environ; *e; e++)
		printf(" %s", *e);
	printf("\n");

	/* The pid namespace of one process. */
	list("/proc");
	list("/proc/self/task");
	dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
	list("/proc/self/fd");
	list("/proc/self/fdinfo");
	close(dfd);
	snprintf(path, sizeof(path), "/proc/%s/status", hostpid);
	SHOWERR(open(path, O_RDONLY));
	snprintf(path, sizeof(path), "/proc/%s/maps", hostpid);
	SHOWERR(open(path, O_RDONLY));
	snprintf(path, sizeof(path), "/proc/%s", hostpid);
	{
		struct stat st;

		SHOWERR(stat(path, &st));
		SHOWERR(access(path, F_OK));
	}
	SHOWERR(open("/proc/1/status", O_RDONLY));
	SHOWERR(open("/proc/self/../1/cmdline", O_RDONLY));
	SHOWERR(open("/proc/net/dev", O_RDONLY));
	SHOWERR(open("/proc/sysrq-trigger", O_WRONLY));
	SHOWERR(open("/proc/kcore", O_RDONLY));
	SHOWERR(open("/proc/meminfo", O_RDWR));
	SHOWERR(open("/proc/meminfo", O_RDONLY));
	SHOWERR(open("/proc/sys/kernel/ostype", O_RDONLY));
	SHOWERR(open("/proc/sys/vm/drop_caches", O_WRONLY));

	/* Through a host symbolic link and a host directory fd into /proc. */
	SHOWERR(symlink("/proc", "proclink"));
	snprintf(path, sizeof(path), "proclink/%s/status", hostpid);
	SHOWERR(open(path, O_RDONLY));
	printf("proclink/self/comm: %s", read_file("proclink/self/comm", buf, sizeof(buf)) ? buf : "-\n");
	SHOWERR(unlink("proclink"));
	dfd = open("/", O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof(path), "proc/%s/maps", hostpid);
	SHOWERR(openat(dfd, path, O_RDONLY));
	close(dfd);
	SHOWERR(chdir("/proc"));
	snprintf(path, sizeof(path), "%s/environ", hostpid);
	SHOWERR(open(path, O_RDONLY));
	SHOWERR(readlink("self", buf, sizeof(buf)));
	SHOWERR(chdir("/"));

	/* Writes and the files that come with the kselftests issue are refused. */
	SHOWERR(open("/proc/self/status", O_WRONLY));
	SHOWERR(open("/proc/self/mem", O_RDONLY));
	SHOWERR(open("/proc/self/mem", O_RDWR));
	SHOWERR(open("/proc/self/pagemap", O_RDONLY));
	SHOWERR(open("/proc/self/clear_refs", O_WRONLY));
	SHOWERR(mkdir("/proc/self/x", 0700));
	SHOWERR(unlink("/proc/self/comm"));
	SHOWERR(open("/proc/self/exe", O_RDWR));
	SHOWERR(open("/proc/self/exe", O_RDONLY | O_NOFOLLOW));
	printf("statfs /proc/self: %s\n", statfs("/proc/self", &sf) == 0 && sf.f_type == PROC_MAGIC ?
	       "proc" : "other");
	{
		char target[256];

		link_of("/proc/self/fd/0", target, sizeof(target));
		printf("fd/0 is the runner's stdin: %d\n", !strcmp(target, "/dev/null"));
	}

	clean("/proc/self/cmdline", hostpid, marker);
	clean("/proc/self/environ", hostpid, marker);
	clean("/proc/self/maps", hostpid, marker);
	clean("/proc/self/smaps", hostpid, marker);
	clean("/proc/self/status", hostpid, marker);
	clean("/proc/self/stat", hostpid, marker);
	clean("/proc/thread-self/stat", hostpid, marker);
	clean("/proc/self/mounts", hostpid, marker);
	clean("/proc/self/limits", hostpid, marker);
	clean("/proc/self/auxv", hostpid, marker);
	clean("/proc/1000/task/1000/maps", hostpid, marker);
	return 0;
}
