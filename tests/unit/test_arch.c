/* SPDX-License-Identifier: MIT */
/*
 * test_arch.c - the MMU half of each architecture: entry encoding checked bit for bit
 * against the manuals, and the page walk checked against tests/unit/refwalk.c on table
 * trees built by hand in a RAM buffer.
 *
 * Most scenarios run for every architecture (/arch/<name>/<scenario>; RISC-V's Sv39, Sv48
 * and Sv57 are three, named riscv64-sv39, riscv64-sv48 and riscv64 for Linux's default
 * Sv57); what differs is collected in one struct spec per architecture, written from the manuals (literal bit
 * values, never arch/'s own constants), so that a wrong constant in arch/ shows up here.
 */
#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/arch.h"
#include "tests/unit/refwalk.h"
#ifdef MMUEMU_ARCH_RISCV64
#include "arch/riscv64/riscv64.h"
#endif

#define MEM_SIZE  (UINT64_C(4) << 20)  /* tables in the lower half, frames in the upper */
#define PAGE      UINT64_C(0x1000)
#define FRAME     UINT64_C(0x00345000)
#define R         MM_PROT_READ
#define W         MM_PROT_WRITE
#define X         MM_PROT_EXEC

static const mm_access_t accesses[] = { MM_PROT_READ, MM_PROT_WRITE, MM_PROT_EXEC };

/* A change to a table entry: bits cleared, then bits set. */
struct bits_edit {
	uint64_t clear, set;
};

/**
 * struct spec - what one architecture's manual says, for the shared scenarios.
 * @leaf: mk_leaf(FRAME, prot) for each prot 0..7, bit for bit.
 * @granted: what the hardware grants a user access through that leaf.
 * @table: mk_table(0x5000, level).
 * @leaf_young, @table_young: accessed bit in a leaf / a table entry (0: tables have none).
 * @block: turn a last-level leaf into a block/huge leaf for a higher level.
 * @deny_write, @deny_user, @deny_exec: table-entry edits that restrict everything below.
 * @deny_user_keeps: what an RWX leaf still grants below @deny_user.
 * @max_frame: highest frame an entry can hold.
 * @leaf_in_root: a leaf may sit in the root table (RISC-V), so a walk may read one entry.
 * @frame_bits: the entry bits that hold the frame (0: the bits of @max_frame, where the
 *              frame sits in the entry as in the address; RISC-V keeps a PPN at bit 10).
 * @bad_vas, @nr_bad_vas: addresses no user walk may translate.
 * @kernel_alias: a VA outside the user range whose table indices are those of 0x400000
 *                in another top-level slot, mapped by the tests to catch a missing check.
 * @desc_rw_leaf, @desc_table, @desc_none, @desc_block: describe_entry() of some entries.
 * @leaves_in_known_tree: refwalk_count_leaves() of the tree in test_count_known_tree().
 */
struct spec {
	const struct arch_mmu *mmu;
	uint64_t leaf[8];
	unsigned granted[8];
	uint64_t table;
	uint64_t leaf_young, table_young;
	uint64_t (*block)(uint64_t leaf);
	struct bits_edit deny_write, deny_user, deny_exec;
	unsigned deny_user_keeps;
	uint64_t max_frame;
	uint64_t frame_bits;
	bool leaf_in_root;
	uint64_t bad_vas[8];
	unsigned nr_bad_vas;
	uint64_t kernel_alias;
	const char *desc_rw_leaf, *desc_table, *desc_none, *desc_block;
	long leaves_in_known_tree;
};

/* x86: PS (bit 7) in a PDE or PDPTE makes it a 2 MiB / 1 GiB leaf. */
static uint64_t x86_block(uint64_t leaf)
{
	return leaf | 0x80;
}

/* arm64: bits[1:0] = 01 is a block descriptor at L1/L2. */
static uint64_t arm64_block(uint64_t leaf)
{
	return leaf & ~UINT64_C(2);
}

static const struct spec x86_spec = {
	.mmu = &x86_64_mmu,
	/* P=1 RW=2 US=4 A=0x20 D=0x40 PROTNONE=0x100 NX=1<<63 (Intel SDM 4.5, Linux). */
	.leaf = {
		[0]         = 0x0000000000345120, /* PROTNONE | A */
		[R]         = 0x8000000000345025, /* P US A NX */
		[W]         = 0x8000000000345027, /* P RW US A NX */
		[R | W]     = 0x8000000000345027,
		[X]         = 0x0000000000345025, /* P US A */
		[R | X]     = 0x0000000000345025,
		[W | X]     = 0x0000000000345027, /* P RW US A */
		[R | W | X] = 0x0000000000345027,
	},
	.granted = { 0, R, R | W, R | W, R | X, R | X, R | W | X, R | W | X },
	.table = 0x5067, /* P RW US A D */
	.leaf_young = 0x20,
	.table_young = 0x20,
	.block = x86_block,
	.deny_write = { .clear = 0x2 },
	.deny_user = { .clear = 0x4 },
	.deny_exec = { .set = UINT64_C(1) << 63 },
	.deny_user_keeps = 0,
	.max_frame = 0x000ffffffffff000,
	.bad_vas = {
		0x00007ffffffff000, /* TASK_SIZE: Linux's guard page below the hole */
		0x0000800000000000, /* first non-canonical */
		0x0000800000400000, /* non-canonical, indices of the kernel alias */
		0xffff800000400000, /* canonical kernel half (mapped by the test) */
		0x8000000000400000,
		0xfffffffffffff000,
		0x0001000000400000,
	},
	.nr_bad_vas = 7,
	.kernel_alias = 0xffff800000400000,
	.desc_rw_leaf = "P RW US A D NX frame=0x345000",
	.desc_table = "P RW US A D frame=0x5000",
	.desc_none = "PROTNONE A frame=0x345000",
	.desc_block = "P US A PS NX frame=0x40000000",
	.leaves_in_known_tree = 7, /* the PML4 slot 256 leaf is in the kernel half */
};

static const struct spec arm64_spec = {
	.mmu = &arm64_mmu,
	/*
	 * valid 0 | page 1 | AttrIndx 0 | AP[1] USER 6 | AP[2] RDONLY 7 | SH 9:8 = 11 | AF 10 |
	 * nG 11 | DBM 51 | PXN 53 | UXN 54 | PROT_NONE 58 (Arm ARM D8, Linux pgtable-prot.h).
	 */
	.leaf = {
		[0]         = 0x0460000000345f82, /* PROT_NONE UXN PXN nG AF SH RDONLY page */
		[R]         = 0x0060000000345fc3, /* UXN PXN nG AF SH RDONLY USER page valid */
		[W]         = 0x0068000000345fc3, /* + DBM */
		[R | W]     = 0x0068000000345fc3,
		[X]         = 0x0020000000345f83, /* PXN nG AF SH RDONLY: exec-only */
		[R | X]     = 0x0020000000345fc3,
		[W | X]     = 0x0028000000345fc3,
		[R | W | X] = 0x0028000000345fc3,
	},
	.granted = { 0, R, R | W, R | W, X, R | X, R | W | X, R | W | X },
	.table = 0x5003,
	.leaf_young = 0x400,
	.table_young = 0,
	.block = arm64_block,
	.deny_write = { .set = UINT64_C(1) << 62 }, /* APTable[1] */
	.deny_user = { .set = UINT64_C(1) << 61 },  /* APTable[0] */
	.deny_exec = { .set = UINT64_C(1) << 60 },  /* UXNTable */
	.deny_user_keeps = X, /* APTable limits data accesses only */
	.max_frame = 0x0000fffffffff000,
	.bad_vas = {
		0x0001000000000000, /* TASK_SIZE */
		0x0001000000400000, /* bit 48: indices of 0x400000 */
		0xffff000000400000, /* TTBR1 half */
		0x0100000000400000, /* a top-byte tag: TBI0 is off */
		0x8000000000400000,
		0xfffffffffffff000,
	},
	.nr_bad_vas = 6,
	.kernel_alias = 0,
	.desc_rw_leaf = "page attr=0 USER RDONLY SH=inner AF nG DBM PXN UXN oa=0x345000",
	.desc_table = "table next=0x5000",
	.desc_none = "PROTNONE attr=0 RDONLY SH=inner AF nG PXN UXN oa=0x345000",
	.desc_block = "block attr=0 USER RDONLY SH=inner AF nG PXN UXN oa=0x40000000",
	.leaves_in_known_tree = 8,
};

#ifdef MMUEMU_ARCH_RISCV64
/* RISC-V: a leaf is a leaf at any level, with the same bits. */
static uint64_t rv_block(uint64_t leaf)
{
	return leaf;
}

/*
 * RISC-V privileged spec, Sv39/Sv48/Sv57 PTE: V 0, R 1, W 2, X 3, U 4, G 5, A 6, D 7, PPN
 * from bit 10 (FRAME 0x345000: PPN 0x345, 0xd1400). Linux: PAGE_NONE is G|R with V clear;
 * user leaves are V|U|A plus R/W/X, PROT_WRITE implies R. RISC-V tables carry no limits for
 * what is below; the "deny" edits here set D, A or U in a pointer, which are reserved there
 * (the walk must refuse the entry).
 */
