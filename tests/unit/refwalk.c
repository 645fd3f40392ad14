/* SPDX-License-Identifier: MIT */
/*
 * refwalk.c - reference page walker for tests, written from the manuals alone.
 *
 * Nothing here comes from arch/: the bit positions below are typed in again from the Intel
 * SDM (vol. 3A, 4-level paging), the Arm ARM (VMSAv8-64 stage 1 descriptors) and the RISC-V
 * privileged specification (Sv39, Sv48, Sv57, "Virtual Address Translation Process"), and no
 * function of struct arch_mmu is ever called. Levels are numbered the xv6 way (the RISC-V
 * spec's i), counting down to 0 at the table that maps 4 KiB pages, so that the two
 * readings do not even share their loop shape.
 *
 * All formats: 4 KiB pages, 512 eight-byte entries per table; 4 levels and 48-bit VA for
 * x86_64 and arm64, 3, 4 or 5 levels for RISC-V. Modelled hardware state: x86 CR0.WP=1,
 * EFER.NXE=1, no PKE; arm64 EL0 via TTBR0_EL1 with TCR_EL1.HA/HD (so AF=0 is no fault, and a
 * DBM page counts as writable), TBI0 off; RISC-V U-mode with MXR=0, no Svpbmt or Svnapot,
 * A and D managed by the hardware (so A=0 or D=0 is no fault).
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/refwalk.h"

/* Intel SDM, tables "Format of a PML4 Entry" ... "Format of a Page-Table Entry". */
#define REF_X86_P        0x1ull
#define REF_X86_RW       0x2ull
#define REF_X86_US       0x4ull
#define REF_X86_PS       0x80ull
#define REF_X86_BIT8     0x100ull            /* G; Linux's PROTNONE while P=0 */
#define REF_X86_XD       0x8000000000000000ull
#define REF_X86_ADDR     0x000ffffffffff000ull
/* Linux TASK_SIZE_MAX: the lower canonical half minus its top page. */
#define REF_X86_USER_END 0x00007ffffffff000ull

/* Arm ARM, "VMSAv8-64 translation table format descriptors". */
#define REF_A64_KIND      0x3ull             /* bits 1:0 */
#define REF_A64_BLOCK     0x1ull
#define REF_A64_TABLE     0x3ull             /* also "page" at level 3 */
#define REF_A64_AP1       0x40ull            /* EL0 may access */
#define REF_A64_AP2       0x80ull            /* read-only */
#define REF_A64_DBM       0x0008000000000000ull
#define REF_A64_UXN       0x0040000000000000ull
#define REF_A64_LINUX_PROT_NONE 0x0400000000000000ull
#define REF_A64_UXNTABLE  0x1000000000000000ull
#define REF_A64_APTABLE0  0x2000000000000000ull /* no EL0 access below */
#define REF_A64_APTABLE1  0x4000000000000000ull /* no write access below */
#define REF_A64_ADDR      0x0000fffffffff000ull
#define REF_A64_USER_END  0x0001000000000000ull

/* RISC-V privileged spec, "Sv39 Implementation", Figure "Sv39 page table entry" (the same
 * entry for Sv48 and Sv57): V R W X U G A D, RSW, PPN from bit 10, bits 63:54 reserved. */
#define REF_RV_V          0x1ull
#define REF_RV_R          0x2ull
#define REF_RV_W          0x4ull
#define REF_RV_X          0x8ull
#define REF_RV_U          0x10ull
#define REF_RV_G          0x20ull             /* Linux's _PAGE_PROT_NONE while V=0 */
#define REF_RV_A          0x40ull
#define REF_RV_D          0x80ull
#define REF_RV_HIGH       0xffc0000000000000ull /* bits 63:54 */

#define REF_PX(level, va) (((va) >> (12 + 9 * (level))) & 511)

enum ref_step { REF_STOP, REF_DOWN, REF_MAPS };

/* What a user access is still allowed after the entries seen so far. */
struct ref_rights {
	bool user, write, exec;
	bool read;  /* RISC-V only: R is its own bit (x86 and arm64 always read) */
};

enum ref_arch ref_arch_of(const struct arch_mmu *mmu)
{
	if (strcmp(mmu->name, "x86_64") == 0)
		return REF_X86_64;
	if (strcmp(mmu->name, "arm64") == 0)
		return REF_ARM64;
	if (strcmp(mmu->name, "riscv64") == 0)	/* Linux's choice: the widest, Sv57 */
		return REF_RV_SV57;
	if (strcmp(mmu->name, "riscv64-sv48") == 0)
		return REF_RV_SV48;
	if (strcmp(mmu->name, "riscv64-sv39") == 0)
		return REF_RV_SV39;
	fprintf(stderr, "refwalk: no reference format for \"%s\"\n", mmu->name);
	abort();
}

