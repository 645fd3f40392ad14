/* SPDX-License-Identifier: MIT */
/*
 * stack.c - the initial process stack, laid out as Linux's exec lays it out.
 *
 * From the top of the stack VMA down (fs/exec.c and create_elf_tables() in
 * fs/binfmt_elf.c):
 *
 *   stack_top - 8   8 zero bytes (the end marker)
 *                   execfn string, then the envp strings, then the argv strings, so that in
 *                   ascending order they read argv[0] ... envp[n] execfn
 *                   (16-byte alignment)
 *                   AT_PLATFORM string
 *                   16 random bytes for AT_RANDOM
 *                   auxv pairs, ending with AT_NULL
 *                   NULL, envp pointers
 *                   NULL, argv pointers
 *   sp ->           argc                     (sp is 16-byte aligned)
 *
 * The whole block is built in host memory and written with one copy_to_user().
 */
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <glib.h>

#include "emu/emu.h"
#include "emu/fs.h"

#define EMU_STACK_SIZE     (8 * 1024 * 1024)  /* RLIMIT_STACK */
#define EMU_ARG_MAX        (EMU_STACK_SIZE / 4) /* Linux: a quarter of the stack rlimit */
#define EMU_AUXV_MAX       24
#define EMU_CLKTCK         100

struct stack_builder {
	uint64_t top;    /* guest address of the end of buf */
	uint64_t p;      /* lowest guest address used so far */
	uint8_t *buf;
	uint64_t size;
};

static uint8_t *stack_at(struct stack_builder *b, uint64_t addr)
{
	return b->buf + (b->size - (b->top - addr));
}

/* Push @len bytes of @data (may be NULL for zeros); return their guest address. */
static uint64_t stack_push(struct stack_builder *b, const void *data, uint64_t len)
{
	g_assert(len <= b->p - (b->top - b->size));
	b->p -= len;
	if (data)
		memcpy(stack_at(b, b->p), data, len);
	else
		memset(stack_at(b, b->p), 0, len);
	return b->p;
}

static void stack_put_word(struct stack_builder *b, uint64_t addr, uint64_t v)
{
	uint64_t le = htole64(v);

	memcpy(stack_at(b, addr), &le, sizeof(le));
}

