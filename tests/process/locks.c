/* SPDX-License-Identifier: MIT */
/* locks: fcntl POSIX and OFD record locks and flock(2), as Linux answers them (locks.expected). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static int lk(int fd, int cmd, int type, int whence, long start, long len)
{
	struct flock f = { .l_type = type, .l_whence = whence, .l_start = start, .l_len = len };

	return fcntl(fd, cmd, &f) < 0 ? -errno : 0;
}

/* F_OFD_GETLK from @fd over [start, +len): what conflicts. */
static void show(const char *what, int fd, int type, long start, long len)
{
	struct flock f = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	if (fcntl(fd, F_OFD_GETLK, &f) < 0) {
		printf("%s: getlk %s\n", what, strerror(errno));
		return;
	}
	if (f.l_type == F_UNLCK)
		printf("%s: free\n", what);
	else
		printf("%s: %s %ld+%ld pid %s%d\n", what, f.l_type == F_RDLCK ? "rd" : "wr",
		       (long)f.l_start, (long)f.l_len, f.l_pid == getpid() ? "self" : "",
		       f.l_pid == getpid() ? 0 : f.l_pid);
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	const char *p = "locks.tmp";
	int a, b, ro, wo, d;

	unlink(p);
	a = open(p, O_RDWR | O_CREAT, 0600);
	b = open(p, O_RDWR);   /* a description of its own: OFD owner */
	if (a < 0 || b < 0)
		return 1;
	if (write(a, "0123456789abcdef", 16) != 16)
		return 1;
	/* POSIX: split and merge */
	printf("wr 0+100: %d\n", lk(a, F_SETLK, F_WRLCK, SEEK_SET, 0, 100));
	printf("rd 10+10: %d\n", lk(a, F_SETLK, F_RDLCK, SEEK_SET, 10, 10));
	show("probe rd 0+5", b, F_RDLCK, 0, 5);
	show("probe rd 10+1", b, F_RDLCK, 10, 1);
	show("probe wr 10+1", b, F_WRLCK, 10, 1);
	show("probe rd 25+1", b, F_RDLCK, 25, 1);
	printf("un 15+2: %d\n", lk(a, F_SETLK, F_UNLCK, SEEK_SET, 15, 2));
	show("probe wr 15+2", b, F_WRLCK, 15, 2);
	show("probe wr 17+1", b, F_WRLCK, 17, 1);
	printf("wr 10+10: %d\n", lk(a, F_SETLK, F_WRLCK, SEEK_SET, 10, 10));
	show("probe rd 0+1 (merged)", b, F_RDLCK, 0, 1);
	printf("un all: %d\n", lk(a, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
	show("probe after unlock", b, F_WRLCK, 0, 0);
	/* whence, negative length, to EOF */
	lseek(a, 8, SEEK_SET);
	printf("cur -4: %d\n", lk(a, F_SETLK, F_WRLCK, SEEK_CUR, 0, -4));
	show("probe 0+0", b, F_WRLCK, 0, 0);
	printf("end 0: %d\n", lk(a, F_SETLK, F_RDLCK, SEEK_END, 0, 0));
	show("probe wr 1000+1", b, F_WRLCK, 1000, 1);
	show("probe rd 1000+1", b, F_RDLCK, 1000, 1);
	printf("neg start: %d\n", lk(a, F_SETLK, F_WRLCK, SEEK_SET, 2, -5));
	printf("bad whence: %d\n", lk(a, F_SETLK, F_WRLCK, 7, 0, 1));
	printf("bad type: %d\n", lk(a, F_SETLK, 9, SEEK_SET, 0, 1));
	printf("getlk unlck: %d\n", lk(a, F_GETLK, F_UNLCK, SEEK_SET, 0, 1));
	/* OFD conflicts with POSIX: EAGAIN; POSIX GETLK sees OFD pid -1 */
	printf("ofd wr 4+1 vs posix: %d\n", lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 4, 1));
	printf("un all: %d\n", lk(a, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
	printf("posix wr 0+40: %d\n", lk(a, F_SETLK, F_WRLCK, SEEK_SET, 0, 40));
	printf("ofd wr 50+1: %d\n", lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 50, 1));
	printf("posix wr 50+1: %d\n", lk(a, F_SETLK, F_WRLCK, SEEK_SET, 50, 1));
	{
		struct flock f = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 50, .l_len = 1 };
		fcntl(a, F_GETLK, &f);
		printf("getlk sees ofd: type %d pid %d\n", f.l_type, f.l_pid);
		f.l_pid = 5;
		printf("ofd pid!=0: %d\n", fcntl(b, F_OFD_SETLK, &f) < 0 ? -errno : 0);
	}
	/* the close rule: closing any fd of the file drops the process's POSIX locks */
	d = open(p, O_RDONLY);
	close(d);
	show("after close of other fd", b, F_WRLCK, 0, 40);
	/* OFD lock survives close of a dup until the last */
	d = dup(b);
	close(b);
	show("ofd after close of one (probe from a new desc)", (b = open(p, O_RDWR)), F_WRLCK, 50, 1);
	close(d);
	show("ofd after last close", b, F_WRLCK, 50, 1);
	/* EBADF for access modes */
	ro = open(p, O_RDONLY);
	wo = open(p, O_WRONLY);
	printf("wr on rdonly: %d\n", lk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
	printf("rd on wronly: %d\n", lk(wo, F_SETLK, F_RDLCK, SEEK_SET, 0, 1));
	printf("un on rdonly: %d\n", lk(ro, F_SETLK, F_UNLCK, SEEK_SET, 0, 1));
	/* flock: owner is the description; conversions */
	printf("flock sh a: %d\n", flock(a, LOCK_SH | LOCK_NB) < 0 ? -errno : 0);
	printf("flock sh b: %d\n", flock(b, LOCK_SH | LOCK_NB) < 0 ? -errno : 0);
	printf("flock ex b: %d\n", flock(b, LOCK_EX | LOCK_NB) < 0 ? -errno : 0);
	printf("flock un a: %d\n", flock(a, LOCK_UN) < 0 ? -errno : 0);
	printf("flock ex b: %d\n", flock(b, LOCK_EX | LOCK_NB) < 0 ? -errno : 0);
	printf("flock sh a: %d\n", flock(a, LOCK_SH | LOCK_NB) < 0 ? -errno : 0);
	printf("flock sh b (convert): %d\n", flock(b, LOCK_SH | LOCK_NB) < 0 ? -errno : 0);
	printf("flock sh a: %d\n", flock(a, LOCK_SH | LOCK_NB) < 0 ? -errno : 0);
	printf("flock bad: %d\n", flock(a, 0) < 0 ? -errno : 0);
	printf("record free of flock: %d\n", lk(wo, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0));
	/* Waits that only a signal ends: another description of this process holds the lock. */
	struct sigaction sa = { .sa_handler = on_alarm };   /* no SA_RESTART */

	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	printf("ofd setlkw, alarm: %d\n", lk(a, F_OFD_SETLKW, F_WRLCK, SEEK_SET, 0, 0));
	alarm(1);
	printf("flock ex, alarm: %d\n", flock(a, LOCK_EX) < 0 ? -errno : 0);
	unlink(p);
	return 0;
}
