/* SPDX-License-Identifier: MIT */
/*
 * arch.h - what an architecture gives the rest of mmuemu.
 *
 * An architecture is one const struct arch_ops, defined in arch/<name>/, made of two halves
 * (each a const struct of its own, so that mm/ links the first without Unicorn):
 *
 *  - struct arch_mmu: the page-table format and the hardware page walk. mm/ sees only this
 *    half and never asks which architecture it is talking to. Levels, index bits and the
 *    page size are data here, so generic code assumes neither 4 levels nor 4 KiB pages.
 *  - struct arch_cpu: registers, syscall ABI, fault decoding and disassembly mode, used by
 *    emu/. It names Unicorn's and Capstone's constants as plain ints so that this header
 *    does not pull either library into mm/.
 *
 * Levels are numbered from the root: level 0 is the top table (x86_64 PML4, arm64 L0) and
 * level levels-1 holds the leaf entries that map pages (x86_64 PT, arm64 L3). In Linux's
 * words, for four levels: 0 = pgd, 1 = pud, 2 = pmd, 3 = pte.
 */
#ifndef MMUEMU_ARCH_H
#define MMUEMU_ARCH_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/abi.h"
#include "arch/arches.h"

#define ARCH_MAX_LEVELS 5

/*
 * Protection and access bits, shared by the whole program. They are the guest's PROT_*
 * values (identical on x86_64 and arm64), so mmap's prot argument can be used as is.
 */
#define MM_PROT_NONE  0u
#define MM_PROT_READ  1u
#define MM_PROT_WRITE 2u
#define MM_PROT_EXEC  4u
#define MM_PROT_SEM   8u	/* accepted by mprotect, ignored */

/* The access that caused a walk; one of MM_PROT_READ, MM_PROT_WRITE, MM_PROT_EXEC. */
typedef unsigned mm_access_t;

/**
 * struct arch_mem - the host's view of guest physical memory, for walkers.
 * @base: host address of guest physical address 0.
 * @size: bytes of guest physical memory; an entry beyond it is a walk error.
 */
struct arch_mem {
	uint8_t *base;
	uint64_t size;
};

#define ARCH_WALK_F_NOUPDATE 0x1u /* look only: set no accessed or dirty bit */

enum arch_walk_result {
	ARCH_WALK_OK = 0,       /* translation found and allows the access */
	ARCH_WALK_NOT_PRESENT,  /* an entry at w->fault_level was not valid */
	ARCH_WALK_PROT,         /* valid translation that forbids the access */
	ARCH_WALK_BAD_TABLE,    /* a malformed entry: a table or a leaf's frame outside
				 * physical memory, or reserved bits */
};

/**
 * struct arch_walk - one hardware page walk, recorded level by level.
 * @result: outcome, see enum arch_walk_result.
 * @nr_levels: entries read, root first (fault_level + 1 on a NOT_PRESENT result; 0 when the
 *             address was refused before any entry was read: non-canonical, kernel half).
 * @entry_paddr: guest physical address of each entry read.
 * @entry: each entry's value as read, before accessed/dirty bits were set.
 * @fault_level: level that stopped the walk, or -1: the missing entry's level, the leaf's
 *               level for ARCH_WALK_PROT, the level of the bad table for BAD_TABLE (a
 *               table outside memory: nr_levels == fault_level, the entry above pointed
 *               there) or the leaf's level (a frame outside memory: the leaf was read).
 * @paddr: on success, guest physical address of the byte at the walked vaddr.
 * @prot: on success or ARCH_WALK_PROT, the MM_PROT_* the translation grants a user access.
 * @tlb_prot: on success, what may be cached in the emulator TLB: @prot minus what must come
 *            back to the walker (write on a clean page, so that the first write sets dirty;
 *            with ARCH_WALK_F_NOUPDATE a write leaves the page clean, so write stays out).
 */
struct arch_walk {
	enum arch_walk_result result;
	unsigned nr_levels;
	uint64_t entry_paddr[ARCH_MAX_LEVELS];
	uint64_t entry[ARCH_MAX_LEVELS];
	int fault_level;
	uint64_t paddr;
	unsigned prot;
	unsigned tlb_prot;
};

