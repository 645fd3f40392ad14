/* SPDX-License-Identifier: MIT */
/*
 * emu.h - the emulator half of mmuemu: one guest process run by Unicorn over mm/.
 *
 * A run goes: read and check the ELF file (elf.c), open the engine (engine.c and regs.c,
 * the only files that talk to Unicorn), create the address space, load the segments and
 * build the initial stack (stack.c), then emulate until the guest exits or faults (run.c's
 * loop). System calls are served from the engine's callback (syscall.c); a fault without a
 * handler ends in the report of report.c; the counters go out through stats.c.
 * The files are in layers (docs/DESIGN.md): no two call each other (tests/emu/layers.py).
 *
 * Exit statuses follow the shell's conventions: the guest's own status when it exits,
 * 128 + signal when a signal ends it (139 for SIGSEGV, also for "out of guest memory"),
 * 2 for a bad command line or a program that cannot be loaded, 1 for internal errors.
 */
#ifndef MMUEMU_EMU_H
#define MMUEMU_EMU_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <glib.h>
#include <pthread.h>

#include "arch/arch.h"
#include "mm/mm.h"
#include "emu/signals.h"

#define EMU_EXIT_INTERNAL 1
#define EMU_EXIT_USAGE    2
/* --check: an mm invariant broke, the stale-TLB detector fired, or teardown leaked. */
#define EMU_EXIT_CHECK    125

/* The guest's process identity: fixed, so that output is the same on every run. */
#define EMU_GUEST_PID  1000
#define EMU_GUEST_PPID 999

/* emu->intno for an instruction Unicorn could not decode at all (it raises no exception). */
#define EMU_INTNO_INVALID_INSN UINT32_MAX
/* emu->intno for an instruction that halted the CPU (arch_cpu.halt_signal). */
#define EMU_INTNO_HALT (UINT32_MAX - 1)

/* Largest signal number the guest can name (Linux's _NSIG). */
#define EMU_NSIG 64

/**
 * struct emu_options - what the command line asks of every run.
 * @mem_size: bytes of guest physical memory.
 * @env: NULL-terminated guest environment (mmuemu's own, -U, -E, --clear-env), or NULL
 *     for an empty one.
 */
struct emu_fs;

struct emu_options {
	uint64_t mem_size;
	bool maps;
	bool stats;
	bool trace_mm;
	bool trace_syscall;
	bool no_tlb_flush;
	/*
	 * --check: mm_validate() after every mm syscall and demand fault, the stale-TLB
	 * detector, the leak check at exit; @check_access: also check every memory access
	 * against the detector's shadow (--check=access). --inject: fail the Nth frame or
	 * table-page allocation (0 = never).
	 */
	bool check;
	bool check_access;
	uint64_t inject_frame_alloc, inject_table_alloc, inject_keep_table;
	uint64_t inject_code_flush;   /* --inject=code-flush:N: a code flush at every Nth fill */
	bool inject_lazy_fpu;         /* --inject=lazy-fpu: arch_cpu.fpu_trap_next() per syscall */
	char **env;
};

/* One PT_LOAD of a checked image: [vaddr, end) with the bias applied. */
struct emu_segment {
	unsigned index;           /* program header number, for messages */
	uint64_t vaddr, end;
	uint64_t offset, filesz;
	uint32_t flags;           /* PF_R, PF_W, PF_X */
};

/**
 * struct emu_image - a checked ELF executable, read into memory, not loaded yet.
 * @data, @size: the whole file.
 * @bias: what is added to every p_vaddr (static-pie), 0 for ET_EXEC.
 * @entry: entry point, biased.
 * @phdr: address of the program headers in guest memory, for AT_PHDR.
 * @segs: the PT_LOADs with a size, sorted by address, not overlapping.
 */
struct emu_image {
	const char *path;
	uint8_t *data;
	uint64_t size;
	const struct arch_ops *arch;
	uint64_t bias;
	uint64_t entry;
	uint64_t phdr;
	uint16_t phnum;
	uint16_t phentsize;
	struct emu_segment *segs;
	unsigned nr_segs;
};

