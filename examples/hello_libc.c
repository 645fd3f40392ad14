/* SPDX-License-Identifier: MIT */
/*
 * hello_libc - a glibc-static guest: libc start-up (TLS, IRELATIVE relocations, the
 * auxiliary vector), malloc through brk and mmap, and stdio.
 *
 * Built with `gcc -static` / `aarch64-linux-gnu-gcc -static`, unlike the other examples.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__x86_64__)
#define ARCH "x86_64"
#elif defined(__aarch64__)
#define ARCH "arm64"
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH "riscv64"
#else
#error "hello_libc: only x86_64, arm64 and riscv64 guests"
#endif

/* A small block comes from the brk heap, a large one from mmap (glibc's threshold: 128 KiB). */
static const size_t sizes[] = { 100, 5000, 1 << 20 };

int main(void)
{
	size_t i;

	printf("hello from %s (libc)\n", ARCH);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i], j;
		unsigned char *buf = malloc(n);
		uint32_t sum = 0;

		if (!buf) {
			fprintf(stderr, "malloc(%zu) failed\n", n);
			return 1;
		}
		for (j = 0; j < n; j++)
			buf[j] = (unsigned char)(j * 7);
		for (j = 0; j < n; j++)
			sum = sum * 31 + buf[j];
		printf("malloc(%zu): checksum %08x\n", n, (unsigned int)sum);
		free(buf);
	}
	return 0;
}