/* arch_mem_load() / arch_mem_store() - a little-endian 64-bit entry at @paddr. */
static inline uint64_t arch_mem_load(const struct arch_mem *mem, uint64_t paddr)
{
	uint64_t v;

	memcpy(&v, mem->base + paddr, sizeof(v));
	return le64toh(v);
}

static inline void arch_mem_store(const struct arch_mem *mem, uint64_t paddr, uint64_t e)
{
	uint64_t v = htole64(e);

	memcpy(mem->base + paddr, &v, sizeof(v));
}

/**
 * arch_mem_holds() - [@paddr, @paddr + @len) lies wholly inside guest physical memory.
 * Every leaf a walk finds is checked with it over the whole of its span (a 1 GiB block
 * too) before anything may reach host memory through it.
 */
static inline bool arch_mem_holds(const struct arch_mem *mem, uint64_t paddr, uint64_t len)
{
	return paddr <= mem->size && len <= mem->size - paddr;
}

/*
 * One hardware page walk is one loop, arch_walk() (arch/walk.c), written once for every
 * architecture. It owns the order of the walk: the VA bound (task_size), the index at each
 * level from the level table (shift, index_bits), the entry's address checked against
 * physical memory before it is read, the record in struct arch_walk, the leaf's frame
 * checked over its whole span, the permission check, and the accessed/dirty stores, made
 * only when the access completes. What an entry means is the architecture's step.
 */

/* What arch_mmu.walk_step() found in one entry. */
enum arch_step {
	ARCH_STEP_TABLE,    /* points to the next level's table, at out->next */
	ARCH_STEP_LEAF,     /* maps a frame at out->next (any level that allows it) */
	ARCH_STEP_INVALID,  /* the hardware would not use it: a not-present fault here */
	ARCH_STEP_RESERVED, /* valid but malformed (reserved bits): ARCH_WALK_BAD_TABLE here */
};

/**
 * struct arch_step_out - one entry decoded by arch_mmu.walk_step().
 * @limits: in and out: the architecture's hierarchical restrictions, ORed on the way down
 *          (0 at the root). x86_64 keeps RW and US clear in any entry so far, and NX;
 *          arm64 keeps APTable and UXNTable. The step reads it at the leaf.
 * @next: TABLE: the next table's physical address. LEAF: the frame's address as the entry
 *        holds it; the loop aligns it down to the level's span (arch_level_size()).
 * @update: the entry as the hardware leaves it once this access completes: x86_64 A (and D
 *          in the leaf on a write), arm64 AF and, on a write to a DBM page, AP[2] cleared.
 *          The loop stores it, for every level read, only on success and without
 *          ARCH_WALK_F_NOUPDATE.
 * @prot: LEAF: the MM_PROT_* granted to a user-mode access, all levels considered.
 * @tlb_prot: LEAF, on success: @prot minus what must come back to the walker, judged on
 *            the entry as it will be (@update, or the entry itself with NOUPDATE): write on
 *            a clean page, so that the first write sets dirty.
 */
struct arch_step_out {
	uint64_t limits;
	uint64_t next;
	uint64_t update;
	unsigned prot;
	unsigned tlb_prot;
};

/**
 * struct arch_tlb_flush - what one mmu_gather flush must cover.
 * @start, @end: union of the VAs whose entries were cleared.
 * @cleared_levels: bit L set when entries at level L were cleared.
 * @freed_tables: table pages were unlinked, so cached walks must go too.
 * @fullmm: the whole address space is going away (exit).
 */
struct arch_tlb_flush {
	uint64_t start, end;
	unsigned cleared_levels;
	bool freed_tables;
	bool fullmm;
};

/**
 * struct arch_tlb_plan - how this architecture's Linux would invalidate for that flush.
 * @full: the whole TLB (x86 CR3 write) or the whole ASID (arm64 TLBI ASIDE1IS).
 * @ops: invalidation instructions issued (0: none needed).
 * @stride_shift: log2 of the step between per-address invalidations.
 * @insn: the instruction, e.g. "INVLPG", "TLBI VALE1IS", "TLBI VAE1IS".
 */
struct arch_tlb_plan {
	bool full;
	uint64_t ops;
	unsigned stride_shift;
	const char *insn;
};

