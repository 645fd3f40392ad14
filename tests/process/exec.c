/* SPDX-License-Identifier: MIT */
/*
 * exec.c - execve of itself: through /proc/self/exe, through its path and through a "#!"
 * script, each with a new argv and envp; close-on-exec fds closed and others kept; a
 * handled signal reset, an ignored one kept; ENOENT, EACCES and ENOEXEC (a text file, an
 * ELF of another machine) returned to the old program (exec.expected).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static void on_usr1(int sig)
{
	(void)sig;
}

static void show_args(int argc, char **argv)
{
	printf("argc %d:", argc);
	for (int i = 1; i < argc; i++)
		printf(" [%s]", strncmp(argv[i], "/tmp/", 5) ? argv[i] : "SCRIPT");
	printf("\nenv:");
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "SELF=", 5))
			printf(" [%s]", *e);
	printf("\n");
}

static void try(const char *what, const char *path, char **argv)
{
	char *env[] = { NULL };
	int r = execve(path, argv, env);

	printf("%s: %d %s\n", what, r, strerrorname_np(errno));
	fflush(stdout);
}

static void make(const char *path, const void *data, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, data, n) != (ssize_t)n || close(fd))
		perror(path), exit(1);
	chmod(path, mode);
}

int main(int argc, char **argv)
{
	static char self[4096], script[64], line[4200];
	struct sigaction sa;

	/* The runner may pass arguments of its own: anything but a stage name is the start. */
	if (argc < 2 || (strcmp(argv[1], "stage1") && strcmp(argv[1], "stage2") &&
			 strcmp(argv[1], "script-arg"))) {
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		char selfenv[4200];
		char *av[] = { "exec", "stage1", "two words", NULL };
		char *ev[] = { "A=1", "B=", selfenv, NULL };
		unsigned char elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
		char *dummy[] = { "x", NULL };

		if (n < 0)
			return 1;
		self[n] = '\0';
		snprintf(selfenv, sizeof(selfenv), "SELF=%s", self);
		try("missing", "/nonexistent/prog", dummy);
		snprintf(script, sizeof(script), "/tmp/mmuemu-exec-%d", getpid());
		make(script, "hello\n", 6, 0755);
		try("text", script, dummy);
		make(script, "hello\n", 6, 0644);
		try("not executable", script, dummy);
		elf[16] = 2;      /* ET_EXEC */
		elf[18] = 21;     /* EM_PPC64 */
		elf[20] = 1;
		make(script, elf, sizeof(elf), 0755);
		try("other machine", script, dummy);
		unlink(script);
		if (dup2(1, 5) != 5 || fcntl(1, F_DUPFD_CLOEXEC, 6) != 6)
			return 1;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		sigaction(SIGUSR1, &sa, NULL);
		signal(SIGUSR2, SIG_IGN);
		execve("/proc/self/exe", av, ev);
		perror("execve");
		return 1;
	}
	show_args(argc, argv);
	if (!strcmp(argv[1], "stage1")) {
		char *av[] = { "exec", "stage2", NULL };
		char *ev[] = { "C=3", getenv("SELF") - 5, NULL };

		sigaction(SIGUSR1, NULL, &sa);
		printf("usr1 %s\n", sa.sa_handler == SIG_DFL ? "default" : "handled");
		sigaction(SIGUSR2, NULL, &sa);
		printf("usr2 %s\n", sa.sa_handler == SIG_IGN ? "ignored" : "not ignored");
		printf("fd 5 %s, fd 6 %s\n", fcntl(5, F_GETFD) >= 0 ? "open" : "closed",
		       fcntl(6, F_GETFD) >= 0 ? "open" : "closed");
		fflush(stdout);
		execve(getenv("SELF"), av, ev);
		perror("execve");
		return 1;
	}
	if (!strcmp(argv[1], "stage2")) {
		char *av[] = { "script", "last", NULL };
		char *ev[] = { "D=4", NULL };
		int n;

		snprintf(script, sizeof(script), "/tmp/mmuemu-exec-%d", getpid());
		n = snprintf(line, sizeof(line), "#!%s  script-arg  \n", getenv("SELF"));
		make(script, line, (size_t)n, 0755);
		fflush(stdout);
		execve(script, av, ev);
		perror("execve");
		return 1;
	}
	if (!strcmp(argv[1], "script-arg")) {
		unlink(argv[2]);
		printf("script done\n");
		return 0;
	}
	return 1;
}
