/* SPDX-License-Identifier: MIT */
/*
 * stale_tlb - why munmap(2) must flush the TLB before the frame is reused.
 *
 *   P          mmap page P, write OLD_MAGIC, read it: the TLB now caches P's translation
 *   P Q        mmap page Q (not touched yet), so it cannot land on P's address
 *   . Q        munmap P: its entry is cleared, its frame freed
 *   . Q        write NEW_MAGIC to Q: the fault takes a free frame, maybe P's old one
 *   x Q        read P
 *
 * With the flush (natively, under qemu-user, under mmuemu) the read of P is a SIGSEGV and
 * the exit status 139. Under `mmuemu --no-tlb-flush` the read hits the stale TLB entry
 * and returns whatever P's old frame holds now: OLD_MAGIC if the frame lies unused,
 * NEW_MAGIC if Q's fault got it. The program prints the value and which one it is, and
 * exits 0.
 */
#include "guest.h"

#define OLD_MAGIC 0x6f6c642070616765ull  /* "old page" in ASCII */
#define NEW_MAGIC 0x6e65772070616765ull  /* "new page" */

int main(int argc, char **argv)
{
	const int prot = PROT_READ_LINUX | PROT_WRITE_LINUX;
	const int flags = MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX;
	uintptr_t p, q;
	uint64_t v;

	p = guest_mmap(0, PAGE_SIZE_LINUX, prot, flags, "mmap");
	poke(p, OLD_MAGIC);
	pr_str("old page reads ");
	pr_hex(peek(p));
	pr_end();

	q = guest_mmap(0, PAGE_SIZE_LINUX, prot, flags, "mmap");
	guest_munmap(p, PAGE_SIZE_LINUX, "munmap");
	pr_str("unmapped the old page");
	pr_end();

	poke(q, NEW_MAGIC);
	pr_str("new page reads ");
	pr_hex(peek(q));
	pr_end();

	pr_str("reading the old page after munmap");
	pr_end();
	v = peek(p);

	pr_str("stale read: ");
	pr_hex(v);
	if (v == OLD_MAGIC)
		pr_str(" (the old page's value: its frame is still unused)");
	else if (v == NEW_MAGIC)
		pr_str(" (the new page's value: its frame was reused)");
	else
		pr_str(" (neither value)");
	pr_end();
	return 0;
}
