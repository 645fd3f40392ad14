/* SPDX-License-Identifier: MIT */
/*
 * exec.c - execve(2) and execveat(2) for the running process.
 *
 * As Linux: the path, argv and envp are copied out of the old mm first (E2BIG past
 * MAX_ARG_STRLEN or the total limit, EFAULT on a bad pointer), the file is resolved from
 * the guest's cwd and checked quietly (ENOENT, EACCES, ENOEXEC for a file that is no
 * program of the running architecture), a "#!" script runs its interpreter (one optional
 * argument, then the script's path). The new mm is built and loaded beside the old one, so
 * every failure up to the switch returns an errno to the old program; exec_mmap() then
 * sends the old mm through exit_mmap(). Close-on-exec fds are closed, handled signals go
 * back to SIG_DFL, the vCPU's TLB and translated code are flushed, and the registers are
 * those of a process start.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "arch/abi.h"
#include "emu/emu.h"
#include "emu/fs.h"

#define EXEC_MAX_ARG_STRLEN (32u * 4096u)     /* Linux's MAX_ARG_STRLEN */
#define EXEC_MAX_TOTAL      (2u << 20)        /* a quarter of an 8 MiB stack rlimit */
#define EXEC_MAX_SCRIPTS    4                 /* Linux's interpreter nesting */

/* Copy the NULL-terminated guest vector at @addr into @out (NULL @addr: empty). */
static int exec_copy_strings(struct emu *emu, uint64_t addr, GPtrArray *out, uint64_t *total)
{
	char *buf = g_malloc(EXEC_MAX_ARG_STRLEN);
	int err = 0;

	for (uint64_t i = 0; addr; i++) {
		uint64_t p;
		int64_t n;

		if (copy_from_user(emu->proc->mm, &p, addr + i * 8, 8)) {
			err = -EFAULT;
			break;
		}
		p = le64toh(p);
		if (!p)
			break;
		n = strncpy_from_user(emu->proc->mm, buf, p, EXEC_MAX_ARG_STRLEN);
		if (n < 0) {
			err = n == -ENAMETOOLONG ? -E2BIG : (int)n;
			break;
		}
		*total += (uint64_t)n + 1 + 8;
		if (*total > EXEC_MAX_TOTAL) {
			err = -E2BIG;
			break;
		}
		g_ptr_array_add(out, g_strdup(buf));
	}
	g_free(buf);
	return err;
}

/* A "#!" line: the interpreter and its optional argument, as binfmt_script splits it. */
static int exec_script(const char *host, char **interp, char **arg)
{
	char line[256];
	ssize_t n;
	char *p, *end;
	FILE *f = fopen(host, "re");

	if (!f)
		return -errno;
	n = (ssize_t)fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	if (n < 2 || line[0] != '#' || line[1] != '!')
		return 1;
	line[n] = '\0';
	end = strchr(line, '\n');
	if (end)
		*end = '\0';
	p = line + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return -ENOEXEC;
	end = p + strcspn(p, " \t");
	*interp = g_strndup(p, (gsize)(end - p));
	p = end + strspn(end, " \t");
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*arg = end > p ? g_strndup(p, (gsize)(end - p)) : NULL;
	return 0;
}

