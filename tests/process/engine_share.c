/* SPDX-License-Identifier: MIT */
/*
 * engine_share.c - the Unicorn facts the process design rests on (docs/ENGINE.md,
 * "Several instances sharing memory"), checked against the installed Unicorn:
 *  1. two instances over one uc_mem_map_ptr() host buffer see each other's stores at once;
 *  2. uc_emu_stop() from a third thread stops only the instance it names;
 *  3. translated code is per instance: a guest store by one instance into code another
 *     has translated leaves the other running the old code until it is told
 *     (uc_ctl_remove_cache), so mm/'s code invalidations must reach every vCPU.
 * Prints "ok N" lines; exits non-zero at the first fact that does not hold.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <unicorn/unicorn.h>

#define MEM_SIZE 0x10000

static uint8_t *mem;

static void fail(const char *what)
{
	printf("FAIL %s\n", what);
	exit(1);
}

static uc_engine *open_cpu(void)
{
	uc_engine *uc;

	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK)
		fail("uc_open");
	if (uc_mem_map_ptr(uc, 0, MEM_SIZE, UC_PROT_ALL, mem) != UC_ERR_OK)
		fail("uc_mem_map_ptr");
	return uc;
}

static void put(uint64_t at, const char *code, size_t len)
{
	memcpy(mem + at, code, len);
}

static uint64_t run_eax(uc_engine *uc, uint64_t begin, uint64_t until)
{
	uint64_t rax = 0;

	if (uc_reg_write(uc, UC_X86_REG_RAX, &rax) != UC_ERR_OK ||
	    uc_emu_start(uc, begin, until, 0, 0) != UC_ERR_OK ||
	    uc_reg_read(uc, UC_X86_REG_RAX, &rax) != UC_ERR_OK)
		fail("uc_emu_start");
	return rax;
}

struct spinner {
	uc_engine *uc;
	uint64_t begin;
	atomic_bool done;
};

static void *spin(void *p)
{
	struct spinner *s = p;

	if (uc_emu_start(s->uc, s->begin, UINT64_MAX, 0, 0) != UC_ERR_OK)
		fail("spinner uc_emu_start");
	atomic_store(&s->done, true);
	return NULL;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint64_t counter(void)
{
	return __atomic_load_n((uint64_t *)(mem + 0x9000), __ATOMIC_RELAXED);
}

int main(void)
{
	uc_engine *a, *b;

	alarm(20);
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		fail("mmap");
	a = open_cpu();
	b = open_cpu();

	/* 1: a stores, b loads; b stores, a loads. */
	put(0x1000, "\xc7\x04\x25\x00\x80\x00\x00\x78\x56\x34\x12", 11); /* mov [0x8000], imm */
	put(0x1100, "\x8b\x04\x25\x00\x80\x00\x00", 7);                 /* mov eax, [0x8000] */
	put(0x1200, "\xc7\x04\x25\x04\x80\x00\x00\x21\x43\x65\x07", 11); /* mov [0x8004], imm */
	put(0x1300, "\x8b\x04\x25\x04\x80\x00\x00", 7);                 /* mov eax, [0x8004] */
	run_eax(a, 0x1000, 0x100b);
	if (run_eax(b, 0x1100, 0x1107) != 0x12345678)
		fail("1: b does not see a's store");
	run_eax(b, 0x1200, 0x120b);
	if (run_eax(a, 0x1300, 0x1307) != 0x07654321)
		fail("1: a does not see b's store");
	printf("ok 1 two instances over one host buffer see each other's stores\n");

	/* 2: a spins, b counts in memory; stop a from here, b goes on; then stop b. */
	put(0x2000, "\xeb\xfe", 2);                                     /* jmp . */
	put(0x2100, "\x48\xff\x04\x25\x00\x90\x00\x00\xeb\xf6", 10);    /* inc [0x9000]; jmp */
	struct spinner sa = { a, 0x2000, false }, sb = { b, 0x2100, false };
	pthread_t ta, tb;

	pthread_create(&ta, NULL, spin, &sa);
	pthread_create(&tb, NULL, spin, &sb);
	pause_ms(100);
	uc_emu_stop(a);
	pthread_join(ta, NULL);
	uint64_t c0 = counter();

	pause_ms(50);
	if (atomic_load(&sb.done) || counter() == c0)
		fail("2: stopping a stopped b too");
	uc_emu_stop(b);
	pthread_join(tb, NULL);
	printf("ok 2 uc_emu_stop() from another thread stops only its instance\n");

	/* 3: b translates "mov eax, 1" at 0x3000; a stores the immediate as 2. */
	/* Each run ends at hlt, with the same end address, so no run re-translates. */
	put(0x3000, "\xb8\x01\x00\x00\x00\xf4", 6);                 /* mov eax, 1; hlt */
	put(0x3100, "\xc6\x04\x25\x01\x30\x00\x00\x02", 8);             /* mov byte [0x3001], 2 */
	if (run_eax(b, 0x3000, 0x4000) != 1)
		fail("3: first run");
	run_eax(a, 0x3100, 0x3108);
	if (mem[0x3001] != 2)
		fail("3: a's store into code did not land");
	if (run_eax(b, 0x3000, 0x4000) != 1)
		fail("3: b saw a's store into its translated code (update the docs)");
	if (uc_ctl_remove_cache(b, 0x3000, 0x3001) != UC_ERR_OK)
		fail("3: uc_ctl_remove_cache");
	if (run_eax(b, 0x3000, 0x4000) != 2)
		fail("3: b still runs old code after uc_ctl_remove_cache");
	printf("ok 3 translated code is per instance: another's store needs a remove_cache\n");

	uc_close(a);
	uc_close(b);
	return 0;
}
