/* SPDX-License-Identifier: MIT */
/*
 * ids.c - the first guest process's identity in its pid namespace: pid, tid, parent,
 * process group and session, and what Linux answers to moving them. The first process
 * leads its own group and session there (pid 1000 under mmuemu), so the answers are
 * fixed (ids.expected); natively they depend on the shell, so there is no reference run.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s = -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s = %ld\n", what, r);
}

int main(void)
{
	show("getpid()", getpid());
	show("gettid()", syscall(SYS_gettid));
	show("getppid()", getppid());
	show("getpgid(0)", getpgid(0));
	show("getpgid(self)", getpgid(getpid()));
	show("getpgid(1)", getpgid(1));
	show("getpgid(-5)", getpgid(-5));
	show("getpgrp()", getpgrp());
	show("getsid(0)", getsid(0));
	show("getsid(self)", getsid(getpid()));
	show("getsid(77777)", getsid(77777));
	show("setpgid(0, -1)", setpgid(0, -1));
	show("setpgid(77777, 0)", setpgid(77777, 0));
	show("setpgid(0, 0)", setpgid(0, 0));
	show("setsid()", setsid());
	show("getpgid(0) after", getpgid(0));
	show("getsid(0) after", getsid(0));
	return 0;
}