static bool ref_riscv(enum ref_arch arch)
{
	return arch == REF_RV_SV39 || arch == REF_RV_SV48 || arch == REF_RV_SV57;
}

/* The root's level, counted xv6-style: LEVELS - 1 in the RISC-V spec. */
static int ref_top(enum ref_arch arch)
{
	switch (arch) {
	case REF_RV_SV39:
		return 2;
	case REF_RV_SV57:
		return 4;
	default:
		return 3;
	}
}

/* The physical address an entry holds: RISC-V keeps a PPN, the others an address. */
static uint64_t ref_next(enum ref_arch arch, uint64_t pte)
{
	if (ref_riscv(arch))
		return ((pte >> 10) & ((1ull << 44) - 1)) << 12;
	return pte & (arch == REF_X86_64 ? REF_X86_ADDR : REF_A64_ADDR);
}

/* User addresses: below the canonical hole (x86, RISC-V: half the VA bits), TTBR0's 48 bits. */
static uint64_t ref_user_end(enum ref_arch arch)
{
	if (ref_riscv(arch))
		return 1ull << (12 + 9 * (ref_top(arch) + 1) - 1);
	return arch == REF_X86_64 ? REF_X86_USER_END : REF_A64_USER_END;
}

static uint64_t ref_load(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* x86: P must be set; PS ends the walk at levels 2 and 1 and is reserved at level 3. */
static enum ref_step ref_x86_step(uint64_t pte, int level, struct ref_rights *r)
{
	if (!(pte & REF_X86_P))
		return REF_STOP;
	r->user &= !!(pte & REF_X86_US);
	r->write &= !!(pte & REF_X86_RW);
	r->exec &= !(pte & REF_X86_XD);
	if (level == 0)
		return REF_MAPS;
	if (pte & REF_X86_PS)
		return level == 3 /* PML4 */ ? REF_STOP : REF_MAPS;
	return REF_DOWN;
}

/* arm64: 11 is a table above level 0 and a page at it; 01 a block at levels 1 and 2 only. */
static enum ref_step ref_arm64_step(uint64_t pte, int level, struct ref_rights *r)
{
	switch (pte & REF_A64_KIND) {
	case REF_A64_TABLE:
		if (level > 0) {
			r->user &= !(pte & REF_A64_APTABLE0);
			r->write &= !(pte & REF_A64_APTABLE1);
			r->exec &= !(pte & REF_A64_UXNTABLE);
			return REF_DOWN;
		}
		break;
	case REF_A64_BLOCK:
		if (level == 1 || level == 2)
			break;
		return REF_STOP;
	default:
		return REF_STOP;
	}
	r->user &= !!(pte & REF_A64_AP1);
	r->write &= !(pte & REF_A64_AP2) || (pte & REF_A64_DBM);
	r->exec &= !(pte & REF_A64_UXN);
	return REF_MAPS;
}

/*
 * RISC-V, the spec's steps 3-6: V=0, W without R, or a reserved bit (63:54; D, A, U of a
 * pointer) faults; R=W=X=0 points down, and faults at i = 0; anything else is a leaf at
 * this level, which needs U for a user access and, above level 0, zero low PPN fields.
 */
static enum ref_step ref_riscv_step(uint64_t pte, int level, struct ref_rights *r)
{
	if (!(pte & REF_RV_V) || (pte & (REF_RV_R | REF_RV_W)) == REF_RV_W || (pte & REF_RV_HIGH))
		return REF_STOP;
	if (!(pte & (REF_RV_R | REF_RV_W | REF_RV_X))) {
		if (level == 0 || (pte & (REF_RV_D | REF_RV_A | REF_RV_U)))
			return REF_STOP;
		return REF_DOWN;
	}
	if (level > 0 && ((pte >> 10) & ((1ull << (9 * level)) - 1)))
		return REF_STOP;
	r->user &= !!(pte & REF_RV_U);
	r->write &= !!(pte & REF_RV_W);
	r->exec &= !!(pte & REF_RV_X);
	r->read = !!(pte & REF_RV_R);
	return REF_MAPS;
}

static enum ref_step ref_step(enum ref_arch arch, uint64_t pte, int level, struct ref_rights *r)
{
	if (ref_riscv(arch))
		return ref_riscv_step(pte, level, r);
	return arch == REF_X86_64 ? ref_x86_step(pte, level, r) : ref_arm64_step(pte, level, r);
}

/*
 * x86 ties every user right to US; arm64 lets EL0 execute without AP[1] (exec-only); RISC-V
 * ties all three to U and has R, W and X each on its own.
 */
static unsigned ref_prot(enum ref_arch arch, const struct ref_rights *r)
{
	unsigned prot = 0;

	if (ref_riscv(arch)) {
		if (!r->user)
			return 0;
		return (r->read ? MM_PROT_READ : 0) | (r->write ? MM_PROT_WRITE : 0) |
		       (r->exec ? MM_PROT_EXEC : 0);
	}
	if (r->user)
		prot |= MM_PROT_READ | (r->write ? MM_PROT_WRITE : 0);
	if (r->exec && (r->user || arch == REF_ARM64))
		prot |= MM_PROT_EXEC;
	return prot;
}

bool refwalk(enum ref_arch arch, const uint8_t *mem, uint64_t memsize, uint64_t root,
	     uint64_t va, uint64_t *paddr, unsigned *prot)
{
	struct ref_rights r = { true, true, true, true };
	uint64_t table = root & ~0xfffull, pte = 0, span, frame;
	int level;

	if (va >= ref_user_end(arch))
		return false;
	for (level = ref_top(arch); level >= 0; level--) {
		uint64_t pa = table + 8 * REF_PX(level, va);
		enum ref_step s;

		if (pa + 8 > memsize || pa + 8 < pa)
			return false;
		pte = ref_load(mem + pa);
		s = ref_step(arch, pte, level, &r);
		if (s == REF_STOP)
			return false;
		if (s == REF_MAPS)
			break;
		table = ref_next(arch, pte);
	}
	span = 1ull << (12 + 9 * level);
	frame = ref_next(arch, pte) & ~(span - 1);
	/* The whole page or block must be memory: past its end nothing may be reached. */
	if (frame > memsize || span > memsize - frame)
		return false;
	*paddr = frame | (va & (span - 1));
	*prot = ref_prot(arch, &r);
	return true;
}

static long ref_count_tables(enum ref_arch arch, const uint8_t *mem, uint64_t memsize,
			     uint64_t table, int level, GHashTable *seen,
			     unsigned long counts[ARCH_MAX_LEVELS])
{
	long n = 1;

	if (table + 4096 > memsize || !g_hash_table_add(seen, GSIZE_TO_POINTER(table + 1)))
		return -1;
	counts[ref_top(arch) - level]++;
	if (level == 0)
		return n;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t pte = ref_load(mem + table + 8 * i);
		struct ref_rights r = { true, true, true, true };
		long sub;

		if (ref_step(arch, pte, level, &r) != REF_DOWN)
			continue;
		sub = ref_count_tables(arch, mem, memsize, ref_next(arch, pte), level - 1,
				       seen, counts);
		if (sub < 0)
			return -1;
		n += sub;
	}
	return n;
}