/**
 * struct arch_mmu - page-table format and walker of one architecture.
 *
 * Entries are 64 bits, little-endian in guest memory, on both current architectures.
 * "Present" below has Linux's pte_present() meaning: the entry maps a frame, even if the
 * hardware would not use it (PROT_NONE leaves are present but not valid).
 */
struct arch_mmu {
	const char *name;                      /* "x86_64", "arm64" */
	unsigned page_shift;                   /* 12 for 4 KiB pages */
	unsigned levels;                       /* number of table levels */
	unsigned shift[ARCH_MAX_LEVELS];       /* VA shift of each level's index, root first */
	unsigned index_bits[ARCH_MAX_LEVELS];  /* index width of each level */
	unsigned va_bits;                      /* width of the user address space */
	uint64_t task_size;                    /* exclusive end of user addresses (TASK_SIZE) */
	uint64_t mmap_base;                    /* top of the top-down mmap area */
	uint64_t stack_top;                    /* initial stack top (exclusive) */
	const char *level_name[ARCH_MAX_LEVELS]; /* "PML4", "PDPT", ... / "L0", ... */

	/** mk_table() - entry at @level pointing to the table at @table_paddr. */
	uint64_t (*mk_table)(uint64_t table_paddr, unsigned level);
	/**
	 * mk_leaf() - leaf entry mapping the frame at @paddr with MM_PROT_* @prot. A @prot of
	 * MM_PROT_NONE gives a present-but-invalid entry that still holds the frame.
	 * Entries are made as Linux makes them: accessed, and writable ones clean.
	 */
	uint64_t (*mk_leaf)(uint64_t paddr, unsigned prot);
	/** leaf_modify_prot() - @e with its protection replaced by @prot; frame, A and D kept. */
	uint64_t (*leaf_modify_prot)(uint64_t e, unsigned prot);
	/** entry_present() - @e at @level maps a frame or points to a table. */
	bool (*entry_present)(uint64_t e, unsigned level);
	/** entry_is_table() - @e at @level (not the last) points to a next-level table. */
	bool (*entry_is_table)(uint64_t e, unsigned level);
	/** entry_paddr() - frame or table address held by a present @e. */
	uint64_t (*entry_paddr)(uint64_t e);
	/** leaf_prot() - MM_PROT_* granted to user mode by the present leaf @e. */
	unsigned (*leaf_prot)(uint64_t e);
	/** leaf_dirty() - the hardware has written through the leaf @e. */
	bool (*leaf_dirty)(uint64_t e);
	/** leaf_young() - the hardware has accessed through the leaf @e. */
	bool (*leaf_young)(uint64_t e);
	/**
	 * leaf_mkclean() - @e made clean again (its data written back), so that the next write
	 * goes through the walker and dirties it anew: x86 clears D; arm64 sets AP[2] on a DBM
	 * page and clears the software dirty bit.
	 */
	uint64_t (*leaf_mkclean)(uint64_t e);
	/**
	 * walk() - translate @va for a user-mode @access, as the hardware would.
	 * @mmu: this struct.
	 * @mem: guest physical memory holding the tables.
	 * @root: physical address of the level-0 table (CR3 / TTBR0_EL1 base).
	 * @va: virtual address; need not be page-aligned.
	 * @access: MM_PROT_READ, MM_PROT_WRITE or MM_PROT_EXEC.
	 * @flags: ARCH_WALK_F_* (0 for the hardware's own behaviour).
	 * @w: filled with every entry read and the outcome.
	 *
	 * Every architecture sets this to arch_walk(), the one loop, and describes its format
	 * in walk_step. On success the accessed and dirty bits are set in memory as the
	 * hardware would, unless @flags has ARCH_WALK_F_NOUPDATE. A @va at or above task_size
	 * (which also covers non-canonical x86 addresses and the kernel half) is
	 * ARCH_WALK_NOT_PRESENT at level 0 with nothing read.
	 * Return: w->result.
	 */
	enum arch_walk_result (*walk)(const struct arch_mmu *mmu, const struct arch_mem *mem,
				      uint64_t root, uint64_t va, mm_access_t access,
				      unsigned flags, struct arch_walk *w);
	/**
	 * walk_step() - decode the entry @e read at @level for a user-mode @access.
	 * @flags: the walk's ARCH_WALK_F_*, for out->tlb_prot.
	 * @out: see struct arch_step_out; out->limits holds what the levels above left.
	 *
	 * The step is pure: it reads no memory and writes none. It says whether @e is a
	 * table, a leaf or a fault (and which), fills @out->next, @out->update and
	 * @out->limits, and for a leaf @out->prot and @out->tlb_prot. A leaf is allowed at
	 * any level the format allows (x86_64 PS in a PDPTE or PDE; arm64 blocks at L1 and
	 * L2; RISC-V any level with R or X set). An access the leaf does not grant (or that
	 * the format refuses, e.g. a RISC-V leaf with A clear where the hardware does not set
	 * it) is expressed by leaving it out of @out->prot: the loop turns that into
	 * ARCH_WALK_PROT at this level.
	 * Return: the kind of entry, enum arch_step.
	 */
	enum arch_step (*walk_step)(const struct arch_mmu *mmu, unsigned level, uint64_t e,
				    mm_access_t access, unsigned flags,
				    struct arch_step_out *out);
	/** describe_entry() - human-readable bits of @e at @level, e.g. "P RW US A NX". */
	void (*describe_entry)(uint64_t e, unsigned level, char *buf, size_t len);
	/**
	 * tlb_flush_plan() - the invalidation this architecture's Linux issues for @f
	 * (arch/<name>/tlb.c). Optional: without it mm/ plans one full flush. mm/ still
	 * flushes the emulator; the plan feeds the statistics that compare architectures.
	 */
	void (*tlb_flush_plan)(const struct arch_mmu *mmu, const struct arch_tlb_flush *f,
			       struct arch_tlb_plan *plan);
};

