/* SPDX-License-Identifier: MIT */
/*
 * libc_guest - a glibc-static program whose output does not depend on where it runs, so
 * that mmuemu's run can be compared byte for byte with a native (or qemu-user) run:
 * stdio, malloc of small and large blocks, floating point (SSE / FP-SIMD), setjmp, a bad
 * pointer given to write(2), and an exit status of its own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

static jmp_buf env;

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void jump(int v)
{
	longjmp(env, v);
}

int main(int argc, char **argv)
{
	struct utsname u;
	struct iovec iov[2] = {
		{ .iov_base = "writev ", .iov_len = 7 },
		{ .iov_base = "ok\n", .iov_len = 3 },
	};
	int nums[] = { 5, 3, 9, 1, 7 };
	volatile double x = 1.0;
	char *big, *small;
	const void *volatile bad = (const void *)16;
	ssize_t r;

	printf("argc %d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d] %s\n", i, argv[i]);

	for (int i = 0; i < 20; i++)
		x = x * 1.5 + 0.25;
	printf("float %.6f %g\n", x, strtod("2.5e3", NULL) / 7);

	small = malloc(100);
	snprintf(small, 100, "%s-%d", "malloc", 42);
	printf("%s\n", small);
	big = malloc(8 << 20);
	memset(big, 0x5a, 8 << 20);
	big = realloc(big, 16 << 20);
	memset(big + (8 << 20), 0xa5, 8 << 20);
	printf("big %02x %02x\n", (unsigned char)big[12345], (unsigned char)big[(12 << 20) + 7]);
	free(big);
	free(small);

	qsort(nums, 5, sizeof(nums[0]), cmp_int);
	printf("sorted %d %d %d %d %d\n", nums[0], nums[1], nums[2], nums[3], nums[4]);

	if (setjmp(env) == 0)
		jump(3);
	else
		printf("longjmp ok\n");

	if (uname(&u) == 0)
		printf("uname %s\n", u.sysname);

	fflush(stdout);
	errno = 0;
	r = write(1, bad, 5);
	printf("bad pointer write: %zd %s\n", r, errno == EFAULT ? "EFAULT" : strerror(errno));
	fflush(stdout);
	r = writev(1, iov, 2);
	printf("writev returned %zd\n", r);
	return 7;
}