#define RV_SPEC_COMMON \
	.leaf = { \
		[0]         = 0x00000000000d1462, /* G R A, V clear */ \
		[R]         = 0x00000000000d1453, /* V R U A */ \
		[W]         = 0x00000000000d1457, /* V R W U A */ \
		[R | W]     = 0x00000000000d1457, \
		[X]         = 0x00000000000d1459, /* V X U A: exec-only */ \
		[R | X]     = 0x00000000000d145b, \
		[W | X]     = 0x00000000000d145f, \
		[R | W | X] = 0x00000000000d145f, \
	}, \
	.granted = { 0, R, R | W, R | W, X, R | X, R | W | X, R | W | X }, \
	.table = 0x1401, /* V, PPN 5 */ \
	.leaf_young = 0x40, \
	.table_young = 0, \
	.block = rv_block, \
	.deny_write = { .set = 0x80 }, \
	.deny_user = { .set = 0x10 }, \
	.deny_exec = { .set = 0x40 }, \
	.deny_user_keeps = 0, \
	.max_frame = 0x00fffffffffff000, \
	.frame_bits = 0x003ffffffffffc00, \
	.leaf_in_root = true, \
	.desc_rw_leaf = "leaf V R W U A pa=0x345000", \
	.desc_table = "table V next=0x5000", \
	.desc_none = "PROTNONE R G A pa=0x345000", \
	.desc_block = "leaf V R U A pa=0x40000000", \
	.leaves_in_known_tree = 7 /* root slot 256 is the kernel half */

static const struct spec rv_sv48_spec = {
	.mmu = &riscv64_sv48_mmu,
	RV_SPEC_COMMON,
	.bad_vas = {
		0x0000800000000000, /* TASK_SIZE: bit 47, non-canonical */
		0x0000800000400000,
		0xffff800000400000, /* canonical kernel half (mapped by the test) */
		0x8000000000400000,
		0xfffffffffffff000,
		0x0001000000400000,
	},
	.nr_bad_vas = 6,
	.kernel_alias = 0xffff800000400000,
};

static const struct spec rv_sv39_spec = {
	.mmu = &riscv64_sv39_mmu,
	RV_SPEC_COMMON,
	.bad_vas = {
		0x0000004000000000, /* TASK_SIZE: bit 38 */
		0x0000004000400000,
		0xffffffc000400000, /* canonical kernel half (mapped by the test) */
		0x8000000000400000,
		0xfffffffffffff000,
		0x0000008000400000, /* bit 39 */
	},
	.nr_bad_vas = 6,
	.kernel_alias = 0xffffffc000400000,
};

static const struct spec rv_sv57_spec = {
	.mmu = &riscv64_mmu,
	RV_SPEC_COMMON,
	.bad_vas = {
		0x0100000000000000, /* TASK_SIZE: bit 56 */
		0x0100000000400000,
		0xff00000000400000, /* canonical kernel half (mapped by the test) */
		0x8000000000400000,
		0xfffffffffffff000,
		0x0200000000400000, /* bit 57 */
	},
	.nr_bad_vas = 6,
	.kernel_alias = 0xff00000000400000,
};

#endif

/* ---- a page-table tree in a RAM buffer ---------------------------------------------- */

struct tree {
	const struct spec *s;
	const struct arch_mmu *mmu;
	enum ref_arch ref;
	struct arch_mem mem;
	uint64_t root;
	uint64_t next;            /* next free table page */
	unsigned long nr_tables;
};

static uint64_t rd(const struct tree *t, uint64_t pa)
{
	uint64_t v;

	memcpy(&v, t->mem.base + pa, sizeof(v));
	return GUINT64_FROM_LE(v);
}

static void wr(struct tree *t, uint64_t pa, uint64_t e)
{
	uint64_t v = GUINT64_TO_LE(e);

	memcpy(t->mem.base + pa, &v, sizeof(v));
}

static uint64_t tree_alloc(struct tree *t)
{
	uint64_t pa = t->next;

	g_assert_cmpuint(pa + PAGE, <=, t->mem.size / 2);
	t->next += PAGE;
	t->nr_tables++;
	return pa;
}

/*
 * tree_init_size() - a tree over @size bytes of memory, mapped lazily (a block test needs
 * its 1 GiB frame inside memory: leaves past the end are refused by every walker).
 */
static void tree_init_size(struct tree *t, const struct spec *s, uint64_t size)
{
	void *base = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	g_assert_true(base != MAP_FAILED);
	*t = (struct tree){
		.s = s,
		.mmu = s->mmu,
		.ref = ref_arch_of(s->mmu),
		.mem = { .base = base, .size = size },
		.next = PAGE, /* leave page 0 alone: a zero root means "no tree" to refwalk */
	};
	t->root = tree_alloc(t);
}

static void tree_init(struct tree *t, const struct spec *s)
{
	tree_init_size(t, s, MEM_SIZE);
}

static void tree_fini(struct tree *t)
{
	munmap(t->mem.base, t->mem.size);
}

static unsigned last_level(const struct tree *t)
{
	return t->mmu->levels - 1;
}

/* The entry for @va at @level, creating the tables above it. */
static uint64_t tree_slot(struct tree *t, uint64_t va, unsigned level)
{
	uint64_t table = t->root;

	for (unsigned l = 0;; l++) {
		uint64_t pa = table + 8 * arch_level_index(t->mmu, l, va);
		uint64_t e;

		if (l == level)
			return pa;
		e = rd(t, pa);
		if (!t->mmu->entry_is_table(e, l)) {
			g_assert_cmphex(e, ==, 0);
			e = t->mmu->mk_table(tree_alloc(t), l);
			wr(t, pa, e);
		}
		table = t->mmu->entry_paddr(e);
	}
}

static uint64_t tree_map(struct tree *t, uint64_t va, uint64_t pa, unsigned prot)
{
	uint64_t slot = tree_slot(t, va, last_level(t));

	wr(t, slot, t->mmu->mk_leaf(pa, prot));
	return slot;
}

static uint64_t tree_map_block(struct tree *t, uint64_t va, unsigned level, uint64_t pa,
			       unsigned prot)
{
	uint64_t slot = tree_slot(t, va, level);

	wr(t, slot, t->s->block(t->mmu->mk_leaf(pa, prot)));
	return slot;
}

static void tree_edit(struct tree *t, uint64_t slot, struct bits_edit ed)
{
	wr(t, slot, (rd(t, slot) & ~ed.clear) | ed.set);
}

static enum arch_walk_result tree_walk(struct tree *t, uint64_t va, mm_access_t acc,
				       unsigned flags, struct arch_walk *w)
{
	return t->mmu->walk(t->mmu, &t->mem, t->root, va, acc, flags, w);
}

#define FAIL_AT(va, acc, what) \
	g_error("%s: va 0x%016" PRIx64 " access %u: %s", G_STRLOC, (uint64_t)(va), (acc), what)

/* Walk @va with @acc on the arch walker and on refwalk, and demand that they agree. */
static enum arch_walk_result compare_walk(struct tree *t, uint64_t va, mm_access_t acc,
					  struct arch_walk *w)
{
	uint64_t rpa = 0;
	unsigned rprot = 0;
	bool ok = refwalk(t->ref, t->mem.base, t->mem.size, t->root, va, &rpa, &rprot);
	enum arch_walk_result r = tree_walk(t, va, acc, 0, w);

	if (w->result != r)
		FAIL_AT(va, acc, "w->result differs from the return value");
	if (!ok) {
		if (r != ARCH_WALK_NOT_PRESENT && r != ARCH_WALK_BAD_TABLE)
			FAIL_AT(va, acc, "refwalk finds no translation, the walker does");
		if (w->fault_level < 0 || w->fault_level >= (int)t->mmu->levels)
			FAIL_AT(va, acc, "fault_level out of range");
		return r;
	}
	if (!(rprot & acc)) {
		if (r != ARCH_WALK_PROT)
			FAIL_AT(va, acc, "refwalk forbids the access, the walker does not");
		if (w->prot != rprot)
			FAIL_AT(va, acc, "prot differs on a protection fault");
		return r;
	}
	if (r != ARCH_WALK_OK)
		FAIL_AT(va, acc, "refwalk allows the access, the walker does not");
	if (w->paddr != rpa)
		FAIL_AT(va, acc, "paddr differs");
	if (w->prot != rprot)
		FAIL_AT(va, acc, "prot differs");
	if ((w->tlb_prot & ~w->prot) || !(w->tlb_prot & acc))
		FAIL_AT(va, acc, "tlb_prot must be within prot and include the access just made");
	/* A leaf is reached at level 1 at the earliest; RISC-V has them in the root too. */
	if (w->fault_level != -1 || w->nr_levels > t->mmu->levels ||
	    w->nr_levels < (t->s->leaf_in_root ? 1u : 2u))
		FAIL_AT(va, acc, "fault_level/nr_levels on success");
	return r;
}

/* ---- geometry and encoding ------------------------------------------------------------ */