/* Derived sizes, written once here so no caller recomputes them. */
static inline uint64_t arch_page_size(const struct arch_mmu *m)
{
	return UINT64_C(1) << m->page_shift;
}

/* Bytes of address space one entry at @level covers. */
static inline uint64_t arch_level_size(const struct arch_mmu *m, unsigned level)
{
	return UINT64_C(1) << m->shift[level];
}

/* Bytes of address space one table at @level covers (a whole table, not one entry). */
static inline uint64_t arch_table_span(const struct arch_mmu *m, unsigned level)
{
	unsigned s = m->shift[level] + m->index_bits[level];

	return s >= 64 ? 0 : UINT64_C(1) << s;
}

static inline unsigned arch_level_index(const struct arch_mmu *m, unsigned level, uint64_t va)
{
	return (unsigned)((va >> m->shift[level]) & ((UINT64_C(1) << m->index_bits[level]) - 1));
}

/* Entries in one table at @level. */
static inline unsigned arch_ptrs_per_table(const struct arch_mmu *m, unsigned level)
{
	return 1u << m->index_bits[level];
}

/**
 * arch_walk() - the hardware page walk of every architecture (arch/walk.c): the loop over
 * @mmu's levels, calling @mmu->walk_step on each entry. Arguments as arch_mmu.walk.
 */
enum arch_walk_result arch_walk(const struct arch_mmu *mmu, const struct arch_mem *mem,
				uint64_t root, uint64_t va, mm_access_t access, unsigned flags,
				struct arch_walk *w);

/**
 * arch_tlb_unmap_shift() - Linux's tlb_get_unmap_shift(): log2 of the invalidation stride
 * for a flush that cleared entries at the levels in @cleared_levels (bit L for level L).
 * The finest level cleared decides; with none, the page size.
 */
unsigned arch_tlb_unmap_shift(const struct arch_mmu *mmu, unsigned cleared_levels);

struct uc_struct;

/*
 * struct stat as the guest's fstat() fills it: its size, then the offset and width in bytes
 * of each field (width 0: the field does not exist). Part of struct arch_abi.
 */
struct arch_stat_field {
	uint8_t off, len;
};

struct arch_stat_layout {
	uint16_t size;
	struct arch_stat_field dev, ino, mode, nlink, uid, gid, rdev, size_, blksize, blocks;
	struct arch_stat_field atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
};

