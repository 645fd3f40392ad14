/* SPDX-License-Identifier: MIT */
/*
 * replay.c - main() for a fuzz harness built without libFuzzer: each argument is an input
 * file, fed once to LLVMFuzzerTestOneInput(). The regression inputs are replayed this way
 * with the project's own compiler (and its sanitizers in the sanitizer build).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	static uint8_t buf[16 << 20];

	for (int i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		size_t n;

		if (!fp) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		LLVMFuzzerTestOneInput(buf, n);
		printf("ok %d - %s\n", i, argv[i]);
	}
	return 0;
}