static void test_geometry(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	bool x86 = ref_arch_of(m) == REF_X86_64;
	static const char *const x86_names[] = { "PML4", "PDPT", "PD", "PT" };
	static const char *const arm64_names[] = { "L0", "L1", "L2", "L3" };
	uint64_t top = x86 ? UINT64_C(0x7ffffffff000) : UINT64_C(1) << 48;

	g_assert_cmpuint(m->page_shift, ==, 12);
	g_assert_cmpuint(m->levels, ==, 4);
	g_assert_cmpuint(m->va_bits, ==, 48);
	for (unsigned l = 0; l < 4; l++) {
		g_assert_cmpuint(m->shift[l], ==, 39 - 9 * l);
		g_assert_cmpuint(m->index_bits[l], ==, 9);
		g_assert_cmpstr(m->level_name[l], ==, x86 ? x86_names[l] : arm64_names[l]);
	}
	g_assert_cmphex(m->task_size, ==, top);
	g_assert_cmphex(m->stack_top, ==, top);
	g_assert_cmphex(m->mmap_base, ==, top - (UINT64_C(128) << 20));
	g_assert_cmphex(arch_page_size(m), ==, 4096);
	g_assert_cmphex(arch_table_span(m, 0), ==, UINT64_C(1) << 48);
	g_assert_cmphex(arch_table_span(m, 3), ==, UINT64_C(2) << 20);
	g_assert_cmphex(arch_level_size(m, 1), ==, UINT64_C(1) << 30);
	/* 0x7fffffffe000: PML4/L0 255, then 511, 511, 510. */
	g_assert_cmpuint(arch_level_index(m, 0, UINT64_C(0x7fffffffe000)), ==, 255);
	g_assert_cmpuint(arch_level_index(m, 1, UINT64_C(0x7fffffffe000)), ==, 511);
	g_assert_cmpuint(arch_level_index(m, 2, UINT64_C(0x7fffffffe000)), ==, 511);
	g_assert_cmpuint(arch_level_index(m, 3, UINT64_C(0x7fffffffe000)), ==, 510);
}

static void test_leaf_bits_exact(gconstpointer data)
{
	const struct spec *s = data;

	for (unsigned prot = 0; prot < 8; prot++) {
		g_test_message("prot %u", prot);
		g_assert_cmphex(s->mmu->mk_leaf(FRAME, prot), ==, s->leaf[prot]);
	}
}

static void test_table_bits_exact(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;

	for (unsigned l = 0; l + 1 < m->levels; l++) {
		uint64_t e = m->mk_table(0x5000, l);

		g_assert_cmphex(e, ==, s->table);
		g_assert_true(m->entry_present(e, l));
		g_assert_true(m->entry_is_table(e, l));
		g_assert_cmphex(m->entry_paddr(e), ==, 0x5000);
		g_assert_false(m->entry_present(0, l));
		g_assert_false(m->entry_is_table(0, l));
	}
	/* The highest table address survives; the last level holds no tables. */
	g_assert_cmphex(m->entry_paddr(m->mk_table(s->max_frame, 0)), ==, s->max_frame);
	g_assert_false(m->entry_is_table(m->mk_table(0x5000, 3), 3));
}

static void test_leaf_round_trip(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	const uint64_t frames[] = { 0, PAGE, FRAME, UINT64_C(0x80000000), s->max_frame };
	unsigned last = m->levels - 1;

	for (unsigned f = 0; f < G_N_ELEMENTS(frames); f++) {
		for (unsigned prot = 0; prot < 8; prot++) {
			uint64_t e = m->mk_leaf(frames[f], prot);

			g_assert_true(m->entry_present(e, last));
			g_assert_cmphex(m->entry_paddr(e), ==, frames[f]);
			g_assert_cmpuint(m->leaf_prot(e), ==, s->granted[prot]);
			g_assert_true(m->leaf_young(e));
			g_assert_false(m->leaf_dirty(e));
			/* Everything but the frame is the same for every frame. */
			uint64_t keep = ~(s->frame_bits ? s->frame_bits : s->max_frame);

			g_assert_cmphex(e & keep, ==, s->leaf[prot] & keep);
		}
	}
	/* Offset bits of a paddr never leak into the entry. */
	g_assert_cmphex(m->mk_leaf(FRAME | 0xfff, R), ==, s->leaf[R]);
}

static void test_modify_prot(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	struct arch_walk w;
	struct tree t;

	for (unsigned from = 0; from < 8; from++) {
		for (unsigned to = 0; to < 8; to++) {
			uint64_t e = m->leaf_modify_prot(m->mk_leaf(FRAME, from), to);

			g_assert_cmphex(e, ==, m->mk_leaf(FRAME, to));
			e = m->leaf_modify_prot(m->mk_leaf(FRAME, from) & ~s->leaf_young, to);
			g_assert_false(m->leaf_young(e));
			g_assert_cmphex(m->entry_paddr(e), ==, FRAME);
			g_assert_cmpuint(m->leaf_prot(e), ==, s->granted[to]);
		}
	}

	/* A page the hardware dirtied stays dirty through every change, and is dirty in the
	 * hardware's eyes again once writable (no write fault needed to re-dirty it). */
	tree_init(&t, s);
	uint64_t slot = tree_map(&t, 0x400000, FRAME, R | W);

	g_assert_cmpint(tree_walk(&t, 0x400000, W, 0, &w), ==, ARCH_WALK_OK);
	g_assert_true(m->leaf_dirty(rd(&t, slot)));
	for (unsigned to = 0; to < 8; to++) {
		uint64_t e = m->leaf_modify_prot(rd(&t, slot), to);

		g_assert_true(m->leaf_dirty(e));
		g_assert_true(m->leaf_young(e));
		g_assert_cmphex(m->entry_paddr(e), ==, FRAME);
		g_assert_cmpuint(m->leaf_prot(e), ==, s->granted[to]);
		wr(&t, slot, e);
	}
	wr(&t, slot, m->leaf_modify_prot(rd(&t, slot), R | W));
	g_assert_cmpint(tree_walk(&t, 0x400000, R, 0, &w), ==, ARCH_WALK_OK);
	g_assert_cmpuint(w.tlb_prot, ==, R | W);
	tree_fini(&t);
}

static void test_describe(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	uint64_t rw = m->mk_leaf(FRAME, R | W);
	char buf[128], tiny[6];

	if (ref_arch_of(m) == REF_X86_64)
		rw |= 0x40; /* D: the describe string names it */
	m->describe_entry(rw, 3, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, s->desc_rw_leaf);
	m->describe_entry(m->mk_table(0x5000, 1), 1, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, s->desc_table);
	m->describe_entry(m->mk_leaf(FRAME, 0), 3, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, s->desc_none);
	m->describe_entry(s->block(m->mk_leaf(0x40000000, R)), 2, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, s->desc_block);
	m->describe_entry(0, 2, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, "none");
	/* Truncates, never overflows. */
	memset(tiny, 'x', sizeof(tiny));
	m->describe_entry(rw, 3, tiny, sizeof(tiny) - 1);
	g_assert_cmpuint(strlen(tiny), ==, sizeof(tiny) - 2);
	g_assert_cmpint(tiny[sizeof(tiny) - 1], ==, 'x');
}

/* ---- walks ---------------------------------------------------------------------------- */

/*
 * 0x400000 + i pages maps prot i (one column = 4 KiB):
 *   0   1   2   3   4   5   6   7
 *   -   R   W   RW  X   RX  WX  RWX      the hardware grants s->granted[i]
 */
static void test_walk_every_prot(gconstpointer data)
{
	const struct spec *s = data;
	struct arch_walk w;
	struct tree t;

	tree_init(&t, s);
	for (unsigned prot = 0; prot < 8; prot++)
		tree_map(&t, 0x400000 + prot * PAGE, 0x200000 + prot * PAGE, prot);
	for (unsigned prot = 0; prot < 8; prot++) {
		for (unsigned a = 0; a < G_N_ELEMENTS(accesses); a++) {
			uint64_t va = 0x400000 + prot * PAGE + 0x123;
			enum arch_walk_result r;

			g_test_message("prot %u access %u", prot, accesses[a]);
			r = compare_walk(&t, va, accesses[a], &w);
			if (!s->granted[prot]) {
				g_assert_cmpint(r, ==, ARCH_WALK_NOT_PRESENT);
				g_assert_cmpint(w.fault_level, ==, 3);
			} else if (s->granted[prot] & accesses[a]) {
				g_assert_cmpint(r, ==, ARCH_WALK_OK);
				g_assert_cmphex(w.paddr, ==, 0x200123 + prot * PAGE);
				g_assert_cmpuint(w.prot, ==, s->granted[prot]);
			} else {
				g_assert_cmpint(r, ==, ARCH_WALK_PROT);
				g_assert_cmpuint(w.prot, ==, s->granted[prot]);
				g_assert_cmpint(w.fault_level, ==, 3);
				g_assert_cmpuint(w.nr_levels, ==, 4);
			}
		}
	}
	tree_fini(&t);
}

static void test_protnone(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	uint64_t e = m->mk_leaf(FRAME, MM_PROT_NONE), pa;
	struct arch_walk w;
	unsigned prot;
	struct tree t;
	unsigned last = m->levels - 1;
	/* Below TASK_SIZE in every format (Sv39's user half ends at 256 GiB). */
	const uint64_t va = m->task_size > UINT64_C(0x7f0000001000) ? UINT64_C(0x7f0000001000) :
			    UINT64_C(0x3f00001000);

	g_assert_true(m->entry_present(e, last));
	g_assert_cmphex(m->entry_paddr(e), ==, FRAME);
	g_assert_cmpuint(m->leaf_prot(e), ==, 0);
	g_assert_cmphex(m->leaf_modify_prot(e, R), ==, s->leaf[R]);

	tree_init(&t, s);
	uint64_t slot = tree_map(&t, va, FRAME, MM_PROT_NONE);

	for (unsigned a = 0; a < G_N_ELEMENTS(accesses); a++) {
		g_assert_cmpint(tree_walk(&t, va, accesses[a], 0, &w), ==,
				ARCH_WALK_NOT_PRESENT);
		g_assert_cmpint(w.fault_level, ==, (int)last);
		g_assert_cmpuint(w.nr_levels, ==, last + 1);
		g_assert_cmphex(w.entry[last], ==, e);
		g_assert_cmphex(rd(&t, slot), ==, e); /* no bit changed on the failed walk */
	}
	g_assert_false(refwalk(t.ref, t.mem.base, t.mem.size, t.root, va, &pa,
			       &prot));
	tree_fini(&t);
}