/**
 * struct arch_abi - one syscall ABI family: the kernel's syscall numbers and struct stat.
 * x86_64 has its own (arch/x86_64/abi.c); arm64 and riscv64 share asm-generic's
 * (arch/generic/abi.c). No Unicorn in either, so that tests link them.
 * @name: "x86_64", "asm-generic", for messages.
 * @syscalls: the kernel's name (its __NR_ name) of each syscall number that emu/ serves,
 *     NULL for the others. emu/syscall.c maps each name to its row in the syscall table:
 *     a name here without a row there is a bug it reports at the first syscall.
 * @nr_syscalls: entries in @syscalls.
 * @stat: the guest's struct stat.
 */
struct arch_abi {
	const char *name;
	const char *const *syscalls;
	unsigned nr_syscalls;
	struct arch_stat_layout stat;
};

extern const struct arch_abi x86_64_abi, arch_generic_abi;

/**
 * struct arch_oflags - the four open(2) flags whose values differ between architectures;
 * every other O_* bit is the same everywhere (arch/abi.h).
 */
struct arch_oflags {
	uint32_t direct, largefile, directory, nofollow;
};

/* asm-generic/fcntl.h's values, which x86_64 and riscv64 keep (arm64 has its own). */
#define ARCH_GENERIC_OFLAGS \
	{ .direct = 040000, .largefile = 0100000, .directory = 0200000, .nofollow = 0400000 }

/**
 * struct arch_cpu_hooks - what the engine calls back during emulation.
 * @syscall: a guest syscall instruction, with the PC already past it.
 * @exception: any other CPU exception; @intno is Unicorn's number (see arch_signal.trap).
 * @user: passed back to both.
 * The caller owns the struct; it must outlive the engine it is installed on.
 */
struct arch_cpu_hooks {
	void (*syscall)(struct uc_struct *uc, void *user);
	void (*exception)(struct uc_struct *uc, uint32_t intno, void *user);
	void *user;
};

/*
 * Signal delivery (arch/<name>/signal.c): the frame each kernel builds on the user stack.
 * Guest memory is reached through struct arch_uaccess, so that arch/ needs no mm/.
 */
#define ARCH_SIGINFO_SIZE 128

/**
 * struct arch_uaccess - copy_from_user()/copy_to_user() for arch/: 0 or -EFAULT.
 */
struct arch_uaccess {
	void *ctx;
	int (*read)(void *ctx, void *dst, uint64_t src, uint64_t n);
	int (*write)(void *ctx, uint64_t dst, const void *src, uint64_t n);
};

/**
 * struct arch_sigdeliver - one signal to deliver to a handler.
 * @siginfo: ARCH_SIGINFO_SIZE bytes in the guest's layout (copied with SA_SIGINFO).
 * @blocked: the mask in force before delivery, saved in uc_sigmask.
 * @restorer: where the handler returns: sa_restorer, or the sigreturn trampoline.
 * @ss_sp, @ss_size, @ss_flags: the alternate stack (@ss_size 0: none) and its flags as
 *     sigaltstack() stored them, SS_DISABLE when none: uc_stack is saved as is.
 * @fault_addr, @fault_code, @trapno: the thread's last fault (x86 cr2, error code and
 *     trap number; arm64 FAR and ESR, @trapno unused).
 */
struct arch_sigdeliver {
	int signo;
	uint64_t handler, sa_flags, restorer;
	const uint8_t *siginfo;
	uint64_t blocked;
	uint64_t ss_sp, ss_size;
	uint32_t ss_flags;
	uint64_t fault_addr, fault_code;
	unsigned trapno;
};

/*
 * The alternate signal stack, in one place for emu/ and every arch/ (Linux's
 * on_sig_stack(), sas_ss_flags() and sigsp()), with arch/abi.h's SS_ and SA_ONSTACK values,
 * the same on every architecture.
 */

static inline bool arch_on_sig_stack(uint64_t ss_sp, uint64_t ss_size, uint64_t sp)
{
	return sp > ss_sp && sp - ss_sp <= ss_size;
}

static inline uint32_t arch_sas_ss_flags(uint64_t ss_sp, uint64_t ss_size, uint64_t sp)
{
	if (!ss_size)
		return SS_DISABLE_LINUX;
	return arch_on_sig_stack(ss_sp, ss_size, sp) ? SS_ONSTACK_LINUX : 0;
}