static int64_t exec_do(struct emu *emu, uint64_t dirfd, uint64_t pathp, uint64_t argvp,
		       uint64_t envp, uint64_t flags)
{
	char *host = g_malloc(PATH_MAX_LINUX), *guest = g_malloc(PATH_MAX_LINUX);
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *env = g_ptr_array_new_with_free_func(g_free);
	struct mm_struct *old = emu->proc->mm, *mm = NULL;
	struct mm_engine engine;
	struct emu_image img = { 0 };
	uint64_t total = 0, sp = 0;
	const char *base;
	int64_t err;

	if (flags & ~(uint64_t)AT_EMPTY_PATH_LINUX) {
		err = -EINVAL;
		goto out;
	}
	err = emu_fs_exec_path(emu, dirfd, pathp, flags & AT_EMPTY_PATH_LINUX, host, guest);
	if (!err)
		err = exec_copy_strings(emu, argvp, argv, &total);
	if (!err)
		err = exec_copy_strings(emu, envp, env, &total);
	if (err)
		goto out;
	/* The guest's own path, as bprm->filename, when it named one. */
	if (!guest[0])
		g_strlcpy(guest, host, PATH_MAX_LINUX);
	for (int depth = 0;; depth++) {
		char *interp = NULL, *arg = NULL;
		int r;

		if (access(host, X_OK)) {
			err = -errno;
			goto out;
		}
		r = exec_script(host, &interp, &arg);
		if (r < 0) {
			err = r;
			goto out;
		}
		if (r > 0)
			break;
		if (depth == EXEC_MAX_SCRIPTS) {
			g_free(interp);
			g_free(arg);
			err = -ELOOP;
			goto out;
		}
		/* argv[0] is replaced by interp [arg] script. */
		if (argv->len)
			g_ptr_array_remove_index(argv, 0);
		g_ptr_array_insert(argv, 0, g_strdup(guest));
		if (arg)
			g_ptr_array_insert(argv, 0, arg);
		g_ptr_array_insert(argv, 0, g_strdup(interp));
		err = emu_fs_exec_path_host(emu, interp, host);
		g_strlcpy(guest, interp, PATH_MAX_LINUX);
		g_free(interp);
		if (err)
			goto out;
	}
	err = emu_elf_probe(host, &img);
	if (err)
		goto out;
	if (img.arch != emu->arch) {
		err = -ENOEXEC;
		goto out;
	}
	engine = emu_engine_mm_engine(emu);
	err = mm_create(emu->mmu, emu->machine->phys, &engine, &mm);
	if (err)
		goto out;
	mm->no_tlb_flush = old->no_tlb_flush;
	mm->trace = old->trace;
	g_ptr_array_add(argv, NULL);
	g_ptr_array_add(env, NULL);

	/* Load beside the old mm: a failure here still returns to the old program. */
	g_free(emu->proc->exec_exe);
	emu->proc->exec_exe = g_strdup(host);
	emu->proc->mm = mm;
	{
		const char *old_exe = emu->proc->exe_path;

		emu->proc->exe_path = emu->proc->exec_exe;
		if (emu_elf_load(emu, &img) ||
		    emu_stack_setup(emu, &img, (int)argv->len - 1, (char **)argv->pdata,
				    (char **)env->pdata, &sp)) {
			emu->proc->mm = old;
			emu->proc->exe_path = old_exe;
			mm_destroy(mm);
			err = -ENOMEM;
			goto out;
		}
	}
	exec_mmap(mm, old);
	g_free(emu->proc->exec_path);
	emu->proc->exec_path = g_strdup(guest);
	emu->proc->path = emu->proc->exec_path;

	emu_fs_close_on_exec(emu);
	emu_signal_exec(emu);
	base = strrchr(guest, '/');
	g_strlcpy(emu->comm, base ? base + 1 : guest, sizeof(emu->comm));
	for (int i = 0; i < 6; i++)
		emu_reg_write(emu, emu->cpu->reg_args[i], 0);
	emu_reg_write(emu, emu->cpu->reg_sysno, 0);
	if (emu->cpu->reg_gs_base)
		emu_reg_write(emu, emu->cpu->reg_gs_base, 0);
	emu_reg_write(emu, emu->cpu->reg_sp, sp);
	emu_reg_write(emu, emu->cpu->reg_pc, img.entry);
	emu->code_flush_pending = true;
	emu_engine_stop(emu);
	err = 0;
out:
	emu_elf_close(&img);
	g_ptr_array_free(argv, TRUE);
	g_ptr_array_free(env, TRUE);
	g_free(host);
	g_free(guest);
	return err;
}

int64_t emu_sys_execve(struct emu *emu, const uint64_t *a)
{
	return exec_do(emu, (uint64_t)(int64_t)AT_FDCWD_LINUX, a[0], a[1], a[2], 0);
}

int64_t emu_sys_execveat(struct emu *emu, const uint64_t *a)
{
	return exec_do(emu, a[0], a[1], a[2], a[3], a[4]);
}