/* The VAs the random comparison builds its tree from, and samples around. */
struct layout {
	uint64_t va[64];
	unsigned n;
};

static void layout_add(struct layout *l, uint64_t va)
{
	g_assert_cmpuint(l->n, <, G_N_ELEMENTS(l->va));
	l->va[l->n++] = va;
}

/*
 * PML4/L0 0: text at 0x400000 (all eight prots), 0x5ff000|0x600000 (PT boundary),
 * 0x3ffff000|0x40000000 (PD boundary), a 2 MiB block at 0x20000000, a 1 GiB block at 2 GiB;
 * slot 1: 0x8000400000 (same lower indices as 0x400000); slots 2-4: RWX pages below a
 * table entry that denies write, user, exec; slot 6: a table outside memory;
 * slot 255/511: mmap_base and the stack top.
 */
static void build_layout(struct tree *t, struct layout *l)
{
	const struct spec *s = t->s;
	uint64_t frame = 0x200000;
	static const uint64_t text[] = { 0x5ff000, 0x600000, 0x3ffff000, 0x40000000,
					 0x8000400000, 0x7f0000000000 };

	for (unsigned prot = 0; prot < 8; prot++) {
		tree_map(t, 0x400000 + prot * PAGE, frame, prot);
		layout_add(l, 0x400000 + prot * PAGE);
		frame += PAGE;
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(text); i++) {
		tree_map(t, text[i], frame, i & 1 ? R : R | W);
		layout_add(l, text[i]);
		frame += PAGE;
	}
	tree_map(t, t->mmu->mmap_base - PAGE, frame, R | W);
	layout_add(l, t->mmu->mmap_base - PAGE);
	frame += PAGE;
	tree_map(t, t->mmu->stack_top - PAGE, frame, R | W);
	layout_add(l, t->mmu->stack_top - PAGE);
	frame += PAGE;
	tree_map(t, t->mmu->stack_top - 2 * PAGE, frame, R | W);

	tree_map_block(t, 0x20000000, 2, UINT64_C(0x80200000), R | W);
	layout_add(l, 0x20000000);
	tree_map_block(t, 0x80000000, 1, UINT64_C(0x1c0000000), R | X);
	layout_add(l, 0x80000000);

	const struct bits_edit denies[] = { s->deny_write, s->deny_user, s->deny_exec };

	for (unsigned i = 0; i < G_N_ELEMENTS(denies); i++) {
		uint64_t va = (UINT64_C(2) + i) << 39;

		tree_map(t, va + 0x1000, frame, R | W | X);
		frame += PAGE;
		tree_edit(t, tree_slot(t, va, 1), denies[i]);
		layout_add(l, va + 0x1000);
	}

	wr(t, tree_slot(t, UINT64_C(6) << 39, 1), t->mmu->mk_table(MEM_SIZE * 4, 1));
	layout_add(l, UINT64_C(6) << 39);
}

static uint64_t rand64(GRand *rng)
{
	return (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);
}

static void test_walk_vs_refwalk(gconstpointer data)
{
	const struct spec *s = data;
	unsigned long results[4] = { 0 }, not_present_at[ARCH_MAX_LEVELS] = { 0 };
	GRand *rng = g_rand_new_with_seed(0x6d6d75);
	struct layout l = { .n = 0 };
	struct arch_walk w;
	struct tree t;

	tree_init(&t, s);
	build_layout(&t, &l);
	for (unsigned i = 0; i < 40000; i++) {
		uint64_t near = l.va[g_rand_int_range(rng, 0, (gint32)l.n)], va;

		switch (g_rand_int_range(rng, 0, 6)) {
		case 0:
		case 1: /* inside a mapped page */
			va = near + (uint64_t)g_rand_int_range(rng, 0, (gint32)PAGE);
			break;
		case 2: /* a few pages around one */
			va = near + (uint64_t)(g_rand_int_range(rng, -8, 9) * (gint32)PAGE) +
			     (uint64_t)g_rand_int_range(rng, 0, (gint32)PAGE);
			break;
		case 3: /* one index bit flipped: a neighbouring table at some level */
			va = near ^ (UINT64_C(1) << g_rand_int_range(rng, 12, 48));
			break;
		case 4: /* anywhere in the user range */
			va = rand64(rng) % s->mmu->task_size;
			break;
		default: /* anywhere at all */
			va = rand64(rng);
			break;
		}
		for (unsigned a = 0; a < G_N_ELEMENTS(accesses); a++) {
			enum arch_walk_result r = compare_walk(&t, va, accesses[a], &w);

			results[r]++;
			if (r == ARCH_WALK_NOT_PRESENT)
				not_present_at[w.fault_level]++;
		}
	}
	g_test_message("ok %lu not-present %lu prot %lu bad-table %lu", results[ARCH_WALK_OK],
		       results[ARCH_WALK_NOT_PRESENT], results[ARCH_WALK_PROT],
		       results[ARCH_WALK_BAD_TABLE]);
	/* The sample must have reached every kind of outcome, or it proved little. */
	g_assert_cmpuint(results[ARCH_WALK_OK], >, 10000);
	g_assert_cmpuint(results[ARCH_WALK_PROT], >, 1000);
	g_assert_cmpuint(results[ARCH_WALK_BAD_TABLE], >, 10);
	for (unsigned lv = 0; lv < s->mmu->levels; lv++)
		g_assert_cmpuint(not_present_at[lv], >, 10);
	g_rand_free(rng);
	tree_fini(&t);
}

/* The table-entry limits of build_layout(), as the manuals state them. */
static void test_table_limits(gconstpointer data)
{
	const struct spec *s = data;
	const unsigned keeps[] = { R | X, s->deny_user_keeps, R | W };
	struct layout l = { .n = 0 };
	struct arch_walk w;
	struct tree t;

	tree_init(&t, s);
	build_layout(&t, &l);
	for (unsigned i = 0; i < G_N_ELEMENTS(keeps); i++) {
		uint64_t va = ((UINT64_C(2) + i) << 39) + 0x1000;

		for (unsigned a = 0; a < G_N_ELEMENTS(accesses); a++) {
			enum arch_walk_result r;

			g_test_message("limit %u access %u", i, accesses[a]);
			r = compare_walk(&t, va, accesses[a], &w);
			g_assert_cmpint(r, ==, keeps[i] & accesses[a] ? ARCH_WALK_OK :
					ARCH_WALK_PROT);
			g_assert_cmpuint(w.prot, ==, keeps[i]);
		}
	}
	tree_fini(&t);
}

/*
 * One page, its entries read one by one:
 * VA 0x7f8040201123 -> indices 255, 1, 1, 1; offset 0x123.
 */
static void test_walk_records_entries(gconstpointer data)
{
	const struct spec *s = data;
	const uint64_t va = UINT64_C(0x7f8040201123);
	uint64_t slot[4], before[4];
	struct arch_walk w;
	struct tree t;

	tree_init(&t, s);
	tree_map(&t, va & ~(PAGE - 1), FRAME, R | W | X);
	for (unsigned l = 0; l < 4; l++) {
		slot[l] = tree_slot(&t, va, l);
		before[l] = rd(&t, slot[l]);
		g_assert_cmpuint(arch_level_index(s->mmu, l, va), ==, l ? 1 : 255);
	}
	g_assert_cmphex(slot[0], ==, t.root + 8 * 255);
	g_assert_cmpint(compare_walk(&t, va, X, &w), ==, ARCH_WALK_OK);
	g_assert_cmpuint(w.nr_levels, ==, 4);
	g_assert_cmpint(w.fault_level, ==, -1);
	for (unsigned l = 0; l < 4; l++) {
		g_assert_cmphex(w.entry_paddr[l], ==, slot[l]);
		g_assert_cmphex(w.entry[l], ==, before[l]);
	}
	g_assert_cmphex(w.paddr, ==, FRAME + 0x123);
	g_assert_cmpuint(w.prot, ==, R | W | X);
	g_assert_cmpuint(w.tlb_prot, ==, R | X);
	tree_fini(&t);
}

static void test_missing_entry_each_level(gconstpointer data)
{
	const struct spec *s = data;
	const uint64_t va = UINT64_C(0x7f1234567000);
	/* Not valid but not zero either: x86 P=0 with RW; arm64 bits[1:0] = 10. */
	const uint64_t junk = 0x0000000000345002;

	for (unsigned level = 0; level < s->mmu->levels; level++) {
		for (unsigned variant = 0; variant < 2; variant++) {
			uint64_t slot[4], e = variant ? junk : 0;
			struct arch_walk w;
			struct tree t;

			tree_init(&t, s);
			tree_map(&t, va, FRAME, R | W);
			for (unsigned l = 0; l < 4; l++)
				slot[l] = tree_slot(&t, va, l);
			wr(&t, slot[level], e);
			g_test_message("level %u variant %u", level, variant);
			for (unsigned a = 0; a < G_N_ELEMENTS(accesses); a++) {
				g_assert_cmpint(compare_walk(&t, va + 8, accesses[a], &w), ==,
						ARCH_WALK_NOT_PRESENT);
				g_assert_cmpint(w.fault_level, ==, (int)level);
				g_assert_cmpuint(w.nr_levels, ==, level + 1);
				g_assert_cmphex(w.entry[level], ==, e);
				for (unsigned l = 0; l <= level; l++)
					g_assert_cmphex(w.entry_paddr[l], ==, slot[l]);
				g_assert_cmpuint(w.prot, ==, 0);
			}
			g_assert_false(s->mmu->entry_present(e, level));
			tree_fini(&t);
		}
	}
}

