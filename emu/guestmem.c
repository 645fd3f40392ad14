/* SPDX-License-Identifier: MIT */
/*
 * guestmem.c - guest memory for every layer of emu/ beside mm/'s copy_from_user() and
 * copy_to_user(): a look that faults nothing in (the report, fault addresses), and the
 * user-access ops arch/ builds and reads signal frames with. A leaf: it calls nothing
 * else in emu/.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "emu/emu.h"

uint64_t emu_peek(struct emu *emu, uint64_t va, void *buf, uint64_t n, mm_access_t access)
{
	const struct arch_mem *mem = mm_phys_mem(emu->machine->phys);
	uint64_t page = arch_page_size(emu->mmu), done = 0;

	while (done < n) {
		struct arch_walk w;
		uint64_t chunk = MIN(n - done, page - ((va + done) & (page - 1)));

		if (mm_walk(emu->proc->mm, va + done, access, &w) != ARCH_WALK_OK)
			break;
		if (w.paddr >= mem->size || chunk > mem->size - w.paddr)
			break;
		memcpy((uint8_t *)buf + done, mem->base + w.paddr, chunk);
		done += chunk;
	}
	return done;
}

static int guestmem_read(void *ctx, void *dst, uint64_t src, uint64_t n)
{
	struct emu *emu = ctx;

	return copy_from_user(emu->proc->mm, dst, src, n) ? -EFAULT : 0;
}

static int guestmem_write(void *ctx, uint64_t dst, const void *src, uint64_t n)
{
	struct emu *emu = ctx;

	return copy_to_user(emu->proc->mm, dst, src, n) ? -EFAULT : 0;
}

struct arch_uaccess emu_uaccess(struct emu *emu)
{
	return (struct arch_uaccess){ .ctx = emu, .read = guestmem_read, .write = guestmem_write };
}
