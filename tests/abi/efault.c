/* SPDX-License-Identifier: MIT */
/* Bad pointers given to system calls: -EFAULT, never a crash. Raw syscalls throughout. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "abi.h"

#define BAD ((void *)16)

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *unmapped, *ro, buf[64];
	struct iovec iov[2];
	int fd, p[2];

	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unmapped = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(unmapped, page);

	fd = open("ef.dat", O_CREAT | O_RDWR | O_TRUNC, 0600);
	write(fd, "0123456789", 10);
	lseek(fd, 0, SEEK_SET);
	pipe2(p, O_NONBLOCK);

	SHOW(syscall(SYS_write, 1, BAD, 5));
	SHOW(syscall(SYS_write, fd, unmapped, 5));
	SHOW(syscall(SYS_read, fd, unmapped, 5));
	SHOW(syscall(SYS_read, fd, ro, 5));
	SHOW(syscall(SYS_pread64, fd, BAD, 5, 0));
	SHOW(syscall(SYS_pwrite64, fd, BAD, 5, 0));
	SHOW(syscall(SYS_openat, AT_FDCWD, BAD, O_RDONLY));
	SHOW(syscall(SYS_openat, AT_FDCWD, unmapped, O_RDONLY));
	SHOW(syscall(SYS_newfstatat, AT_FDCWD, "ef.dat", BAD, 0));
	SHOW(syscall(SYS_newfstatat, AT_FDCWD, "ef.dat", ro, 0));
	SHOW(syscall(SYS_fstat, fd, BAD));
	SHOW(syscall(SYS_statx, AT_FDCWD, "ef.dat", 0, 0x7ff, BAD));
	SHOW(syscall(SYS_getdents64, fd, BAD, 100));
	SHOW(syscall(SYS_getcwd, BAD, 100));
	SHOW(syscall(SYS_chdir, BAD));
	SHOW(syscall(SYS_mkdirat, AT_FDCWD, BAD, 0700));
	SHOW(syscall(SYS_unlinkat, AT_FDCWD, BAD, 0));
#ifdef SYS_renameat
	SHOW(syscall(SYS_renameat, AT_FDCWD, "ef.dat", AT_FDCWD, BAD));
#else	/* riscv64: renameat2 only */
	SHOW(syscall(SYS_renameat2, AT_FDCWD, "ef.dat", AT_FDCWD, BAD, 0));
#endif
	SHOW(syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", BAD, 100));
	SHOW(syscall(SYS_readlinkat, AT_FDCWD, BAD, buf, 100));
	SHOW(syscall(SYS_faccessat, AT_FDCWD, BAD, F_OK));
	SHOW(syscall(SYS_pipe2, BAD, 0));
	SHOW(syscall(SYS_pipe2, ro, 0));
	SHOW(syscall(SYS_uname, BAD));
	SHOW(syscall(SYS_clock_gettime, 0, BAD));
	SHOW(syscall(SYS_gettimeofday, BAD, NULL));
	SHOW(syscall(SYS_nanosleep, BAD, NULL));
	SHOW(syscall(SYS_getrandom, BAD, 8, 0));
	SHOW(syscall(SYS_prlimit64, 0, 7, NULL, BAD));
	SHOW(syscall(SYS_sched_getaffinity, 0, 128, BAD));
	SHOW(syscall(SYS_getrusage, 0, BAD));
	SHOW(syscall(SYS_sysinfo, BAD));
	SHOW(syscall(SYS_ioctl, 1, 0x5413, BAD) == -1 && errno == ENOTTY ? 0 : -2);
	iov[0] = (struct iovec){ buf, 4 };
	iov[1] = (struct iovec){ BAD, 4 };
	SHOW(syscall(SYS_writev, p[1], BAD, 2));
	SHOW(syscall(SYS_writev, fd, iov, 2));
	SHOW(syscall(SYS_read, p[0], buf, sizeof(buf)));
	SHOW(syscall(SYS_readv, fd, iov, 2));
	SHOW(syscall(SYS_mincore, ro, page, BAD));
	SHOW(syscall(SYS_set_robust_list, NULL, 0) == -1 ? errno : 0);
	SHOW(syscall(SYS_write, 1, "still alive\n", 12));
	close(fd);
	unlink("ef.dat");
	return 0;
}