/*
 * A table entry pointing past the end of memory. The entries tried sit at both ends of
 * their table, (1, 511, 511, 511) and (1, 0, 0, 0), so that the bound is checked exactly:
 * the last entry of the last page is readable, the first entry one page beyond is not.
 */
static void test_bad_table(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	const uint64_t vas[] = { UINT64_C(0xfffffff000), UINT64_C(0x8000000000) };
	struct arch_walk w;
	struct tree t;

	/* A root outside memory: nothing can be read at all. */
	tree_init(&t, s);
	tree_map(&t, vas[0], FRAME, R);
	t.root = MEM_SIZE;
	g_assert_cmpint(compare_walk(&t, vas[0], R, &w), ==, ARCH_WALK_BAD_TABLE);
	g_assert_cmpint(w.fault_level, ==, 0);
	g_assert_cmpuint(w.nr_levels, ==, 0);
	tree_fini(&t);

	for (unsigned level = 1; level < m->levels; level++) {
		for (unsigned i = 0; i < G_N_ELEMENTS(vas); i++) {
			uint64_t slot;

			g_test_message("level %u va 0x%" PRIx64, level, vas[i]);
			tree_init(&t, s);
			tree_map(&t, vas[i], FRAME, R);
			slot = tree_slot(&t, vas[i], level - 1);
			/* The last table page in memory is fine ... */
			wr(&t, slot, m->mk_table(MEM_SIZE - PAGE, level - 1));
			g_assert_cmpint(compare_walk(&t, vas[i], R, &w), ==,
					ARCH_WALK_NOT_PRESENT);
			g_assert_cmpint(w.fault_level, ==, (int)level);
			/* ... one page further is not. */
			wr(&t, slot, m->mk_table(MEM_SIZE, level - 1));
			g_assert_cmpint(compare_walk(&t, vas[i], R, &w), ==,
					ARCH_WALK_BAD_TABLE);
			g_assert_cmpint(w.fault_level, ==, (int)level);
			g_assert_cmpuint(w.nr_levels, ==, level);
			g_assert_cmphex(w.entry_paddr[level - 1], ==, slot);
			tree_fini(&t);
		}
	}
}

static void test_bad_addresses(gconstpointer data)
{
	const struct spec *s = data;
	struct arch_walk w;
	struct tree t;

	tree_init(&t, s);
	/* Tables that a walker ignoring the high bits would happily use. */
	tree_map(&t, 0x400000, FRAME, R | W | X);
	tree_map(&t, s->mmu->task_size - PAGE, FRAME, R | W | X);
	if (s->kernel_alias)
		tree_map(&t, s->kernel_alias, FRAME, R | W | X);
	if (ref_arch_of(s->mmu) == REF_X86_64)
		tree_map(&t, s->mmu->task_size, FRAME, R | W | X); /* the guard page */
	for (unsigned i = 0; i < s->nr_bad_vas; i++) {
		g_test_message("va 0x%" PRIx64, s->bad_vas[i]);
		for (unsigned a = 0; a < G_N_ELEMENTS(accesses); a++) {
			g_assert_cmpint(compare_walk(&t, s->bad_vas[i], accesses[a], &w), ==,
					ARCH_WALK_NOT_PRESENT);
			g_assert_cmpint(w.fault_level, ==, 0);
			g_assert_cmpuint(w.nr_levels, ==, 0);
		}
	}
	/* The last user page itself is fine. */
	g_assert_cmpint(compare_walk(&t, s->mmu->task_size - 1, W, &w), ==, ARCH_WALK_OK);
	g_assert_cmphex(w.paddr, ==, FRAME + 0xfff);
	tree_fini(&t);
}

/*
 * 2 MiB block at 0x20000000 -> 0x80200000 (RW), 1 GiB block at 0x80000000 -> 0x1c0000000
 * (RX); frames beyond guest memory are fine, only tables must be inside it.
 */
static void test_huge_blocks(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	struct arch_walk w;
	struct tree t;

	tree_init_size(&t, s, UINT64_C(8) << 30);
	uint64_t pmd = tree_map_block(&t, 0x20000000, 2, UINT64_C(0x80200000), R | W);
	uint64_t pud = tree_map_block(&t, 0x80000000, 1, UINT64_C(0x1c0000000), R | X);

	for (unsigned l = 1; l <= 2; l++) {
		uint64_t e = rd(&t, l == 2 ? pmd : pud);

		g_assert_true(m->entry_present(e, l));
		g_assert_false(m->entry_is_table(e, l));
		g_assert_cmpuint(m->leaf_prot(e), ==, l == 2 ? R | W : R | X);
	}
	g_assert_cmphex(m->entry_paddr(rd(&t, pmd)), ==, 0x80200000);

	g_assert_cmpint(compare_walk(&t, 0x20012345, R, &w), ==, ARCH_WALK_OK);
	g_assert_cmphex(w.paddr, ==, 0x80212345);
	g_assert_cmpuint(w.nr_levels, ==, 3);
	g_assert_cmpuint(w.tlb_prot, ==, R);
	g_assert_cmpint(compare_walk(&t, 0x201fffff, W, &w), ==, ARCH_WALK_OK);
	g_assert_cmphex(w.paddr, ==, 0x803fffff);
	g_assert_cmpuint(w.tlb_prot, ==, R | W);
	g_assert_true(m->leaf_dirty(rd(&t, pmd)));
	g_assert_cmpint(compare_walk(&t, 0x20200000, R, &w), ==, ARCH_WALK_NOT_PRESENT);
	g_assert_cmpint(w.fault_level, ==, 2);

	g_assert_cmpint(compare_walk(&t, 0x82345678, X, &w), ==, ARCH_WALK_OK);
	g_assert_cmphex(w.paddr, ==, 0x1c2345678);
	g_assert_cmpuint(w.nr_levels, ==, 2);
	g_assert_cmpint(compare_walk(&t, 0xbfffffff, W, &w), ==, ARCH_WALK_PROT);
	g_assert_cmpuint(w.prot, ==, R | X);
	g_assert_cmpint(w.fault_level, ==, 1);

	/* x86: bit 12 of a large leaf is PAT, not part of the frame. */
	if (ref_arch_of(m) == REF_X86_64) {
		wr(&t, pmd, rd(&t, pmd) | 0x1000);
		g_assert_cmpint(compare_walk(&t, 0x20012345, R, &w), ==, ARCH_WALK_OK);
		g_assert_cmphex(w.paddr, ==, 0x80212345);
	}
	tree_fini(&t);
}

/*
 * Accessed and dirty, generic part: a clean writable page comes back for its first write.
 *   read  -> tlb_prot R       (W held back: the page is clean)
 *   write -> tlb_prot RW      (now dirty)
 *   read  -> tlb_prot RW
 */
static void test_tlb_prot_clean_then_dirty(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	struct arch_walk w;
	struct tree t;

	tree_init(&t, s);
	uint64_t slot = tree_map(&t, 0x402000, FRAME, R | W);
	tree_map(&t, 0x403000, FRAME, R | W | X);

	g_assert_cmpint(compare_walk(&t, 0x402000, R, &w), ==, ARCH_WALK_OK);
	g_assert_cmpuint(w.prot, ==, R | W);
	g_assert_cmpuint(w.tlb_prot, ==, R);
	g_assert_false(m->leaf_dirty(rd(&t, slot)));
	g_assert_cmpint(compare_walk(&t, 0x402000, W, &w), ==, ARCH_WALK_OK);
	g_assert_cmpuint(w.tlb_prot, ==, R | W);
	g_assert_true(m->leaf_dirty(rd(&t, slot)));
	g_assert_false(m->leaf_dirty(w.entry[3])); /* recorded before the update */
	g_assert_cmpint(compare_walk(&t, 0x402000, R, &w), ==, ARCH_WALK_OK);
	g_assert_cmpuint(w.tlb_prot, ==, R | W);

	g_assert_cmpint(compare_walk(&t, 0x403000, X, &w), ==, ARCH_WALK_OK);
	g_assert_cmpuint(w.tlb_prot, ==, R | X);
	tree_fini(&t);
}

/* ARCH_WALK_F_NOUPDATE: every walk answers as usual, and not one byte of memory changes. */
static void test_noupdate(gconstpointer data)
{
	const struct spec *s = data;
	struct arch_walk w;
	struct tree t;
	void *copy;

	tree_init(&t, s);
	tree_map(&t, 0x402000, FRAME, R | W | X);
	for (unsigned l = 0; l < 4; l++) {
		uint64_t slot = tree_slot(&t, 0x402000, l);

		wr(&t, slot, rd(&t, slot) & ~(l == 3 ? s->leaf_young : s->table_young));
	}
	copy = g_memdup2(t.mem.base, t.mem.size);
	for (unsigned a = 0; a < G_N_ELEMENTS(accesses); a++) {
		g_assert_cmpint(tree_walk(&t, 0x402abc, accesses[a], ARCH_WALK_F_NOUPDATE, &w), ==,
				ARCH_WALK_OK);
		g_assert_cmphex(w.paddr, ==, FRAME + 0xabc);
		g_assert_cmpuint(w.prot, ==, R | W | X);
		g_assert_cmpuint(w.tlb_prot, ==, R | X); /* still clean, even after "a write" */
		g_assert_false(s->mmu->leaf_young(w.entry[3]));
		g_assert_true(memcmp(copy, t.mem.base, t.mem.size) == 0);
	}
	/* The same walk without the flag does change memory. */
	g_assert_cmpint(tree_walk(&t, 0x402abc, R, 0, &w), ==, ARCH_WALK_OK);
	g_assert_false(memcmp(copy, t.mem.base, t.mem.size) == 0);
	g_assert_true(s->mmu->leaf_young(rd(&t, tree_slot(&t, 0x402000, 3))));
	g_free(copy);
	tree_fini(&t);
}

