/* SPDX-License-Identifier: MIT */
/*
 * churn - a munmap-heavy guest for the --check and --inject tests.
 *
 *   churn          rounds of mmap, touch, partial munmap, mprotect, mremap, madvise,
 *                  MAP_FIXED over a live mapping, brk up and down; every value read back
 *   churn big N    map N MiB and write every page (runs out of a small --mem)
 *   churn stale    write a page, munmap it, read it again: SIGSEGV, or under
 *                  --no-tlb-flush a stale read of the old frame (nothing else reuses it)
 *
 * Each step checks what it reads; a failed system call exits 1 with "error: ... failed".
 * Prints "churn done" and exits 0 when everything held.
 */
#include "guest.h"

#if defined(__x86_64__)
#define SYS_mremap_LINUX  25
#define SYS_madvise_LINUX 28
#else
#define SYS_mremap_LINUX  216
#define SYS_madvise_LINUX 233
#endif

#define MREMAP_MAYMOVE_LINUX  1
#define MADV_DONTNEED_LINUX   4
#define PROT_RW (PROT_READ_LINUX | PROT_WRITE_LINUX)
#define ANON (MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX)
#define PG PAGE_SIZE_LINUX
#define ROUNDS 6

static uint64_t tag(uint64_t round, uint64_t page)
{
	return 0xc0de000000000000ull | round << 32 | page;
}

static void expect(uintptr_t addr, uint64_t want, const char *what)
{
	if (peek(addr) != want) {
		pr_str("error: ");
		pr_str(what);
		pr_str(": read ");
		pr_hex(peek(addr));
		pr_str(", expected ");
		pr_hex(want);
		pr_end_fd(2);
		sys_exit_group(1);
	}
}

static void check_ret(long ret, const char *what)
{
	if (guest_is_err(ret))
		guest_die(what, ret);
}

static void round_mmap(uint64_t r)
{
	uintptr_t p = guest_mmap(0, 16 * PG, PROT_RW, ANON, "mmap");
	uintptr_t q;

	for (uint64_t i = 0; i < 16; i++)
		poke(p + i * PG, tag(r, i));
	/* A hole in the middle: pages 6..9. */
	guest_munmap(p + 6 * PG, 4 * PG, "munmap middle");
	for (uint64_t i = 0; i < 16; i++) {
		if (i < 6 || i >= 10)
			expect(p + i * PG, tag(r, i), "after munmap");
	}
	/* Pages 0..1 read-only, then writable again. */
	check_ret(sys_mprotect(p, 2 * PG, PROT_READ_LINUX), "mprotect");
	expect(p + PG, tag(r, 1), "after mprotect");
	check_ret(sys_mprotect(p, 2 * PG, PROT_RW), "mprotect back");
	poke(p, tag(r, 100));
	/* Grow the last 6 pages (10..15) to 40: it may move; the contents come along. */
	q = (uintptr_t)guest_syscall6(SYS_mremap_LINUX, (long)(p + 10 * PG), 6 * PG, 40 * PG,
				      MREMAP_MAYMOVE_LINUX, 0, 0);
	check_ret((long)q, "mremap");
	for (uint64_t i = 0; i < 6; i++)
		expect(q + i * PG, tag(r, 10 + i), "after mremap");
	for (uint64_t i = 6; i < 40; i += 5)
		poke(q + i * PG, tag(r, 200 + i));
	/* Drop two pages: private anonymous memory reads back as zero. */
	check_ret(guest_syscall6(SYS_madvise_LINUX, (long)(q + 6 * PG), 2 * PG,
				 MADV_DONTNEED_LINUX, 0, 0, 0), "madvise");
	expect(q + 6 * PG, 0, "after MADV_DONTNEED");
	expect(q + 11 * PG, tag(r, 211), "beside MADV_DONTNEED");
	/* Replace pages 2..4 with a fresh mapping: they read zero. */
	guest_mmap(p + 2 * PG, 3 * PG, PROT_RW, ANON | MAP_FIXED_LINUX, "mmap MAP_FIXED");
	expect(p + 3 * PG, 0, "after MAP_FIXED");
	expect(p + 5 * PG, tag(r, 5), "beside MAP_FIXED");
	guest_munmap(p, 6 * PG, "munmap head");
	guest_munmap(q, 40 * PG, "munmap remapped");
}

static void round_brk(uint64_t r)
{
	uintptr_t start = (uintptr_t)sys_brk(0), top;

	top = (uintptr_t)sys_brk(start + 5 * PG);
	if (top != start + 5 * PG)
		guest_die("brk up", -12);
	for (uint64_t i = 0; i < 5; i++)
		poke(start + i * PG, tag(r, 300 + i));
	expect(start + 4 * PG, tag(r, 304), "brk");
	if ((uintptr_t)sys_brk(start) != start)
		guest_die("brk down", -12);
}

static uint64_t parse_dec(const char *s)
{
	uint64_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

static int big(uint64_t mib)
{
	uintptr_t p = guest_mmap(0, mib << 20, PROT_RW, ANON, "mmap big");

	for (uint64_t off = 0; off < mib << 20; off += PG)
		poke(p + off, off);
	pr_str("touched ");
	pr_dec(mib);
	pr_str(" MiB");
	pr_end();
	guest_munmap(p, mib << 20, "munmap big");
	return 0;
}

static int stale(void)
{
	uintptr_t p = guest_mmap(0, PG, PROT_RW, ANON, "mmap");
	uint64_t v;

	poke(p, tag(0, 1));
	expect(p, tag(0, 1), "before munmap");
	guest_munmap(p, PG, "munmap");
	/* Read before anything else faults in, so that nothing reuses the frame. */
	v = peek(p);
	pr_str("stale read: ");
	pr_hex(v);
	pr_end();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && guest_streq(argv[1], "stale"))
		return stale();
	if (argc == 3 && guest_streq(argv[1], "big"))
		return big(parse_dec(argv[2]));
	for (uint64_t r = 0; r < ROUNDS; r++) {
		round_mmap(r);
		round_brk(r);
	}
	pr_str("churn done");
	pr_end();
	return 0;
}
