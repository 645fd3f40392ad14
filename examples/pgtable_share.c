/* SPDX-License-Identifier: MIT */
/*
 * pgtable_share - when munmap(2) frees a page-table page, and when it must not.
 *
 * Four one-page mappings at fixed addresses in a part of the address space nothing else
 * uses (8 GiB up), so that which table pages they need is known in advance:
 *
 *   8 GiB + 0x000000  A   \ one last-level table (x86_64 PT, arm64 L3): T1
 *   8 GiB + 0x002000  B   /
 *   8 GiB + 0x200000  C   the next 2 MiB: its own last-level table T2
 *   9 GiB + 0x000000  D   the next 1 GiB: its own level-2 table (PD / L2) and T3
 *
 * A, B and C share one level-2 table, M1; D has M2. The program touches all four, then
 * unmaps them one by one, reading back what must survive:
 *
 *   munmap B   A still uses T1: no table is freed (the floor is A's end)
 *   munmap A   T1 is freed; M1 stays, C still hangs off it
 *   munmap C   T2 and M1 are freed
 *   munmap D   T3 and M2 are freed
 *   mmap A     touching it again needs a new M1 and T1: proof that they were freed
 *   munmap A   and they go again
 *
 * So the program itself allocates and frees 3 level-2 tables and 4 last-level tables, and
 * nothing above. `pgtable_share baseline` only prints a line and exits: the difference of
 * the two runs' `mmuemu --stats` is exactly the program's own share (see
 * tests/guest/run.sh). Natively and under qemu-user the output is the same; only the
 * emulator shows the tables.
 */
#include "guest.h"

#define REGION_BASE 0x200000000ul  /* 8 GiB: 1 GiB-aligned, far from the image and stack */
#define SIZE_2M     0x200000ul
#define SIZE_1G     0x40000000ul

#define ADDR_A (REGION_BASE)
#define ADDR_B (REGION_BASE + 2 * PAGE_SIZE_LINUX)
#define ADDR_C (REGION_BASE + SIZE_2M)
#define ADDR_D (REGION_BASE + SIZE_1G)

struct mapping {
	const char *name;
	uintptr_t addr;
	uint64_t value;
};

static struct mapping maps[] = {
	{ "A", ADDR_A, 0xaaaa0000aaaa0001ull },
	{ "B", ADDR_B, 0xbbbb0000bbbb0002ull },
	{ "C", ADDR_C, 0xcccc0000cccc0003ull },
	{ "D", ADDR_D, 0xdddd0000dddd0004ull },
};

enum { MAP_A, MAP_B, MAP_C, MAP_D, NR_MAPS };

static void map_and_touch(const struct mapping *m)
{
	guest_mmap_at(m->addr, PAGE_SIZE_LINUX, "mmap(MAP_FIXED_NOREPLACE)");
	poke(m->addr, m->value);
	pr_str("mapped ");
	pr_str(m->name);
	pr_str(" at 8 GiB + ");
	pr_hex(m->addr - REGION_BASE);
	pr_str(" and wrote ");
	pr_hex(m->value);
	pr_end();
}

static void unmap(const struct mapping *m, const char *tables)
{
	guest_munmap(m->addr, PAGE_SIZE_LINUX, "munmap");
	pr_str("unmapped ");
	pr_str(m->name);
	pr_str(": ");
	pr_str(tables);
	pr_end();
}

/* Read @m back; a table freed too early would have taken its page with it. */
static int check(const struct mapping *m)
{
	uint64_t v = peek(m->addr);

	pr_str("  ");
	pr_str(m->name);
	pr_str(" still reads ");
	pr_hex(v);
	pr_str(v == m->value ? " (ok)" : " (WRONG)");
	pr_end();
	return v == m->value;
}

int main(int argc, char **argv)
{
	int i;

	if (argc > 1 && guest_streq(argv[1], "baseline")) {
		pr_str("baseline: no mappings");
		pr_end();
		return 0;
	}

	for (i = 0; i < NR_MAPS; i++)
		map_and_touch(&maps[i]);

	unmap(&maps[MAP_B], "A keeps the last-level table T1");
	if (!check(&maps[MAP_A]))
		return 1;
	unmap(&maps[MAP_A], "T1 freed, C keeps the level-2 table M1");
	if (!check(&maps[MAP_C]))
		return 1;
	unmap(&maps[MAP_C], "T2 and M1 freed");
	if (!check(&maps[MAP_D]))
		return 1;
	unmap(&maps[MAP_D], "T3 and M2 freed");

	map_and_touch(&maps[MAP_A]);
	if (!check(&maps[MAP_A]))
		return 1;
	unmap(&maps[MAP_A], "the new M1 and T1 freed again");
	return 0;
}