/* Failed walks set nothing either. */
static void test_fault_sets_nothing(gconstpointer data)
{
	const struct spec *s = data;
	struct arch_walk w;
	struct tree t;
	void *copy;

	tree_init(&t, s);
	uint64_t slot = tree_map(&t, 0x401000, FRAME, R);

	wr(&t, slot, rd(&t, slot) & ~s->leaf_young);
	copy = g_memdup2(t.mem.base, t.mem.size);
	g_assert_cmpint(tree_walk(&t, 0x401000, W, 0, &w), ==, ARCH_WALK_PROT);
	g_assert_cmpint(tree_walk(&t, 0x402000, R, 0, &w), ==, ARCH_WALK_NOT_PRESENT);
	g_assert_true(memcmp(copy, t.mem.base, t.mem.size) == 0);
	g_free(copy);
	tree_fini(&t);
}

/*
 * x86 accessed/dirty (SDM 4.8): A is set in every paging-structure entry used, D only in
 * the entry that maps the page, and only on a write. Table entries start with A and D
 * cleared here so that a D wrongly set on a table would show.
 */
static void test_x86_accessed_dirty(void)
{
	struct arch_walk w;
	uint64_t slot[4];
	struct tree t;

	tree_init(&t, &x86_spec);
	tree_map(&t, 0x402000, FRAME, R | W);
	for (unsigned l = 0; l < 4; l++) {
		slot[l] = tree_slot(&t, 0x402000, l);
		wr(&t, slot[l], rd(&t, slot[l]) & ~UINT64_C(0x60));
	}
	g_assert_cmphex(rd(&t, slot[3]), ==, 0x8000000000345007);

	g_assert_cmpint(compare_walk(&t, 0x402000, R, &w), ==, ARCH_WALK_OK);
	for (unsigned l = 0; l < 3; l++)
		g_assert_cmphex(rd(&t, slot[l]) & 0x60, ==, 0x20);
	g_assert_cmphex(rd(&t, slot[3]), ==, 0x8000000000345027);
	g_assert_cmphex(w.entry[3], ==, 0x8000000000345007);

	g_assert_cmpint(compare_walk(&t, 0x402000, W, &w), ==, ARCH_WALK_OK);
	for (unsigned l = 0; l < 3; l++)
		g_assert_cmphex(rd(&t, slot[l]) & 0x60, ==, 0x20);
	g_assert_cmphex(rd(&t, slot[3]), ==, 0x8000000000345067);
	g_assert_true(x86_64_mmu.leaf_dirty(rd(&t, slot[3])));
	tree_fini(&t);
}

/*
 * arm64 (Arm ARM D8, hardware management of AF and dirty state): AF is set in the leaf on
 * any access; a write to a DBM page clears AP[2]; a page without DBM stays read-only.
 */
static void test_arm64_accessed_dirty(void)
{
	struct arch_walk w;
	struct tree t;

	tree_init(&t, &arm64_spec);
	uint64_t rw = tree_map(&t, 0x402000, FRAME, R | W);
	uint64_t ro = tree_map(&t, 0x403000, FRAME, R);

	wr(&t, rw, rd(&t, rw) & ~UINT64_C(0x400));
	g_assert_cmphex(rd(&t, rw), ==, 0x0068000000345bc3);
	g_assert_cmpint(compare_walk(&t, 0x402000, R, &w), ==, ARCH_WALK_OK);
	g_assert_cmphex(rd(&t, rw), ==, 0x0068000000345fc3);
	g_assert_cmpuint(w.tlb_prot, ==, R);
	g_assert_cmpint(compare_walk(&t, 0x402000, W, &w), ==, ARCH_WALK_OK);
	g_assert_cmphex(rd(&t, rw), ==, 0x0068000000345f43); /* AP[2] cleared, DBM kept */
	g_assert_true(arm64_mmu.leaf_dirty(rd(&t, rw)));
	g_assert_cmpuint(w.tlb_prot, ==, R | W);

	g_assert_cmpint(compare_walk(&t, 0x403000, W, &w), ==, ARCH_WALK_PROT);
	g_assert_cmphex(rd(&t, ro), ==, 0x0060000000345fc3);

	/* Writable without DBM (AP[2] = 0): no fault and no change needed, TLB gets W. */
	wr(&t, ro, 0x0060000000345f43);
	g_assert_cmpuint(arm64_mmu.leaf_prot(rd(&t, ro)), ==, R | W);
	g_assert_true(!arm64_mmu.leaf_dirty(rd(&t, ro))); /* no DBM: not dirty-tracked */
	g_assert_cmpint(compare_walk(&t, 0x403000, R, &w), ==, ARCH_WALK_OK);
	g_assert_cmpuint(w.tlb_prot, ==, R | W);
	tree_fini(&t);
}

/* PS in a PML4E is reserved (SDM 4.5): the walk must not take it for a 512 GiB page. */
static void test_x86_pml4_ps_reserved(void)
{
	struct arch_walk w;
	struct tree t;
	uint64_t slot;

	tree_init(&t, &x86_spec);
	tree_map(&t, 0x400000, FRAME, R);
	slot = tree_slot(&t, 0x400000, 0);
	wr(&t, slot, rd(&t, slot) | 0x80);
	g_assert_false(x86_64_mmu.entry_is_table(rd(&t, slot), 0));
	g_assert_cmpint(compare_walk(&t, 0x400000, R, &w), ==, ARCH_WALK_BAD_TABLE);
	g_assert_cmpint(w.fault_level, ==, 0);
	tree_fini(&t);
}

/* x86 large leaves keep PAT in bit 12, which is not part of the frame. */
static void test_x86_large_pat(void)
{
	char buf[96];

	x86_64_mmu.describe_entry(UINT64_C(0x80000000402010a7), 2, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, "P RW US A PS PAT NX frame=0x40200000");
	x86_64_mmu.describe_entry(UINT64_C(0x80000000402010a7), 3, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, "P RW US A PAT NX frame=0x40201000");
}

/* Bits[1:0] = 01 is a block only at L1 and L2; at L0 and L3 it is invalid. */
static void test_arm64_block_levels(void)
{
	struct arch_walk w;
	struct tree t;
	uint64_t slot;

	tree_init(&t, &arm64_spec);
	slot = tree_map(&t, 0x400000, FRAME, R);
	wr(&t, slot, arm64_block(rd(&t, slot)));
	g_assert_false(arm64_mmu.entry_present(rd(&t, slot), 3));
	g_assert_cmpint(compare_walk(&t, 0x400000, R, &w), ==, ARCH_WALK_NOT_PRESENT);
	g_assert_cmpint(w.fault_level, ==, 3);

	slot = tree_slot(&t, UINT64_C(1) << 39, 0);
	wr(&t, slot, arm64_block(arm64_mmu.mk_leaf(0, R)));
	g_assert_false(arm64_mmu.entry_present(rd(&t, slot), 0));
	g_assert_cmpint(compare_walk(&t, UINT64_C(1) << 39, R, &w), ==, ARCH_WALK_NOT_PRESENT);
	g_assert_cmpint(w.fault_level, ==, 0);
	tree_fini(&t);
}

/* ---- counting tables and leaves ------------------------------------------------------- */

/*
 * PML4/L0 0 ── PDPT ─┬─ PD[0,1G) ─┬─ PT 0x400000: 0x400000, 0x401000, 0x402000 (PROT_NONE)
 *                    │            ├─ PT 0x600000: 0x600000
 *                    │            └─ 2 MiB block at 0x20000000
 *                    └─ PD[1G,2G) ── PT: 0x40000000
 * PML4/L0 1 ── PDPT ── PD ── PT: 0x8000400000
 * PML4/L0 256 ── PDPT ── PD ── PT: 0x800000400000 (x86: kernel half, not a user leaf)
 * tables per level 1, 3, 4, 5; leaves 7 (x86) or 8 (arm64).
 */
