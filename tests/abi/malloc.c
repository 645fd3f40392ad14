/* SPDX-License-Identifier: MIT */
/* malloc churn: brk-backed small blocks and mmap-backed large ones, realloc, calloc. */
#include <stdint.h>
#include <stdlib.h>

#include "abi.h"

#define SLOTS 512

int main(void)
{
	static unsigned char *slot[SLOTS];
	static size_t size[SLOTS];
	uint32_t seed = 12345, sum = 0;
	unsigned bad = 0;

	for (int round = 0; round < 20000; round++) {
		unsigned i;
		size_t n;

		seed = seed * 1103515245u + 12345u;
		i = (seed >> 8) % SLOTS;
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 4) % 4096 + 1;
		if (round % 997 == 0)
			n = 300000 + (seed % 100000);	/* above the mmap threshold */
		if (slot[i]) {
			for (size_t k = 0; k < size[i]; k++)
				bad += slot[i][k] != (unsigned char)(i + k);
			sum += abi_sum(slot[i], size[i]);
			if (round % 3 == 0) {
				free(slot[i]);
				slot[i] = NULL;
				continue;
			}
			slot[i] = realloc(slot[i], n);
			for (size_t k = 0; k < n; k++)
				slot[i][k] = (unsigned char)(i + k);
		} else if (round % 5 == 0) {
			slot[i] = calloc(1, n);
			for (size_t k = 0; k < n; k++)
				bad += slot[i][k] != 0;
			for (size_t k = 0; k < n; k++)
				slot[i][k] = (unsigned char)(i + k);
		} else {
			slot[i] = malloc(n);
			for (size_t k = 0; k < n; k++)
				slot[i][k] = (unsigned char)(i + k);
		}
		size[i] = n;
	}
	for (unsigned i = 0; i < SLOTS; i++)
		free(slot[i]);
	printf("checksum %08x, bad bytes %u\n", sum, bad);
	return bad != 0;
}