/* Counters kept by emu/ itself; mm/ keeps the rest in struct mm_stats. */
struct emu_counters {
	uint64_t tlb_fills;      /* TLB-fill hook calls */
	uint64_t tlb_flushes;    /* full engine TLB flushes done for mm/ */
	uint64_t code_flushes;   /* translated-code flushes for host writes into code */
	uint64_t syscalls;
	uint64_t sys_mmap, sys_munmap, sys_mprotect, sys_brk;
};

/**
 * struct emu_engine_ops - what the engine hands up to the layer above (run.c), as
 * struct mm_engine hands mm/'s needs down. Each gets @ctx.
 * @tlb_fill: a TLB miss at virtual @va for @access: the translation (@paddr, MM_PROT_*
 *     in @prot) and 0, or a negative errno to refuse it (a fault: the engine stops with
 *     EMU_ENGINE_FAULT, the PC at the access).
 * @syscall: the guest's system call instruction; the PC is past it.
 * @exception: a CPU exception; the engine stops after it (EMU_ENGINE_STOPPED).
 * @mem_access, @fetch: if both are set, every load and store (physical @paddr) and every
 *     instruction (virtual @va) is handed up (--check=access).
 */
struct emu_engine_ops {
	void *ctx;
	int (*tlb_fill)(void *ctx, uint64_t va, mm_access_t access, uint64_t *paddr,
			unsigned *prot);
	void (*syscall)(void *ctx);
	void (*exception)(void *ctx, uint32_t intno);
	void (*mem_access)(void *ctx, uint64_t paddr, mm_access_t access);
	void (*fetch)(void *ctx, uint64_t va);
};

/* Why emu_engine_start() returned. */
enum emu_engine_stop {
	EMU_ENGINE_STOPPED,  /* emu_engine_stop() from a callback, or a flush to do */
	EMU_ENGINE_KICKED,   /* emu_engine_kick(): between two blocks */
	EMU_ENGINE_HALTED,   /* stopped by itself: the CPU halted */
	EMU_ENGINE_FAULT,    /* @tlb_fill refused a translation */
	EMU_ENGINE_INVALID,  /* an instruction the engine cannot decode */
	EMU_ENGINE_ERROR,    /* the engine failed: emu->engine_error says how */
};

/* Why emulation stopped. */
enum emu_end {
	EMU_END_NONE = 0,   /* still running */
	EMU_END_EXIT,       /* exit or exit_group */
	EMU_END_SIGNAL,     /* killed by a signal the guest sent itself */
	EMU_END_FAULT,      /* a translation failed: SIGSEGV (or out of memory) */
	EMU_END_EXCEPTION,  /* another CPU exception: SIGILL, SIGTRAP... */
	EMU_END_ERROR,      /* the engine failed */
	EMU_END_CHECK,      /* --check found a broken mm invariant */
};

struct emu;

/**
 * struct emu_machine - the one emulated machine of a run (issue 11): every guest process
 * and task lives on it. Guest physical memory and its frame allocator are the machine's.
 * @run_lock: held by the task whose vCPU executes guest code; only one does at a time
 *     (Unicorn does not make guest atomics atomic across instances). Released around
 *     blocking host calls.
 * @tasks: every task (struct emu) of the machine, the first one first.
 * @procs: every process (struct emu_proc) of the machine, zombies included, the first
 *     one first.
 * @next_pid: the next pid or tid to hand out; the first task has EMU_GUEST_PID.
 */
struct emu_machine {
	const struct emu_options *opt;
	struct mm_phys *phys;
	pthread_mutex_t run_lock;
	GList *tasks;
	GList *procs;
	int next_pid;
};

/**
 * struct emu_proc - one guest process (the kernel's thread group and what its tasks share).
 * @path: the program as exec'd (the command line's for the first process).
 * @exe_path: absolute, for the names in maps and /proc/PID/exe.
 * @pid, @ppid, @pgid, @sid: as the guest's pid namespace numbers them.
 * @parent: the parent process on this machine, NULL for the first one (its parent is
 *     outside, EMU_GUEST_PPID).
 * @children: the processes it forked, zombies included, until reaped.
 * @exit_code: the wait status once @zombie (Linux's exit_code: status << 8, or the signal).
 */