static void test_count_known_tree(gconstpointer data)
{
	const struct spec *s = data;
	unsigned long counts[ARCH_MAX_LEVELS];
	static const uint64_t pages[] = { 0x400000, 0x401000, 0x600000, 0x40000000,
					  0x8000400000, 0x800000400000 };
	struct tree t;

	tree_init(&t, s);
	for (unsigned i = 0; i < G_N_ELEMENTS(pages); i++)
		tree_map(&t, pages[i], 0x200000 + i * PAGE, R);
	tree_map(&t, 0x402000, FRAME, MM_PROT_NONE);
	tree_map_block(&t, 0x20000000, 2, 0x80200000, R | W);

	g_assert_cmpint(refwalk_count_tables(t.ref, t.mem.base, t.mem.size, t.root, counts),
			==, 13);
	g_assert_cmpuint(t.nr_tables, ==, 13);
	g_assert_cmpuint(counts[0], ==, 1);
	g_assert_cmpuint(counts[1], ==, 3);
	g_assert_cmpuint(counts[2], ==, 4);
	g_assert_cmpuint(counts[3], ==, 5);
	g_assert_cmpint(refwalk_count_leaves(t.ref, t.mem.base, t.mem.size, t.root), ==,
			s->leaves_in_known_tree);
	g_assert_cmpint(refwalk_count_tables(t.ref, t.mem.base, t.mem.size, 0, counts), ==, 0);
	g_assert_cmpuint(counts[0], ==, 0);

	/* Point a second PD entry at the PT of 0x40000000: reachable twice. */
	uint64_t pt = s->mmu->entry_paddr(rd(&t, tree_slot(&t, 0x40000000, 2)));

	wr(&t, tree_slot(&t, 0x40200000, 2), s->mmu->mk_table(pt, 2));
	g_assert_cmpint(refwalk_count_tables(t.ref, t.mem.base, t.mem.size, t.root, counts),
			==, -1);
	g_assert_cmpint(refwalk_count_leaves(t.ref, t.mem.base, t.mem.size, t.root), ==,
			s->leaves_in_known_tree + 1);

	/* A table outside memory. */
	wr(&t, tree_slot(&t, 0x40200000, 2), s->mmu->mk_table(MEM_SIZE, 2));
	g_assert_cmpint(refwalk_count_tables(t.ref, t.mem.base, t.mem.size, t.root, counts),
			==, -1);
	g_assert_cmpint(refwalk_count_leaves(t.ref, t.mem.base, t.mem.size, t.root), ==, -1);
	wr(&t, tree_slot(&t, 0x40200000, 2), 0);
	g_assert_cmpint(refwalk_count_tables(t.ref, t.mem.base, t.mem.size, t.root, counts),
			==, 13);
	tree_fini(&t);
}

#ifdef MMUEMU_ARCH_RISCV64
/* ---- RISC-V, any number of levels (Sv39, Sv48, Sv57) ---------------------------------- */

static void test_rv_geometry(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	static const char *const names[3][5] = {
		{ "PGD", "PMD", "PTE" },
		{ "PGD", "PUD", "PMD", "PTE" },
		{ "PGD", "P4D", "PUD", "PMD", "PTE" },
	};
	unsigned levels = m == &riscv64_sv39_mmu ? 3 : m == &riscv64_sv48_mmu ? 4 : 5;
	unsigned va_bits = 12 + 9 * levels;
	uint64_t top = UINT64_C(1) << (va_bits - 1);
	uint64_t stack = top < (UINT64_C(1) << 47) ? top : UINT64_C(1) << 47;

	g_assert_cmpuint(m->page_shift, ==, 12);
	g_assert_cmpuint(m->levels, ==, levels);
	g_assert_cmpuint(m->va_bits, ==, va_bits);
	for (unsigned l = 0; l < levels; l++) {
		g_assert_cmpuint(m->shift[l], ==, 12 + 9 * (levels - 1 - l));
		g_assert_cmpuint(m->index_bits[l], ==, 9);
		g_assert_cmpstr(m->level_name[l], ==, names[levels - 3][l]);
	}
	g_assert_cmphex(m->task_size, ==, top);
	g_assert_cmphex(m->stack_top, ==, stack);
	g_assert_cmphex(m->mmap_base, ==, stack - (UINT64_C(128) << 20));
	g_assert_cmphex(arch_table_span(m, 0), ==, UINT64_C(1) << va_bits);
	g_assert_cmphex(arch_table_span(m, levels - 1), ==, UINT64_C(2) << 20);
	/* The last user page: root index 255, then 511 everywhere, 510 for the page below. */
	g_assert_cmpuint(arch_level_index(m, 0, top - 2 * PAGE), ==, 255);
	for (unsigned l = 1; l + 1 < levels; l++)
		g_assert_cmpuint(arch_level_index(m, l, top - 2 * PAGE), ==, 511);
	g_assert_cmpuint(arch_level_index(m, levels - 1, top - 2 * PAGE), ==, 510);
}

/*
 * A leaf at every level (spec step 5: R or X makes the entry a leaf wherever it is), of
 * the level's span: inside memory it translates, with nr_levels = level + 1; with a
 * non-zero low PPN field it is a misaligned superpage (step 6), refused; beyond memory it
 * is refused too (only the largest spans, which no test memory can hold).
 */
static void test_rv_leaf_every_level(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	const uint64_t memsize = UINT64_C(4) << 30;
	unsigned held = 0;

	for (unsigned level = 0; level < m->levels; level++) {
		uint64_t span = arch_level_size(m, level), va = 3 * span, frame = span, slot;
		struct arch_walk w;
		struct tree t;

		g_test_message("level %u span 0x%" PRIx64, level, span);
		tree_init_size(&t, s, memsize);
		slot = tree_slot(&t, va, level);
		wr(&t, slot, m->mk_leaf(frame, R | W));
		if (2 * span <= memsize) {
			held++;
			g_assert_cmpint(compare_walk(&t, va + span - 8, W, &w), ==, ARCH_WALK_OK);
			g_assert_cmphex(w.paddr, ==, frame + span - 8);
			g_assert_cmpuint(w.nr_levels, ==, level + 1);
			g_assert_true(m->leaf_dirty(rd(&t, slot)));
			if (level + 1 < m->levels) {
				wr(&t, slot, m->mk_leaf(frame + PAGE, R | W));
				g_assert_cmpint(compare_walk(&t, va, R, &w), ==,
						ARCH_WALK_BAD_TABLE);
				g_assert_cmpint(w.fault_level, ==, (int)level);
			}
		} else {
			g_assert_cmpint(compare_walk(&t, va, R, &w), ==, ARCH_WALK_BAD_TABLE);
			g_assert_cmpint(w.fault_level, ==, (int)level);
			g_assert_cmpuint(w.nr_levels, ==, level + 1);
		}
		tree_fini(&t);
	}
	g_assert_cmpuint(held, >=, 2);
}

/*
 * Reserved encodings stop the walk at the entry (spec step 3): W without R, bits 63:54
 * (no Svpbmt, no Svnapot), D, A or U in a pointer, and a pointer at the last level. Bits
 * the hardware ignores (RSW 9:8, G in a leaf) change nothing.
 */
static void test_rv_reserved(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	const uint64_t va = 0x400000;
	struct arch_walk w;
	struct tree t;

	for (unsigned level = 0; level < m->levels; level++) {
		bool leaf = level + 1 == m->levels;
		const uint64_t bad[] = { UINT64_C(1) << 54, UINT64_C(1) << 60, UINT64_C(1) << 63,
					 leaf ? 0 : 0x10, leaf ? 0 : 0x40, leaf ? 0 : 0x80 };
		const uint64_t ignored[] = { 0x100, 0x200, leaf ? 0x20 : 0 };

		for (unsigned i = 0; i < G_N_ELEMENTS(bad) + 2; i++) {
			uint64_t slot, e;

			tree_init(&t, s);
			tree_map(&t, va, FRAME, R | W);
			slot = tree_slot(&t, va, level);
			e = rd(&t, slot);
			if (i < G_N_ELEMENTS(bad)) {
				if (!bad[i]) {
					tree_fini(&t);
					continue;
				}
				e |= bad[i];
			} else if (i == G_N_ELEMENTS(bad)) {
				e = (e & ~UINT64_C(0x2)) | 0x4;		/* W without R */
			} else {
				if (!leaf) {
					tree_fini(&t);
					continue;
				}
				e &= ~UINT64_C(0xe);			/* a pointer at the last level */
			}
			g_test_message("level %u case %u entry 0x%" PRIx64, level, i, e);
			wr(&t, slot, e);
			for (unsigned a = 0; a < G_N_ELEMENTS(accesses); a++) {
				g_assert_cmpint(compare_walk(&t, va, accesses[a], &w), ==,
						ARCH_WALK_BAD_TABLE);
				g_assert_cmpint(w.fault_level, ==, (int)level);
				g_assert_cmpuint(w.nr_levels, ==, level + 1);
			}
			tree_fini(&t);
		}
		for (unsigned i = 0; i < G_N_ELEMENTS(ignored); i++) {
			uint64_t slot;

			if (!ignored[i])
				continue;
			tree_init(&t, s);
			tree_map(&t, va, FRAME, R | W);
			slot = tree_slot(&t, va, level);
			wr(&t, slot, rd(&t, slot) | ignored[i]);
			g_assert_cmpint(compare_walk(&t, va, W, &w), ==, ARCH_WALK_OK);
			tree_fini(&t);
		}
	}
}

/*
 * A and D (spec step 7, done by the hardware here): a read sets A in the leaf, a write A
 * and D; pointers never get either (they are reserved there); U clear denies a user access
 * of any kind, and X-only cannot be read (MXR = 0).
 */