/*
 * Where the frame for @d goes below the interrupted @sp (after any red zone): the top of
 * the alternate stack if SA_ONSTACK asks and it is not in use yet (*@entering), else @sp.
 */
static inline uint64_t arch_sigsp(const struct arch_sigdeliver *d, uint64_t sp, bool *entering)
{
	*entering = (d->sa_flags & SA_ONSTACK_LINUX) && !arch_sas_ss_flags(d->ss_sp, d->ss_size, sp);
	return *entering ? d->ss_sp + d->ss_size : sp;
}

/** struct arch_sigreturn - what rt_sigreturn found in the frame, for the generic part. */
struct arch_sigreturn {
	uint64_t blocked;
	uint64_t ss_sp, ss_size;
	uint32_t ss_flags;
	uint64_t ret;             /* the restored return register: the syscall's result */
};

/* Run-loop exception numbers beside the engine's: an undecodable instruction, a halt. */
#define ARCH_INTNO_INVALID_INSN UINT32_MAX
#define ARCH_INTNO_HALT (UINT32_MAX - 1)
/* An instruction Unicorn calls invalid that Linux traps on (arch_cpu.trap_insn). */
#define ARCH_INTNO_TRAP_INSN (UINT32_MAX - 2)

/** struct arch_trap - a CPU exception as the kernel reports it in siginfo. */
struct arch_trap {
	int signo;
	int si_code;
	uint64_t addr;            /* si_addr */
	unsigned trapno;          /* x86 vector */
	uint64_t code;            /* x86 error code, arm64 ESR */
	const char *what;         /* for the report: "divide error (#DE)" */
	bool fatal;               /* the kernel kills the task (die()): no handler runs */
};

struct arch_signal {
	uint64_t minsigstksz;     /* MINSIGSTKSZ */
	unsigned fault_trapno;    /* the trap number a page fault shows in the frame (x86 14) */
	/* A sigreturn trampoline to map when a handler has no SA_RESTORER, or NULL. */
	const uint8_t *trampoline;
	unsigned trampoline_len;
	/**
	 * deliver() - build the rt_sigframe below the interrupted context of @uc (or on the
	 * alternate stack) and make the CPU enter the handler. @in_syscall: called from the
	 * syscall hook, with the syscall's result already in its register.
	 * Return: 0, or -EFAULT when the frame cannot be written (Linux then forces SIGSEGV).
	 */
	int (*deliver)(struct uc_struct *uc, bool in_syscall, const struct arch_sigdeliver *d,
		       const struct arch_uaccess *ua);
	/**
	 * sigreturn() - rt_sigreturn from the syscall hook: restore registers and FP state
	 * from the frame at the stack pointer. Return: 0, or -EFAULT for a bad frame.
	 */
	int (*sigreturn)(struct uc_struct *uc, const struct arch_uaccess *ua,
			 struct arch_sigreturn *r);
	/**
	 * trap() - the signal for CPU exception @intno (or EMU's invalid/halt numbers) with
	 * the PC at *@pc as the run loop found it; may move *@pc where Linux reports it.
	 */
	void (*trap)(uint32_t intno, uint64_t *pc, struct arch_trap *t);
};

/**
 * struct arch_cpu - the CPU side of an architecture, for emu/.
 *
 * Register and mode fields hold Unicorn's and Capstone's enum values as ints.
 * The function members are implemented in arch/<name>/cpu.c, which may include Unicorn.
 */
struct arch_cpu {
	uint16_t elf_machine;     /* EM_X86_64, EM_AARCH64 */
	const char *uname_machine; /* "x86_64", "aarch64" */
	const char *platform;     /* AT_PLATFORM string, or NULL for none */
	uint64_t et_dyn_base;     /* load address of a static-pie (Linux's ELF_ET_DYN_BASE) */
	int uc_arch, uc_mode;
	int cs_arch, cs_mode;
	int reg_pc, reg_sp;
	int reg_sysno;            /* register holding the syscall number */
	int reg_args[6];          /* syscall argument registers */
	int reg_ret;              /* syscall return register */
	uint64_t hwcap;           /* AT_HWCAP */
	uint64_t hwcap2;          /* AT_HWCAP2 */
	int reg_gs_base;          /* x86_64: GS base for arch_prctl(ARCH_SET_GS); 0 if none */
	/*
	 * An instruction that halts the CPU (Unicorn then stops with no error): the signal
	 * Linux sends for it in user mode, or 0 when user mode may run it and simply goes on
	 * (arm64 wfi, wfe); and its length, to point back at it. At CPL3, x86 hlt is a #GP
	 * like any privileged instruction and never halts.
	 */
	int halt_signal;
	unsigned halt_insn_len;
	/*
	 * An instruction that Unicorn rejects as invalid but Linux treats as a trap (x86
	 * int1): its bytes, or NULL. emu/ reports it as ARCH_INTNO_TRAP_INSN.
	 */
	const uint8_t *trap_insn;
	unsigned trap_insn_len;