struct emu_proc {
	struct emu_machine *machine;
	const char *path;
	const char *exe_path;
	struct mm_struct *mm;
	struct emu_fs *fs;        /* the fd table (fs.c) */
	uint8_t sigactions[EMU_NSIG + 1][32];
	int pid, ppid, pgid, sid;
	struct emu_proc *parent;
	GList *children;
	char *exec_path, *exec_exe;  /* owned @path and @exe_path after an execve (exec.c) */
	int exit_code;
	bool zombie;
};

/**
 * struct emu - one guest task: its vCPU (its own Unicorn instance over the machine's
 * physical memory, so its own TLB), its signal state and its run state.
 * @comm: the program's base name, as the kernel's task comm (15 characters at most).
 * @tid: the task's id; the process's pid for its first task.
 * @code_pages: one bit per physical frame that a TLB entry with execute permission maps.
 */
struct emu {
	struct emu_machine *machine;
	struct emu_proc *proc;
	int tid;
	char comm[16];
	const struct arch_ops *arch;
	const struct arch_cpu *cpu;
	const struct arch_mmu *mmu;
	struct uc_struct *uc;
	struct arch_cpu_hooks hooks;
	struct emu_engine_ops engine_ops; /* the layer above the engine (run.c) */
	struct emu_counters count;

	/* run state */
	bool running;
	enum emu_end end;
	int status;               /* exit status, or the signal for SIGNAL/FAULT/EXCEPTION */
	bool stop_requested;      /* emu_engine_stop() since the last start */
	bool fault_pending;       /* the fill hook refused a translation */
	int fault_err;            /* -EFAULT or -ENOMEM from mm_fill_tlb */
	struct mm_fault fault;
	uint32_t intno;           /* EMU_END_EXCEPTION: Unicorn's exception number */
	bool code_flush_pending;  /* host wrote into translated code: flush before resuming */
	bool tlb_flush_pending;   /* a frame became code while writable entries may map it */
	bool in_fill;             /* inside emu_tlb_fill(): a flush must restart the access */
	bool fill_restart;        /* the fill hook refused a translation to flush first */
	uint64_t fill_seq;        /* fills so far, for --inject=code-flush:N */
	unsigned inject_grace;    /* fills spared after a forced flush */
	uint8_t *code_pages;
	uint8_t *write_pages;     /* frames a writable TLB entry may map (engine.c) */
	uint64_t *code_va, *write_va; /* per frame: the one guest page it was marked through */
	uint64_t nr_frames;
	const char *engine_error; /* EMU_END_ERROR: the engine's message */
	const char *kill_reason;  /* EMU_END_SIGNAL: where the signal came from */
	uint64_t stale_accesses;  /* --check=access: accesses served by a stale TLB entry */
	void *check_fills;        /* --check=access: GHashTable, virtual page -> frame filled */

	/* task state kept for the syscalls */
	uint64_t clear_child_tid;
	uint64_t sigmask;
	struct emu_sigstate sig;  /* pending signals, altstack (signal.c) */
	uint8_t unknown_named[1024 / 8];
	struct emu_timers *timers; /* itimers and POSIX timers (timer.c), NULL until used */
	_Atomic uint64_t kicks;   /* emu_engine_kick() calls, from any thread */
	int wake_fd;              /* task.c: readable once emu_task_wake() was called */
};

/**
 * struct emu_result - what a finished run leaves for --stats and --compare.
 */
struct emu_result {
	const struct arch_ops *arch;
	const char *path;
	int status;
	struct mm_stats mm;
	struct emu_counters count;
};

/* ---- elf.c ---- */

/**
 * emu_elf_open() - read @path and check everything the loader will rely on.
 * Return: 0, or -1 after one line on stderr naming the problem.
 */
int emu_elf_open(const char *path, struct emu_image *img);
/**
 * emu_elf_probe() - emu_elf_open() for execve: no message.
 * Return: 0, or -ENOENT, -EACCES... from the open, or -ENOEXEC for a file that is no
 * program mmuemu runs.
 */
int emu_elf_probe(const char *path, struct emu_image *img);
/** emu_elf_close() - free what emu_elf_open() read. */
void emu_elf_close(struct emu_image *img);
/**
 * emu_elf_load() - map the PT_LOAD segments of @img into @emu's address space, copy the
 * file contents in, and place the heap after the last segment.
 * Return: 0, or -1 after a message.
 */
