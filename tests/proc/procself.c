/* SPDX-License-Identifier: MIT */
/*
 * procself.c - the guest's /proc/self as any Linux process sees its own: every line
 * printed is a fact that holds natively, under qemu-user and under mmuemu (the guest
 * checks each file against what it knows itself: its pid, argv, environ, auxv, fds, cwd).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proctest.h"

extern char **environ;

int main(int argc, char **argv)
{
	char buf[65536], want[65536], path[256], self[32], *p;
	size_t n, w = 0;
	struct stat st;
	struct rlimit rl;
	int fd, dfd, fields;

	snprintf(self, sizeof(self), "%d", getpid());
	n = link_of("/proc/self", buf, sizeof(buf));
	printf("/proc/self links to the pid: %d\n", !strcmp(buf, self));
	link_of("/proc/thread-self", buf, sizeof(buf));
	snprintf(want, sizeof(want), "%d/task/%d", getpid(), gettid());
	printf("/proc/thread-self links to pid/task/tid: %d\n", !strcmp(buf, want));

	for (int i = 0; i < argc; i++)
		w += (size_t)snprintf(want + w, sizeof(want) - w, "%s", argv[i]) + 1;
	n = read_file("/proc/self/cmdline", buf, sizeof(buf));
	printf("cmdline is argv: %d\n", n == w && !memcmp(buf, want, n));
	w = 0;
	for (char **e = environ; *e; e++)
		w += (size_t)snprintf(want + w, sizeof(want) - w, "%s", *e) + 1;
	n = read_file("/proc/self/environ", buf, sizeof(buf));
	printf("environ is envp: %d\n", n == w && !memcmp(buf, want, n));

	read_file("/proc/self/comm", buf, sizeof(buf));
	p = strrchr(argv[0], '/');
	snprintf(want, 16, "%s", p ? p + 1 : argv[0]);
	printf("comm is the program's name: %d\n", !strncmp(buf, want, strlen(want)) &&
	       buf[strlen(want)] == '\n');

	n = read_file("/proc/self/stat", buf, sizeof(buf));
	p = strrchr(buf, ')');
	fields = 2;
	for (char *q = p + 1; *q && *q != '\n'; q++)
		fields += *q == ' ';
	printf("stat fields: %d\n", fields);
	printf("stat pid and ppid: %d\n", atoi(buf) == getpid() && atoi(p + 4) == getppid());
	read_file("/proc/self/statm", buf, sizeof(buf));
	fields = 1;
	for (char *q = buf; *q && *q != '\n'; q++)
		fields += *q == ' ';
	printf("statm fields: %d\n", fields);

	n = read_file("/proc/self/auxv", buf, sizeof(buf));
	{
		unsigned long *v = (unsigned long *)buf, types[] = { AT_PAGESZ, AT_PHDR, AT_PHNUM,
			AT_ENTRY, AT_RANDOM, AT_EXECFN, AT_UID };
		int seen = 0, ok = 1;

		for (size_t i = 0; i + 1 < n / sizeof(long); i += 2) {
			for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
				if (v[i] == types[k]) {
					seen++;
					ok &= v[i + 1] == getauxval(types[k]);
				}
			}
		}
		printf("auxv has the entries getauxval gives: %d\n", seen == 7 && ok);
		printf("auxv ends with AT_NULL: %d\n", n >= 16 && v[n / sizeof(long) - 2] == AT_NULL);
	}

	read_file("/proc/self/status", buf, sizeof(buf));
	printf("status memory keys:");
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, "Vm", 2) || !strncmp(line, "Rss", 3))
			printf(" %.*s", (int)(strchr(line, ':') - line), line);
	}
	printf("\n");
	printf("status Pid, Tgid, PPid: %d\n", status_field(buf, "Pid") == getpid() &&
	       status_field(buf, "Tgid") == getpid() && status_field(buf, "PPid") == getppid());
	printf("status VmRSS <= VmHWM, VmSize <= VmPeak: %d\n",
	       status_field(buf, "VmRSS") <= status_field(buf, "VmHWM") &&
	       status_field(buf, "VmSize") <= status_field(buf, "VmPeak"));
	printf("status Threads: %ld\n", status_field(buf, "Threads"));

	read_file("/proc/self/limits", buf, sizeof(buf));
	getrlimit(RLIMIT_NOFILE, &rl);
	p = strstr(buf, "Max open files");
	printf("limits: open files as getrlimit: %d\n", p && strtoul(p + 26, NULL, 10) == rl.rlim_cur);
	read_file("/proc/self/mounts", buf, sizeof(buf));
	printf("mounts has /proc: %d\n", strstr(buf, " /proc proc ") != NULL);

	fd = open("/proc/self/exe", O_RDONLY);
	printf("exe opens: %d\n", fd >= 0);
	close(fd);
	link_of("/proc/self/exe", buf, sizeof(buf));
	p = realpath(argv[0], NULL);
	printf("exe links to the program: %d\n", p && !strcmp(buf, p));
	read_file("/proc/self/maps", want, sizeof(want));
	printf("maps names the program: %d\n", p && strstr(want, p) != NULL);
	printf("maps has [stack]: %d\n", strstr(want, "[stack]") != NULL);
	free(p);
	read_file("/proc/self/smaps_rollup", buf, sizeof(buf));
	printf("smaps_rollup: %d\n", strstr(buf, "[rollup]") && strstr(buf, "\nRss:"));
	read_file("/proc/self/smaps", buf, sizeof(buf));
	printf("smaps: %d\n", strstr(buf, "\nRss:") && strstr(buf, "\nVmFlags:"));

	getcwd(want, sizeof(want));
	link_of("/proc/self/cwd", buf, sizeof(buf));
	printf("cwd links to getcwd: %d\n", !strcmp(buf, want));

	/* An fd of its own: fd/N, fdinfo/N, /dev/fd/N. */
	fd = open("proc-file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (write(fd, "0123456789", 10) != 10 || lseek(fd, 5, SEEK_SET) != 5)
		printf("FAIL setup\n");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	link_of(path, buf, sizeof(buf));
	snprintf(want + strlen(want), sizeof(want) - strlen(want), "/proc-file");
	printf("fd/N links to the file: %d\n", !strcmp(buf, want));
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	link_of(path, buf, sizeof(buf));
	printf("/dev/fd/N links to the file: %d\n", !strcmp(buf, want));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	read_file(path, buf, sizeof(buf));
	printf("fdinfo pos: %ld\n", strtol(buf + 5, NULL, 10));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dfd = open(path, O_RDONLY);
	printf("fd/N reopens the file at offset 0: %d\n", dfd >= 0 && read(dfd, buf, 3) == 3 &&
	       !memcmp(buf, "012", 3));
	close(dfd);
	unlink("proc-file");

	printf("/proc/self lists:");
	list_has("/proc/self", "auxv cmdline comm cwd environ exe fd fdinfo limits maps mem mounts "
		 "root smaps smaps_rollup stat statm status task pagemap clear_refs");
	snprintf(path, sizeof(path), "0 1 2 %d", fd);
	printf("/proc/self/fd lists:");
	list_has("/proc/self/fd", path);
	printf("/proc lists:");
	list_has("/proc", "self thread-self");

	printf("stat self is a directory: %d\n", stat("/proc/self", &st) == 0 && S_ISDIR(st.st_mode));
	printf("lstat self is a link: %d\n", lstat("/proc/self", &st) == 0 && S_ISLNK(st.st_mode));
	printf("lstat exe is a link: %d\n", lstat("/proc/self/exe", &st) == 0 && S_ISLNK(st.st_mode));
	printf("stat status is a file of size 0: %d\n", stat("/proc/self/status", &st) == 0 &&
	       S_ISREG(st.st_mode) && st.st_size == 0);
	printf("access status R_OK: %d\n", access("/proc/self/status", R_OK) == 0);
	printf("//proc/./self/comm: %d\n", read_file("//proc/./self/comm", buf, sizeof(buf)) > 0);
	printf("/proc/self/../self/comm: %d\n",
	       read_file("/proc/self/../self/comm", buf, sizeof(buf)) > 0);
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", gettid());
	printf("task/TID/comm: %d\n", read_file(path, buf, sizeof(buf)) > 0);
	dfd = open("/proc", O_RDONLY | O_DIRECTORY);
	fd = openat(dfd, "self/status", O_RDONLY);
	printf("openat(/proc fd, self/status): %d\n", fd >= 0);
	close(fd);
	close(dfd);
	printf("chdir /proc/self: %d\n", chdir("/proc/self") == 0);
	getcwd(buf, sizeof(buf));
	snprintf(want, sizeof(want), "/proc/%d", getpid());
	printf("getcwd is /proc/PID: %d\n", !strcmp(buf, want));
	printf("relative comm: %d\n", read_file("comm", buf, sizeof(buf)) > 0);
	printf("relative ../self/stat: %d\n", read_file("../self/stat", buf, sizeof(buf)) > 0);
	SHOWERR(open("/proc/self/nonexistent", O_RDONLY));
	SHOWERR(open("/proc/self/status/x", O_RDONLY));
	SHOWERR(open("/proc/self/fd/999", O_RDONLY));
	SHOWERR(readlink("/proc/self/status", buf, sizeof(buf)));
	return 0;
}