long refwalk_count_tables(enum ref_arch arch, const uint8_t *mem, uint64_t memsize,
			  uint64_t root, unsigned long counts[ARCH_MAX_LEVELS])
{
	GHashTable *seen;
	long n;

	memset(counts, 0, sizeof(unsigned long) * ARCH_MAX_LEVELS);
	if (!root)
		return 0;
	seen = g_hash_table_new(g_direct_hash, NULL);
	n = ref_count_tables(arch, mem, memsize, root & ~0xfffull, ref_top(arch), seen, counts);
	g_hash_table_destroy(seen);
	return n;
}

/* A Linux PROT_NONE leaf: not valid to the hardware, but still holding its frame. */
static bool ref_protnone(enum ref_arch arch, uint64_t pte, int level)
{
	if (ref_riscv(arch))
		return !(pte & REF_RV_V) && (pte & REF_RV_G);
	if (arch == REF_X86_64)
		return !(pte & REF_X86_P) && (pte & REF_X86_BIT8) &&
		       (level == 0 || ((pte & REF_X86_PS) && level < ref_top(arch)));
	return !(pte & 1) && (pte & REF_A64_LINUX_PROT_NONE) && level < ref_top(arch);
}

static long ref_count_leaves(enum ref_arch arch, const uint8_t *mem, uint64_t memsize,
			     uint64_t table, int level)
{
	/* The user half is the lower half of the root on x86 and RISC-V; TTBR0 is all arm64's. */
	unsigned end = level == ref_top(arch) && arch != REF_ARM64 ? 256 : 512;
	long n = 0;

	if (table + 4096 > memsize)
		return -1;
	for (unsigned i = 0; i < end; i++) {
		uint64_t pte = ref_load(mem + table + 8 * i);
		struct ref_rights r = { true, true, true, true };
		enum ref_step s = ref_step(arch, pte, level, &r);
		long sub;

		if (s == REF_MAPS || (s == REF_STOP && ref_protnone(arch, pte, level))) {
			n++;
		} else if (s == REF_DOWN) {
			sub = ref_count_leaves(arch, mem, memsize, ref_next(arch, pte), level - 1);
			if (sub < 0)
				return -1;
			n += sub;
		}
	}
	return n;
}

long refwalk_count_leaves(enum ref_arch arch, const uint8_t *mem, uint64_t memsize,
			  uint64_t root)
{
	if (!root)
		return 0;
	return ref_count_leaves(arch, mem, memsize, root & ~0xfffull, ref_top(arch));
}