int emu_elf_load(struct emu *emu, const struct emu_image *img);

/* ---- stack.c ---- */

/**
 * emu_stack_setup() - map the stack and lay out argc, argv, envp and the auxiliary vector
 * as Linux's create_elf_tables() does. @envp NULL: the command line's environment.
 * @sp: the initial stack pointer.
 * Return: 0, -ENOMEM when guest memory ran out (status 139), or -1, each after a message.
 */
int emu_stack_setup(struct emu *emu, const struct emu_image *img, int argc, char **argv,
		    char **envp, uint64_t *sp);

/* ---- engine.c: the Unicorn adapter (with regs.c, the only files that include it) ---- */

/** emu_engine_open() - Unicorn over guest physical memory, calling up through @ops. 0 or -1. */
int emu_engine_open(struct emu *emu, const struct emu_engine_ops *ops);
void emu_engine_close(struct emu *emu);
/** emu_engine_mm_engine() - the callbacks mm/ uses to flush this engine. */
struct mm_engine emu_engine_mm_engine(struct emu *emu);
/**
 * emu_engine_start() - emulate from *@pc until something stops it; *@pc is the PC then.
 * Every stop is precise (docs/ENGINE.md).
 */
enum emu_engine_stop emu_engine_start(struct emu *emu, uint64_t *pc);
/** emu_engine_versions() - "unicorn X, capstone Y" for --version. */
void emu_engine_versions(char *buf, size_t len);

/* ---- regs.c: a leaf ---- */

/** emu_engine_stop() - stop emulation after the current instruction (from a callback). */
void emu_engine_stop(struct emu *emu);
/**
 * emu_engine_kick() - from any host thread: stop emulation precisely, at the start of the
 * next translation block: emu_engine_start() returns EMU_ENGINE_KICKED. A kick while the
 * engine is not emulating is lost unless the caller kicks again (docs/ENGINE.md, "Kicks
 * from another thread").
 */
void emu_engine_kick(struct emu *emu);
uint64_t emu_reg_read(struct emu *emu, int reg);
void emu_reg_write(struct emu *emu, int reg, uint64_t v);

/* ---- syscall.c ---- */

/** emu_syscall_hook() - serve one guest system call; the engine's syscall callback. */
void emu_syscall_hook(struct uc_struct *uc, void *user);

/* ---- timer.c ---- */

/**
 * emu_timer_expire() - on the guest's thread, after a kick or at syscall exit: queue the
 * signals of the timers that expired, and re-arm the periodic ones.
 */
void emu_timer_expire(struct emu *emu);
/** emu_timer_exit() - stop the timer thread and free the timers. */
void emu_timer_exit(struct emu *emu);
int64_t emu_sys_alarm(struct emu *emu, const uint64_t *a);
/* Sleeps that a timer's signal interrupts (timer.c). */
int64_t emu_sys_clock_nanosleep(struct emu *emu, const uint64_t *a);
int64_t emu_sys_pause(struct emu *emu, const uint64_t *a);
int64_t emu_sys_rt_sigsuspend(struct emu *emu, const uint64_t *a);
int64_t emu_sys_ppoll(struct emu *emu, const uint64_t *a);
int64_t emu_sys_getitimer(struct emu *emu, const uint64_t *a);
int64_t emu_sys_setitimer(struct emu *emu, const uint64_t *a);
int64_t emu_sys_timer_create(struct emu *emu, const uint64_t *a);
int64_t emu_sys_timer_settime(struct emu *emu, const uint64_t *a);
int64_t emu_sys_timer_gettime(struct emu *emu, const uint64_t *a);
int64_t emu_sys_timer_getoverrun(struct emu *emu, const uint64_t *a);
int64_t emu_sys_timer_delete(struct emu *emu, const uint64_t *a);

/* ---- task.c: tasks, the run lock, blocking and waking ---- */

/** emu_task_init() - the task's wake descriptor. 0 or a negative errno. */
int emu_task_init(struct emu *emu);
void emu_task_exit(struct emu *emu);
/**
 * emu_task_block() - before a host call that may block: release the run lock so that
 * other tasks run. Until emu_task_unblock(), the caller must not touch guest memory,
 * mm/, the engine or any machine state.
 */