int emu_stack_setup(struct emu *emu, const struct emu_image *img, int argc, char **argv,
		    char **envp_arg, uint64_t *sp_out)
{
	struct mm_struct *mm = emu->proc->mm;
	const struct arch_cpu *cpu = emu->cpu;
	char *empty_env[] = { NULL };
	char **envp = envp_arg ? envp_arg : emu->machine->opt->env ? emu->machine->opt->env : empty_env;
	uint64_t top = emu->mmu->stack_top, strings = 0, execfn, platform = 0, random;
	uint64_t auxv[EMU_AUXV_MAX * 2], *argv_addr, *envp_addr, sp, items, a;
	struct stack_builder b;
	uint8_t rnd[16];
	unsigned na = 0;
	int envc = 0, err, ret = -1;
	int64_t addr;

	while (envp[envc])
		envc++;
	strings = strlen(emu->proc->path) + 1;
	for (int i = 0; i < argc; i++)
		strings += strlen(argv[i]) + 1;
	for (int i = 0; i < envc; i++)
		strings += strlen(envp[i]) + 1;
	if (strings > EMU_ARG_MAX) {
		emu_warn("%s: argument list too long", emu->proc->path);
		return -1;
	}

	mm->start_stack = top - sizeof(uint64_t);
	addr = do_mmap(mm, top - EMU_STACK_SIZE, EMU_STACK_SIZE, MM_PROT_READ | MM_PROT_WRITE,
		       MAP_FIXED_LINUX | MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX |
		       MAP_GROWSDOWN_LINUX, 0);
	if (addr < 0) {
		emu_warn("%s: cannot map the stack: %s", emu->proc->path, strerror((int)-addr));
		return -1;
	}

	/* Room for everything: strings, alignments, platform, random bytes and the vectors. */
	b.size = strings + 8 + 16 + (cpu->platform ? strlen(cpu->platform) + 1 : 0) + 16 +
		 ((uint64_t)argc + envc + 3 + EMU_AUXV_MAX * 2) * 8 + 16;
	b.size = (b.size + 15) & ~(uint64_t)15;
	b.buf = g_malloc0(b.size);
	b.top = top;
	b.p = top;
	argv_addr = g_new(uint64_t, (size_t)argc + 1);
	envp_addr = g_new(uint64_t, (size_t)envc + 1);

	stack_push(&b, NULL, sizeof(uint64_t));
	execfn = stack_push(&b, emu->proc->path, strlen(emu->proc->path) + 1);
	for (int i = envc - 1; i >= 0; i--)
		envp_addr[i] = stack_push(&b, envp[i], strlen(envp[i]) + 1);
	for (int i = argc - 1; i >= 0; i--)
		argv_addr[i] = stack_push(&b, argv[i], strlen(argv[i]) + 1);
	b.p &= ~(uint64_t)15;
	if (cpu->platform)
		platform = stack_push(&b, cpu->platform, strlen(cpu->platform) + 1);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		memset(rnd, 0x5a, sizeof(rnd));
	random = stack_push(&b, rnd, sizeof(rnd));

#define AUX(type, val) do { auxv[na++] = (type); auxv[na++] = (val); } while (0)
	AUX(AT_HWCAP, cpu->hwcap);
	AUX(AT_PAGESZ, arch_page_size(emu->mmu));
	AUX(AT_CLKTCK, EMU_CLKTCK);
	AUX(AT_PHDR, img->phdr);
	AUX(AT_PHENT, img->phentsize);
	AUX(AT_PHNUM, img->phnum);
	AUX(AT_BASE, 0);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, img->entry);
	AUX(AT_UID, getuid());
	AUX(AT_EUID, geteuid());
	AUX(AT_GID, getgid());
	AUX(AT_EGID, getegid());
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, random);
	AUX(AT_HWCAP2, cpu->hwcap2);
	AUX(AT_EXECFN, execfn);
	if (platform)
		AUX(AT_PLATFORM, platform);
	AUX(AT_NULL, 0);
#undef AUX

	items = (uint64_t)argc + 1 + (uint64_t)envc + 1 + 1;
	sp = (b.p - na * sizeof(uint64_t) - items * sizeof(uint64_t)) & ~(uint64_t)15;
	b.p = sp;
	a = sp;
	stack_put_word(&b, a, (uint64_t)argc);
	a += 8;
	for (int i = 0; i < argc; i++, a += 8)
		stack_put_word(&b, a, argv_addr[i]);
	stack_put_word(&b, a, 0);
	a += 8;
	for (int i = 0; i < envc; i++, a += 8)
		stack_put_word(&b, a, envp_addr[i]);
	stack_put_word(&b, a, 0);
	a += 8;
	for (unsigned i = 0; i < na; i++, a += 8)
		stack_put_word(&b, a, auxv[i]);

	err = copy_to_user(mm, sp, stack_at(&b, sp), top - sp);
	if (err) {
		/*
		 * The stack VMA was just mapped over the whole range: the only way the copy can
		 * fail is that no frame was left for a page of it.
		 */
		emu_warn("%s: out of guest memory (%" G_GUINT64_FORMAT " KiB) while building the "
			 "initial stack", emu->proc->path, emu->machine->opt->mem_size >> 10);
		ret = -ENOMEM;
		goto out;
	}
	mm->start_stack = sp;
	*sp_out = sp;
	/* What /proc/PID/cmdline, environ, auxv and stat show, as Linux's mm keeps it. */
	if (emu->proc->fs) {
		struct emu_proc_exec *x = emu_fs_exec(emu);

		x->arg_start = argc ? argv_addr[0] : execfn;
		x->arg_end = envc ? envp_addr[0] : execfn;
		x->env_start = x->arg_end;
		x->env_end = execfn;
		x->stack_start = sp;
		x->auxv_words = MIN(na, (unsigned)G_N_ELEMENTS(x->auxv));
		for (unsigned i = 0; i < x->auxv_words; i++)
			x->auxv[i] = htole64(auxv[i]);
	}
	ret = 0;
out:
	g_free(argv_addr);
	g_free(envp_addr);
	g_free(b.buf);
	return ret;
}
