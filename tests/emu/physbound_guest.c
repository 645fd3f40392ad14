/* SPDX-License-Identifier: MIT */
/*
 * physbound_guest - a hostile guest against the bounds of guest physical memory, and
 * against the syscall tracer's string arguments. Freestanding (examples/guest.h).
 *
 * physbound_guest attack   (meant for `mmuemu --no-tlb-flush --mem=1536M`)
 *   P Q        mmap pages P and Q, write P: the TLB caches P; Q keeps P's table alive
 *   . Q   R    munmap P (its frame is freed), then touch R in an empty 512 GiB slot: the
 *              first table the fault allocates (R's PDPT / L1) reuses P's frame
 *   x          read P through the stale TLB entry: it now shows a page table; write three
 *              1 GiB leaves into it, at 1, 2 and 3 GiB of physical memory (past the end
 *              of guest memory, the first one partly), and write(1, va, 16) from each
 *   .          then read one of them directly.
 * With the flush (natively, under qemu-user, plain mmuemu) the read of P is a SIGSEGV
 * (139). Without it, every write(2) must fail with EFAULT and the direct read must be a
 * signal (SIGBUS): no byte beyond guest memory may come out.
 *
 * physbound_guest trace    (meant for `mmuemu --trace=syscall`)
 *   openat() with path arguments the tracer must print bounded: longer than 32 bytes,
 *   exactly 32, unterminated at the end of a page before an unmapped one, and with bytes
 *   that need escaping. The results (errno) go to stdout, the page address to stderr.
 */
#include "guest.h"

#if defined(__x86_64__)
#define SYS_openat_LINUX 257
/* P RW US A D PS: a 1 GiB user leaf in a PDPT. */
#define LEAF_1G_BITS 0xe7ull
#else
#define SYS_openat_LINUX 56
/* Block descriptor, AF, inner shareable, AP[1] (EL0), read-write. */
#define LEAF_1G_BITS ((1ull << 10) | (3ull << 8) | (1ull << 6) | 1ull)
#endif
#define AT_FDCWD_LINUX -100

#define SLOT_R 0x500000000000ull	/* a 512 GiB slot nothing else uses */
#define GIB (1ull << 30)

static long sys_openat(const char *path)
{
	return guest_syscall6(SYS_openat_LINUX, AT_FDCWD_LINUX, (long)path, 0, 0, 0, 0);
}

static void result(const char *what, long ret)
{
	pr_str(what);
	pr_str(": ");
	if (guest_is_err(ret)) {
		pr_str("-");
		pr_dec((uint64_t)-ret);
	} else {
		pr_dec((uint64_t)ret);
	}
	pr_end();
}

static int attack(void)
{
	const int prot = PROT_READ_LINUX | PROT_WRITE_LINUX;
	const int flags = MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX;
	volatile uint64_t *p;
	uintptr_t base, r;
	unsigned nonzero = 0;

	base = guest_mmap(0, 2 * PAGE_SIZE_LINUX, prot, flags, "mmap");
	p = (volatile uint64_t *)base;
	/* Every 1 KiB: Unicorn's arm64 TLB pages are that small, and all must stay cached. */
	for (unsigned i = 0; i < PAGE_SIZE_LINUX / 8; i += 1024 / 8)
		p[i] = i ? 0 : 0x1234;
	p[PAGE_SIZE_LINUX / 8] = 1;
	pr_str("old page reads ");
	pr_hex(p[0]);
	pr_end();
	r = guest_mmap(SLOT_R, PAGE_SIZE_LINUX, prot, flags | MAP_FIXED_LINUX, "mmap R");
	guest_munmap(base, PAGE_SIZE_LINUX, "munmap");
	*(volatile uint64_t *)r = 1;
	pr_str("touched R; reading the old page after munmap");
	pr_end();

	for (unsigned i = 0; i < 512; i++)
		nonzero += p[i] != 0;
	pr_str("old page now has ");
	pr_dec(nonzero);
	pr_str(" nonzero entries");
	pr_end();

	for (unsigned k = 1; k <= 3; k++)
		p[k] = (k * GIB) | LEAF_1G_BITS;
	for (unsigned k = 1; k <= 3; k++) {
		char what[] = "write(1) from the leaf at k GiB";

		what[26] = (char)('0' + k);
		result(what, sys_write(1, (const void *)(r + k * GIB), 16));
	}
	pr_str("reading the leaf at 1 GiB directly");
	pr_end();
	pr_hex(*(volatile uint64_t *)(r + GIB));
	pr_end();
	return 0;
}

static int trace(void)
{
	const int prot = PROT_READ_LINUX | PROT_WRITE_LINUX;
	const int flags = MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX;
	char longpath[] = "/nonexistent-mmuemu/0123456789abcdefghij";	/* 40 bytes */
	char exact[] = "/nonexistent-mmuemu/0123456789ab";		/* 32 bytes */
	char odd[] = "/nonexistent-\"q\\\n\t\001\377";
	uintptr_t page = guest_mmap(0, 2 * PAGE_SIZE_LINUX, prot, flags, "mmap");
	char *end = (char *)page + PAGE_SIZE_LINUX;

	guest_munmap(page + PAGE_SIZE_LINUX, PAGE_SIZE_LINUX, "munmap");
	pr_str("page ");
	pr_hex(page);
	pr_end_fd(2);
	for (int i = 1; i <= 40; i++)
		end[-i] = 'b';
	result("long", sys_openat(longpath));
	result("exact", sys_openat(exact));
	result("odd", sys_openat(odd));
	result("unterminated 5", sys_openat(end - 5));
	result("unterminated 33", sys_openat(end - 33));
	result("unterminated 40", sys_openat(end - 40));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == 't')
		return trace();
	return attack();
}