static void test_rv_accessed_dirty(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	unsigned last = m->levels - 1;
	uint64_t slot, before[ARCH_MAX_LEVELS];
	struct arch_walk w;
	struct tree t;

	tree_init(&t, s);
	slot = tree_map(&t, 0x402000, FRAME, R | W);
	wr(&t, slot, rd(&t, slot) & ~UINT64_C(0xc0));
	for (unsigned l = 0; l < last; l++)
		before[l] = rd(&t, tree_slot(&t, 0x402000, l));
	g_assert_cmpint(compare_walk(&t, 0x402000, R, &w), ==, ARCH_WALK_OK);
	g_assert_cmphex(rd(&t, slot) & 0xc0, ==, 0x40);
	g_assert_cmpuint(w.tlb_prot, ==, R);
	g_assert_cmpint(compare_walk(&t, 0x402000, W, &w), ==, ARCH_WALK_OK);
	g_assert_cmphex(rd(&t, slot) & 0xc0, ==, 0xc0);
	g_assert_cmpuint(w.tlb_prot, ==, R | W);
	for (unsigned l = 0; l < last; l++)
		g_assert_cmphex(rd(&t, tree_slot(&t, 0x402000, l)), ==, before[l]);

	wr(&t, slot, rd(&t, slot) & ~UINT64_C(0x10));	/* U clear: a supervisor page */
	for (unsigned a = 0; a < G_N_ELEMENTS(accesses); a++) {
		g_assert_cmpint(compare_walk(&t, 0x402000, accesses[a], &w), ==, ARCH_WALK_PROT);
		g_assert_cmpuint(w.prot, ==, 0);
	}
	slot = tree_map(&t, 0x403000, FRAME, X);
	g_assert_cmpint(compare_walk(&t, 0x403000, R, &w), ==, ARCH_WALK_PROT);
	g_assert_cmpint(compare_walk(&t, 0x403000, X, &w), ==, ARCH_WALK_OK);
	tree_fini(&t);
}

/*
 * Random trees in the whole user range of each mode: pages with every protection, 2 MiB
 * leaves, reserved edits at random levels, then walks near them and anywhere, compared
 * with refwalk.
 */
static void test_rv_walk_vs_refwalk(gconstpointer data)
{
	const struct spec *s = data;
	const struct arch_mmu *m = s->mmu;
	unsigned long results[4] = { 0 }, not_present_at[ARCH_MAX_LEVELS] = { 0 };
	GRand *rng = g_rand_new_with_seed(0x7276);
	struct layout l = { .n = 0 };
	uint64_t frame = 0x200000;
	struct arch_walk w;
	struct tree t;

	tree_init(&t, s);
	for (unsigned i = 0; i < 48; i++) {
		uint64_t va = (rand64(rng) % m->task_size) & ~(PAGE - 1);

		tree_map(&t, va, frame, i % 8);
		layout_add(&l, va);
		frame += PAGE;
		if (i % 6 == 5) {
			unsigned level = (unsigned)g_rand_int_range(rng, 0, (gint32)m->levels);
			static const uint64_t edits[] = { 0x10, 0x40, 0x80, UINT64_C(1) << 55 };
			uint64_t slot = tree_slot(&t, va, level);

			wr(&t, slot, rd(&t, slot) | edits[g_rand_int_range(rng, 0, 4)]);
		}
	}
	for (unsigned i = 0; i < 8; i++) {
		uint64_t va = (rand64(rng) % m->task_size) & ~((UINT64_C(2) << 20) - 1);

		tree_map_block(&t, va, m->levels - 2, UINT64_C(0x200000) * (i % 2), R | W);
		layout_add(&l, va + 0x1000);
	}
	for (unsigned i = 0; i < 30000; i++) {
		uint64_t near = l.va[g_rand_int_range(rng, 0, (gint32)l.n)], va;

		switch (g_rand_int_range(rng, 0, 5)) {
		case 0:
		case 1:
			va = near + (uint64_t)g_rand_int_range(rng, 0, (gint32)PAGE);
			break;
		case 2:
			va = near ^ (UINT64_C(1) << g_rand_int_range(rng, 12, (gint32)m->va_bits));
			break;
		case 3:
			va = rand64(rng) % m->task_size;
			break;
		default:
			va = rand64(rng);
			break;
		}
		for (unsigned a = 0; a < G_N_ELEMENTS(accesses); a++) {
			enum arch_walk_result r = compare_walk(&t, va, accesses[a], &w);

			results[r]++;
			if (r == ARCH_WALK_NOT_PRESENT)
				not_present_at[w.fault_level]++;
		}
	}
	g_test_message("ok %lu not-present %lu prot %lu bad-table %lu", results[ARCH_WALK_OK],
		       results[ARCH_WALK_NOT_PRESENT], results[ARCH_WALK_PROT],
		       results[ARCH_WALK_BAD_TABLE]);
	g_assert_cmpuint(results[ARCH_WALK_OK], >, 5000);
	g_assert_cmpuint(results[ARCH_WALK_PROT], >, 1000);
	g_assert_cmpuint(results[ARCH_WALK_BAD_TABLE], >, 100);
	for (unsigned lv = 0; lv < m->levels; lv++)
		g_assert_cmpuint(not_present_at[lv], >, 10);
	g_rand_free(rng);
	tree_fini(&t);
}

#endif

/* ---- registration --------------------------------------------------------------------- */

static void add(const struct spec *s, const char *scenario, GTestDataFunc fn)
{
	char *path = g_strdup_printf("/arch/%s/%s", s->mmu->name, scenario);

	g_test_add_data_func(path, s, fn);
	g_free(path);
}

int main(int argc, char **argv)
{
	static const struct spec *const specs[] = { &x86_spec, &arm64_spec };

	g_test_init(&argc, &argv, NULL);
	for (unsigned i = 0; i < G_N_ELEMENTS(specs); i++) {
		const struct spec *s = specs[i];

		add(s, "geometry", test_geometry);
		add(s, "leaf-bits-exact", test_leaf_bits_exact);
		add(s, "table-bits-exact", test_table_bits_exact);
		add(s, "leaf-round-trip", test_leaf_round_trip);
		add(s, "modify-prot-keeps-frame-young-dirty", test_modify_prot);
		add(s, "describe", test_describe);
		add(s, "walk-every-prot", test_walk_every_prot);
		add(s, "protnone-present-but-faults", test_protnone);
		add(s, "walk-vs-refwalk-random", test_walk_vs_refwalk);
		add(s, "table-entry-limits", test_table_limits);
		add(s, "walk-records-entries", test_walk_records_entries);
		add(s, "missing-entry-each-level", test_missing_entry_each_level);
		add(s, "table-outside-memory", test_bad_table);
		add(s, "non-canonical-and-kernel-half", test_bad_addresses);
		add(s, "huge-blocks", test_huge_blocks);
		add(s, "tlb-prot-clean-then-dirty", test_tlb_prot_clean_then_dirty);
		add(s, "noupdate-changes-nothing", test_noupdate);
		add(s, "fault-sets-nothing", test_fault_sets_nothing);
		add(s, "count-known-tree", test_count_known_tree);
	}
#ifdef MMUEMU_ARCH_RISCV64
	/* Sv48 has four levels like the others: every shared scenario but the two above. */
	{
		const struct spec *s = &rv_sv48_spec;

		add(s, "leaf-bits-exact", test_leaf_bits_exact);
		add(s, "table-bits-exact", test_table_bits_exact);
		add(s, "leaf-round-trip", test_leaf_round_trip);
		add(s, "modify-prot-keeps-frame-young-dirty", test_modify_prot);
		add(s, "describe", test_describe);
		add(s, "walk-every-prot", test_walk_every_prot);
		add(s, "protnone-present-but-faults", test_protnone);
		add(s, "walk-vs-refwalk-random", test_walk_vs_refwalk);
		add(s, "walk-records-entries", test_walk_records_entries);
		add(s, "missing-entry-each-level", test_missing_entry_each_level);
		add(s, "table-outside-memory", test_bad_table);
		add(s, "huge-blocks", test_huge_blocks);
		add(s, "tlb-prot-clean-then-dirty", test_tlb_prot_clean_then_dirty);
		add(s, "noupdate-changes-nothing", test_noupdate);
		add(s, "count-known-tree", test_count_known_tree);
	}
	/* What does not depend on the number of levels, and RISC-V's own, in all three modes. */
	{
		static const struct spec *const rv[] = { &rv_sv39_spec, &rv_sv48_spec,
							 &rv_sv57_spec };

		for (unsigned i = 0; i < G_N_ELEMENTS(rv); i++) {
			if (rv[i] != &rv_sv48_spec) {
				add(rv[i], "leaf-bits-exact", test_leaf_bits_exact);
				add(rv[i], "leaf-round-trip", test_leaf_round_trip);
				add(rv[i], "describe", test_describe);
				add(rv[i], "protnone-present-but-faults", test_protnone);
			}
			add(rv[i], "fault-sets-nothing", test_fault_sets_nothing);
			add(rv[i], "non-canonical-and-kernel-half", test_bad_addresses);
			add(rv[i], "geometry", test_rv_geometry);
			add(rv[i], "leaf-at-every-level", test_rv_leaf_every_level);
			add(rv[i], "reserved-encodings", test_rv_reserved);
			add(rv[i], "accessed-dirty", test_rv_accessed_dirty);
			add(rv[i], "walk-vs-refwalk-random-any-levels", test_rv_walk_vs_refwalk);
		}
	}
#endif
	g_test_add_func("/arch/x86_64/accessed-dirty", test_x86_accessed_dirty);
	g_test_add_func("/arch/x86_64/pml4-ps-reserved", test_x86_pml4_ps_reserved);
	g_test_add_func("/arch/x86_64/large-leaf-pat-bit", test_x86_large_pat);
	g_test_add_func("/arch/arm64/accessed-dirty", test_arm64_accessed_dirty);
	g_test_add_func("/arch/arm64/block-only-at-l1-l2", test_arm64_block_levels);
	return g_test_run();
}