	/* The syscall numbers and struct stat: &x86_64_abi, or &arch_generic_abi. */
	const struct arch_abi *abi;
	struct arch_oflags oflags; /* the open flags this architecture numbers its own way */

	/** cpu_init() - architectural set-up of a fresh engine (control registers, FP). */
	int (*cpu_init)(struct uc_struct *uc);
	/** set_tls() / get_tls() - thread pointer (FS base / TPIDR_EL0). */
	int (*set_tls)(struct uc_struct *uc, uint64_t tp);
	int (*get_tls)(struct uc_struct *uc, uint64_t *tp);

	/** hook_install() - install @hooks on @uc. Return: 0 or a Unicorn error. */
	int (*hook_install)(struct uc_struct *uc, struct arch_cpu_hooks *hooks);
	/**
	 * set_pc_in_syscall() - make the guest resume at @pc when the current syscall hook
	 * returns (x86_64's hook adds the instruction length after the hook).
	 */
	int (*set_pc_in_syscall)(struct uc_struct *uc, uint64_t pc);
	/**
	 * fpu_trap_next() - make the next FPU instruction trap as after a lazy FPU switch
	 * (x86 CR0.TS: #NM, which the exception hook then clears), for --inject=lazy-fpu.
	 * NULL where there is no such trap.
	 */
	int (*fpu_trap_next)(struct uc_struct *uc);
	/**
	 * fault_code() - the hardware's own fault syndrome for a failed walk: the x86 #PF
	 * error code, or the arm64 ESR_EL1 value.
	 */
	uint64_t (*fault_code)(const struct arch_walk *w, mm_access_t access);
	/** describe_fault_code() - @code from fault_code() in words, for fault reports. */
	void (*describe_fault_code)(uint64_t code, char *buf, size_t len);
	/**
	 * fault_addr() - the exact address a faulting instruction accessed, worked out from
	 * its decoded operands and the registers of @uc. @cs_insn is a Capstone cs_insn with
	 * detail, or, where the installed capstone lacks the architecture, one that holds only
	 * address, size and bytes (detail NULL) for the architecture to decode itself.
	 * Return: true if the address is known and lies in [@page, @page + @size).
	 */
	bool (*fault_addr)(struct uc_struct *uc, const void *cs_insn, uint64_t page,
			   uint64_t size, uint64_t *addr);
	/** @signal: signal frames and traps (arch/<name>/signal.c). */
	const struct arch_signal *signal;
};

/**
 * struct arch_ops - one architecture.
 */
struct arch_ops {
	const char *name;
	const struct arch_mmu *mmu;
	const struct arch_cpu *cpu;
};

/*
 * The objects of every architecture in this build (arch/arches.h, generated from the
 * 'arches' option): SYM_mmu (arch/SYM/mmu.c), SYM_cpu (cpu.c), SYM_signal (signal.c) and
 * SYM_arch (arch/arch.c). Each half is its own object so that mm/ and its tests link the
 * MMU half without Unicorn.
 */
#define ARCH_DECLARE(sym)                            \
	extern const struct arch_mmu sym##_mmu;      \
	extern const struct arch_cpu sym##_cpu;      \
	extern const struct arch_signal sym##_signal; \
	extern const struct arch_ops sym##_arch;
ARCH_LIST(ARCH_DECLARE)
#undef ARCH_DECLARE

/** arch_by_elf_machine() - the architecture for an ELF e_machine, or NULL. */
const struct arch_ops *arch_by_elf_machine(uint16_t machine);

#endif
