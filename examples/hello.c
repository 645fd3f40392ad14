/* SPDX-License-Identifier: MIT */
/*
 * hello - the smallest guest: one write(2), then exit_group(0).
 *
 *   $ mmuemu --trace=syscall build/examples/hello-arm64
 */
#include "guest.h"

int main(int argc, char **argv)
{
	pr_str("hello from ");
	pr_str(GUEST_ARCH);
	pr_end();
	return 0;
}