void emu_task_block(struct emu *emu);
/** emu_task_unblock() - after the blocking host call: take the run lock back. */
void emu_task_unblock(struct emu *emu);
/**
 * emu_task_wake_fd() - a host descriptor that polls readable once emu_task_wake() was
 * called: a blocking call polls it beside its own descriptors, and returns -EINTR (or
 * restarts) when it fires and a signal is deliverable.
 */
int emu_task_wake_fd(struct emu *emu);
/** emu_task_wake() - from any thread: end @emu's blocking wait (a signal, an exit). */
void emu_task_wake(struct emu *emu);
/** emu_task_wake_clear() - drain the wake descriptor before looking at what woke it. */
void emu_task_wake_clear(struct emu *emu);

/* ---- report.c ---- */

/** emu_report_end() - explain on stderr why the guest ended, if it did not exit itself. */
void emu_report_end(struct emu *emu);
/** emu_signal_name() - "SIGSEGV" for 11. */
const char *emu_signal_name(int sig);

/* ---- check.c: --check and --inject ---- */

/** emu_check_setup() - after mm_create(): the detector and fault injection as asked. */
void emu_check_setup(struct emu *emu);
/**
 * emu_check_mm() - with --check, mm_validate() after the mm operation @what (printf
 * format); a violation is reported and ends the guest (EMU_END_CHECK, status 125).
 * Return: 0, or -1 after a violation.
 */
int emu_check_mm(struct emu *emu, const char *what, ...) __attribute__((format(printf, 2, 3)));
/**
 * emu_check_syscall() - after the handler of an mm syscall @name (a row flagged EMU_SC_MM
 * in syscall.c; NULL for any other call): emu_check_mm().
 */
void emu_check_syscall(struct emu *emu, const char *name, const uint64_t *a, int64_t ret);
/**
 * emu_check_fill() - after mm_fill_tlb(@va) returned @err (@paddr on success);
 * @faults: stats.faults before.
 */
void emu_check_fill(struct emu *emu, uint64_t va, int err, uint64_t faults, uint64_t paddr);
/** emu_check_fetch() - --check=access: an instruction fetch at virtual @va. */
void emu_check_fetch(struct emu *emu, uint64_t va);
/**
 * emu_check_data() - --check=access: a load or store the engine's TLB translated to
 * physical @paddr (Unicorn's memory hooks see physical addresses in its virtual-TLB mode).
 */
void emu_check_data(struct emu *emu, uint64_t paddr, mm_access_t access);
/** emu_check_exit() - after exit_mmap(): detector reports and leaks; the status to give. */
int emu_check_exit(struct emu *emu, int status);

/* ---- stats.c ---- */

void emu_stats_print(const struct emu_result *r, FILE *out);
/* emu_stats_compare() - the --compare table: one column per run of @res, @n of them. */
void emu_stats_compare(const struct emu_result *const *res, unsigned n, FILE *out);

/* ---- run.c ---- */

/**
 * emu_run() - load @argv[0]'s @path and run it to the end.
 * @res: filled with the counters, after exit_mmap() has run.
 * Return: the exit status mmuemu should give.
 */
int emu_run(const struct emu_options *opt, const char *path, int argc, char **argv,
	    struct emu_result *res);

/* ---- exec.c ---- */

/** emu_sys_execve(), emu_sys_execveat() - replace the program (exec.c). */
int64_t emu_sys_execve(struct emu *emu, const uint64_t *a);
int64_t emu_sys_execveat(struct emu *emu, const uint64_t *a);

/* ---- guestmem.c: a leaf ---- */

/**
 * emu_peek() - read guest memory as the hardware would for @access, without faulting
 * anything in and without setting accessed bits.
 * Return: bytes read (stops at the first page that is not accessible).
 */
uint64_t emu_peek(struct emu *emu, uint64_t va, void *buf, uint64_t n, mm_access_t access);
/** emu_uaccess() - copy_from_user()/copy_to_user() as arch/'s struct arch_uaccess. */
struct arch_uaccess emu_uaccess(struct emu *emu);

/* ---- warn.c: a leaf ---- */

/** emu_warn() - "mmuemu: " and a message on stderr. */
void emu_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
