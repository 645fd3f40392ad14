/* SPDX-License-Identifier: MIT */
/*
 * signal.c - the guest's signals: the system calls, and delivery to handlers through the
 * architecture's frame (arch/<name>/signal.c). See signals.h for the two delivery points.
 *
 * As in Linux's kernel/signal.c:
 *  - a synchronous signal is forced: blocked or ignored, it is unblocked and reset to
 *    SIG_DFL, so a fault inside a handler that blocks it kills the guest;
 *  - a frame that cannot be written forces SIGSEGV (and SIGSEGV's own handler is reset to
 *    SIG_DFL first, so a second failure kills);
 *  - delivery blocks sa_mask, and the signal itself unless SA_NODEFER; SA_RESETHAND puts
 *    SIG_DFL back; SA_ONSTACK moves to the alternate stack when not already on it.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <capstone/capstone.h>
#include <glib.h>

#include "emu/emu.h"

#define BIT(sig) (UINT64_C(1) << ((sig) - 1))
#define UNBLOCKABLE (BIT(SIGKILL_LINUX) | BIT(SIGSTOP_LINUX))
/* Dequeued first, as the kernel's SYNCHRONOUS_MASK. */
#define SYNCHRONOUS (BIT(11) | BIT(7) | BIT(4) | BIT(5) | BIT(8) | BIT(31))

struct sig_action {
	uint64_t handler, flags, restorer, mask;
};

static struct sig_action sig_get(struct emu *emu, int sig)
{
	uint64_t w[4];
	struct sig_action a;

	memcpy(w, emu->proc->sigactions[sig], sizeof(w));
	a.handler = le64toh(w[0]);
	a.flags = le64toh(w[1]);
	a.restorer = le64toh(w[2]);
	a.mask = le64toh(w[3]);
	return a;
}

static void sig_put(struct emu *emu, int sig, const struct sig_action *a)
{
	uint64_t w[4] = { htole64(a->handler), htole64(a->flags), htole64(a->restorer),
			  htole64(a->mask) };

	memcpy(emu->proc->sigactions[sig], w, sizeof(w));
}

static void sig_set_handler(struct emu *emu, int sig, uint64_t handler)
{
	struct sig_action a = sig_get(emu, sig);

	a.handler = handler;
	sig_put(emu, sig, &a);
}

/* The default action is to ignore (stop is not modelled: ignored too). */
static bool sig_default_ignore(int sig)
{
	switch (sig) {
	case SIGCHLD_LINUX:
	case SIGCONT_LINUX:
	case SIGURG_LINUX:
	case SIGWINCH_LINUX:
	case SIGSTOP_LINUX:
	case SIGTSTP_LINUX:
	case SIGTTIN_LINUX:
	case SIGTTOU_LINUX:
		return true;
	default:
		return false;
	}
}

static bool sig_handler_ignores(int sig, uint64_t handler)
{
	return handler == SIG_IGN_LINUX || (handler == SIG_DFL_LINUX && sig_default_ignore(sig));
}

/* ---- siginfo ---- */

static void sig_info_fault(uint8_t *info, int sig, int code, uint64_t addr)
{
	int32_t w[3] = { (int32_t)htole32((uint32_t)sig), 0, (int32_t)htole32((uint32_t)code) };
	uint64_t a = htole64(addr);

	memset(info, 0, ARCH_SIGINFO_SIZE);
	memcpy(info, w, sizeof(w));
	memcpy(info + 16, &a, sizeof(a));
}

static void sig_info_kill(uint8_t *info, int sig, int code, int pid)
{
	int32_t w[3] = { (int32_t)htole32((uint32_t)sig), 0, (int32_t)htole32((uint32_t)code) };
	uint32_t id[2] = { htole32((uint32_t)pid), htole32((uint32_t)getuid()) };

	memset(info, 0, ARCH_SIGINFO_SIZE);
	memcpy(info, w, sizeof(w));
	memcpy(info + 16, id, sizeof(id));
}

/* ---- the alternate stack ---- */

static bool sig_on_altstack(struct emu *emu, uint64_t sp)
{
	return arch_on_sig_stack(emu->sig.ss_sp, emu->sig.ss_size, sp);
}

/* do_sigaltstack() with the new stack already read. */
static int sig_set_altstack(struct emu *emu, uint64_t ss_sp, uint32_t flags, uint64_t size,
			    uint64_t sp)
{
	uint32_t mode = flags & ~SS_AUTODISARM_LINUX;

	if (sig_on_altstack(emu, sp))
		return -EPERM;
	if (mode != SS_DISABLE_LINUX && mode != SS_ONSTACK_LINUX && mode != 0)
		return -EINVAL;
	if (emu->sig.ss_sp == ss_sp && emu->sig.ss_size == size && emu->sig.ss_flags == flags)
		return 0;
	if (mode == SS_DISABLE_LINUX) {
		ss_sp = 0;
		size = 0;
	} else if (size < emu->cpu->signal->minsigstksz) {
		return -ENOMEM;
	}
	emu->sig.ss_sp = ss_sp;
	emu->sig.ss_size = size;
	emu->sig.ss_flags = flags;
	return 0;
}

/* ---- sending ---- */

/* force_sig_info_to_task(): a blocked or ignored synchronous signal goes back to SIG_DFL. */
static void sig_force(struct emu *emu, int sig, const uint8_t *info)
{
	struct sig_action a = sig_get(emu, sig);
	bool blocked = emu->sigmask & BIT(sig);

	if (blocked || a.handler == SIG_IGN_LINUX) {
		a.handler = SIG_DFL_LINUX;
		sig_put(emu, sig, &a);
		emu->sigmask &= ~BIT(sig);
	}
	emu->sig.pending |= BIT(sig);
	memcpy(emu->sig.info[sig], info, ARCH_SIGINFO_SIZE);
}

/* force_sigsegv(): the frame of @sig could not be written. */
static void sig_force_segv(struct emu *emu, int sig)
{
	uint8_t info[ARCH_SIGINFO_SIZE];

	if (sig == SIGSEGV_LINUX)
		sig_set_handler(emu, SIGSEGV_LINUX, SIG_DFL_LINUX);
	sig_info_fault(info, SIGSEGV_LINUX, SI_KERNEL_LINUX, 0);
	sig_force(emu, SIGSEGV_LINUX, info);
}

bool emu_signal_queue(struct emu *emu, int sig, const uint8_t *info)
{
	struct sig_action a = sig_get(emu, sig);

	if (!(emu->sigmask & BIT(sig)) && sig_handler_ignores(sig, a.handler))
		return false;
	if (emu->sig.pending & BIT(sig))
		return false;
	emu->sig.pending |= BIT(sig);
	memcpy(emu->sig.info[sig], info, ARCH_SIGINFO_SIZE);
	return true;
}

void emu_signal_send(struct emu *emu, int sig, int si_code)
{
	uint8_t info[ARCH_SIGINFO_SIZE];

	/* SEND_SIG_PRIV (an itimer's SIGALRM) carries no sender. */
	if (si_code == SI_KERNEL_LINUX)
		sig_info_fault(info, sig, si_code, 0);
	else
		sig_info_kill(info, sig, si_code, emu->proc->pid);
	emu_signal_queue(emu, sig, info);
}

/* ---- delivery ---- */

/*
 * The sigreturn trampoline page (arm64 without SA_RESTORER), mapped at first need. The
 * kernel maps its [vdso] at exec, out of the way of later mmaps; mapped late, the page asks
 * for mmap_base, the gap above the mmap area, so that it does not fill a hole the guest
 * has just unmapped (and expects to fault on).
 */
static uint64_t sig_trampoline(struct emu *emu)
{
	const struct arch_signal *as = emu->cpu->signal;
	uint64_t page = arch_page_size(emu->mmu);
	int64_t addr;

	if (emu->sig.tramp || !as->trampoline)
		return emu->sig.tramp;
	addr = do_mmap(emu->proc->mm, emu->proc->mm->mmap_base, page, MM_PROT_READ | MM_PROT_EXEC,
		       MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX, 0);
	if (addr < 0)
		return 0;
	if (mm_poke(emu->proc->mm, (uint64_t)addr, as->trampoline, as->trampoline_len) ||
	    mm_name_range(emu->proc->mm, (uint64_t)addr, (uint64_t)addr + page, "[vdso]"))
		return 0;
	emu->sig.tramp = (uint64_t)addr;
	return emu->sig.tramp;
}

/* The next signal to take: synchronous ones first, then the lowest number. */
static int sig_next(struct emu *emu)
{
	uint64_t ready = emu->sig.pending & ~emu->sigmask;

	if (!ready)
		return 0;
	if (ready & SYNCHRONOUS)
		ready &= SYNCHRONOUS;
	return __builtin_ctzll(ready) + 1;
}

static void sig_kill(struct emu *emu, int sig, const char *reason)
{
	emu->end = EMU_END_SIGNAL;
	emu->status = sig;
	if (!emu->kill_reason || reason)
		emu->kill_reason = reason ? reason : "sent by the guest itself";
	if (emu->running)
		emu_engine_stop(emu);
}

/*
 * handle_signal(): build @sig's frame and enter its handler.
 * Return: 0, or -EFAULT when the frame could not be written (SIGSEGV is forced).
 */
static int sig_handle(struct emu *emu, int sig, const uint8_t *info, bool in_syscall)
{
	struct sig_action a = sig_get(emu, sig);
	struct arch_uaccess ua = emu_uaccess(emu);
	struct arch_sigdeliver d = {
		.signo = sig,
		.handler = a.handler,
		.sa_flags = a.flags,
		.siginfo = info,
		.blocked = emu->sig.restore_mask ? emu->sig.saved_mask : emu->sigmask,
		.ss_sp = emu->sig.ss_sp,
		.ss_size = emu->sig.ss_size,
		.ss_flags = emu->sig.ss_size ? emu->sig.ss_flags : SS_DISABLE_LINUX,
		.fault_addr = emu->sig.fault_addr,
		.fault_code = emu->sig.fault_code,
		.trapno = emu->sig.trapno,
	};

	if (a.flags & SA_RESTORER_LINUX)
		d.restorer = a.restorer;
	else
		d.restorer = sig_trampoline(emu);
	if (emu->cpu->signal->deliver(emu->uc, in_syscall, &d, &ua)) {
		emu->sig.bad_frame_sp = emu_reg_read(emu, emu->cpu->reg_sp);
		sig_force_segv(emu, sig);
		return -EFAULT;
	}
	/* The frame holds the mask from before rt_sigsuspend: sigreturn puts it back. */
	emu->sig.restore_mask = false;
	if (emu->machine->opt->trace_syscall) {
		int32_t code;
		uint64_t addr;

		memcpy(&code, info + 8, 4);
		memcpy(&addr, info + 16, 8);
		fprintf(stderr, "--- %s {si_code=%d, si_addr=0x%" PRIx64 "} handler 0x%" PRIx64
			" frame 0x%" PRIx64 " ---\n", emu_signal_name(sig),
			(int32_t)le32toh((uint32_t)code), le64toh(addr), a.handler,
			emu_reg_read(emu, emu->cpu->reg_sp));
	}
	/* signal_delivered(): the frame has saved the altstack, SS_AUTODISARM drops it. */
	if (emu->sig.ss_flags & SS_AUTODISARM_LINUX) {
		emu->sig.ss_sp = 0;
		emu->sig.ss_size = 0;
		emu->sig.ss_flags = 0;
	}
	emu->sigmask |= a.mask;
	if (!(a.flags & SA_NODEFER_LINUX))
		emu->sigmask |= BIT(sig);
	emu->sigmask &= ~UNBLOCKABLE;
	if (a.flags & SA_RESETHAND_LINUX)
		sig_set_handler(emu, sig, SIG_DFL_LINUX);
	return 0;
}

/* get_signal() in a loop: every signal ready now, each on top of the previous frame. */
static void sig_deliver_pending(struct emu *emu, bool in_syscall)
{
	int sig;

	while (emu->end == EMU_END_NONE && (sig = sig_next(emu))) {
		uint8_t info[ARCH_SIGINFO_SIZE];
		struct sig_action a = sig_get(emu, sig);

		emu->sig.pending &= ~BIT(sig);
		memcpy(info, emu->sig.info[sig], sizeof(info));
		if (sig_handler_ignores(sig, a.handler))
			continue;
		if (a.handler == SIG_DFL_LINUX) {
			sig_kill(emu, sig, emu->sig.bad_frame_sp && sig == SIGSEGV_LINUX ?
				 "its signal frame could not be written" : NULL);
			break;
		}
		sig_handle(emu, sig, info, in_syscall);
	}
}

void emu_signal_interrupt(struct emu *emu)
{
	if (emu->end != EMU_END_NONE || !(emu->sig.pending & ~emu->sigmask))
		return;
	emu->sig.bad_frame_sp = 0;
	sig_deliver_pending(emu, false);
}

void emu_signal_syscall_exit(struct emu *emu)
{
	if (emu->end == EMU_END_NONE && (emu->sig.pending & ~emu->sigmask)) {
		emu->sig.bad_frame_sp = 0;
		sig_deliver_pending(emu, true);
	}
	/* restore_saved_sigmask(): no frame took rt_sigsuspend's mask back. */
	if (emu->sig.restore_mask) {
		emu->sigmask = emu->sig.saved_mask;
		emu->sig.restore_mask = false;
	}
}

/*
 * The exact address a faulting data access used: the fill hook only saw its page. Where
 * the installed capstone does not know the architecture, arch_cpu.fault_addr gets a
 * cs_insn that holds only the instruction's bytes (detail NULL), to decode them itself.
 */
static uint64_t sig_fault_addr(struct emu *emu, uint64_t pc)
{
	const struct mm_fault *f = &emu->fault;
	uint64_t page = arch_page_size(emu->mmu), addr = f->addr, exact;
	uint8_t code[16];
	uint64_t n;
	cs_insn *insn, raw;
	size_t count;
	csh cs;

	if (f->access == MM_PROT_EXEC)
		return (pc & ~(page - 1)) == (addr & ~(page - 1)) ? pc : addr;
	n = emu_peek(emu, pc, code, sizeof(code), MM_PROT_EXEC);
	if (!n || !emu->cpu->fault_addr)
		return addr;
	if (cs_open((cs_arch)emu->cpu->cs_arch, (cs_mode)emu->cpu->cs_mode, &cs) != CS_ERR_OK) {
		memset(&raw, 0, sizeof(raw));
		raw.address = pc;
		raw.size = (uint16_t)(n < sizeof(raw.bytes) ? n : sizeof(raw.bytes));
		memcpy(raw.bytes, code, raw.size);
		if (emu->cpu->fault_addr(emu->uc, &raw, addr & ~(page - 1), page, &exact))
			addr = exact;
		return addr;
	}
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	count = cs_disasm(cs, code, n, pc, 1, &insn);
	if (count) {
		if (emu->cpu->fault_addr(emu->uc, insn, addr & ~(page - 1), page, &exact))
			addr = exact;
		cs_free(insn, count);
	}
	cs_close(&cs);
	return addr;
}

bool emu_signal_trap(struct emu *emu, uint64_t *pc)
{
	uint8_t info[ARCH_SIGINFO_SIZE];
	enum emu_end end = emu->end;
	uint64_t handler;
	int sig;

	if (end == EMU_END_FAULT) {
		const struct mm_fault *f = &emu->fault;
		uint64_t addr;

		/* Out of guest memory: the kernel's OOM kill, not a signal the guest sees. */
		sig = f->signo ? f->signo : SIGSEGV_LINUX;
		emu->status = sig;
		if (emu->fault_err != -EFAULT || f->oom)
			return false;
		addr = sig_fault_addr(emu, *pc);
		sig_info_fault(info, sig, f->si_code, addr);
		emu->sig.fault_addr = addr;
		emu->sig.fault_code = emu->cpu->fault_code(&f->walk, f->access);
		emu->sig.trapno = emu->cpu->signal->fault_trapno;
	} else if (end == EMU_END_EXCEPTION) {
		struct arch_trap t;

		emu->cpu->signal->trap(emu->intno, pc, &t);
		sig = t.signo;
		emu->status = sig;
		sig_info_fault(info, sig, t.si_code, t.addr);
		emu->sig.fault_addr = t.addr;
		emu->sig.fault_code = t.code;
		emu->sig.trapno = t.trapno;
		emu_reg_write(emu, emu->cpu->reg_pc, *pc);
		/* die(): killed, whatever the disposition. */
		if (t.fatal)
			return false;
	} else {
		return false;
	}

	handler = sig_get(emu, sig).handler;
	sig_force(emu, sig, info);
	if (sig_get(emu, sig).handler == SIG_DFL_LINUX) {
		emu->sig.pending &= ~BIT(sig);
		if (handler != SIG_DFL_LINUX)
			emu_warn("%s: %s while it was %s: reset to SIG_DFL, as Linux does", emu->comm,
				 emu_signal_name(sig), handler == SIG_IGN_LINUX ? "ignored" :
				 "blocked (inside its own handler?)");
		return false;
	}
	emu->end = EMU_END_NONE;
	emu->sig.bad_frame_sp = 0;
	sig_deliver_pending(emu, false);
	if (emu->end == EMU_END_NONE) {
		*pc = emu_reg_read(emu, emu->cpu->reg_pc);
		return true;
	}
	/* Its frame could not be written: killed by SIGSEGV, reported as the fault it was. */
	if (emu->end == EMU_END_SIGNAL && emu->status == SIGSEGV_LINUX && emu->sig.bad_frame_sp &&
	    end == EMU_END_FAULT && sig == SIGSEGV_LINUX) {
		emu_warn("%s: no room for the SIGSEGV handler's frame below sp %" PRIx64
			 ": killed", emu->comm, emu->sig.bad_frame_sp);
		emu->end = end;
	}
	return false;
}

/* ---- system calls ---- */

int64_t emu_sys_rt_sigaction(struct emu *emu, const uint64_t *a)
{
	uint8_t act[SIGACTION_SIZE_LINUX];
	uint64_t sig = a[0];

	if (a[3] != SIGSET_SIZE_LINUX || sig < 1 || sig > EMU_NSIG)
		return -EINVAL;
	if (a[1] && (sig == SIGKILL_LINUX || sig == SIGSTOP_LINUX))
		return -EINVAL;
	if (a[1] && copy_from_user(emu->proc->mm, act, a[1], sizeof(act)))
		return -EFAULT;
	if (a[2] && copy_to_user(emu->proc->mm, a[2], emu->proc->sigactions[sig], sizeof(act)))
		return -EFAULT;
	if (a[1]) {
		struct sig_action n;

		memcpy(emu->proc->sigactions[sig], act, sizeof(act));
		n = sig_get(emu, (int)sig);
		n.mask &= ~UNBLOCKABLE;
		sig_put(emu, (int)sig, &n);
		/* Setting an ignoring action discards what is pending. */
		if (sig_handler_ignores((int)sig, n.handler))
			emu->sig.pending &= ~BIT(sig);
	}
	return 0;
}

int64_t emu_sys_rt_sigprocmask(struct emu *emu, const uint64_t *a)
{
	uint64_t set, old = emu->sigmask;

	if (a[3] != SIGSET_SIZE_LINUX)
		return -EINVAL;
	if (a[1]) {
		if (a[0] > SIG_SETMASK_LINUX)
			return -EINVAL;
		if (copy_from_user(emu->proc->mm, &set, a[1], sizeof(set)))
			return -EFAULT;
		set = le64toh(set);
		if (a[0] == SIG_BLOCK_LINUX)
			emu->sigmask |= set;
		else if (a[0] == SIG_UNBLOCK_LINUX)
			emu->sigmask &= ~set;
		else
			emu->sigmask = set;
		emu->sigmask &= ~UNBLOCKABLE;
	}
	if (a[2]) {
		uint64_t le = htole64(old);

		if (copy_to_user(emu->proc->mm, a[2], &le, sizeof(le)))
			return -EFAULT;
	}
	return 0;
}

int64_t emu_sys_rt_sigpending(struct emu *emu, const uint64_t *a)
{
	uint64_t set = htole64(emu->sig.pending & emu->sigmask);

	if (a[1] > SIGSET_SIZE_LINUX)
		return -EINVAL;
	return copy_to_user(emu->proc->mm, a[0], &set, a[1]) ? -EFAULT : 0;
}

int64_t emu_sys_rt_sigreturn(struct emu *emu, const uint64_t *a)
{
	struct arch_uaccess ua = emu_uaccess(emu);
	struct arch_sigreturn r;
	uint8_t info[ARCH_SIGINFO_SIZE];

	if (emu->cpu->signal->sigreturn(emu->uc, &ua, &r)) {
		sig_info_fault(info, SIGSEGV_LINUX, SI_KERNEL_LINUX, 0);
		sig_force(emu, SIGSEGV_LINUX, info);
		emu->kill_reason = "rt_sigreturn found a bad signal frame";
		return 0;
	}
	emu->sigmask = r.blocked & ~UNBLOCKABLE;
	/* restore_altstack(): errors other than -EFAULT are ignored. */
	sig_set_altstack(emu, r.ss_sp, r.ss_flags, r.ss_size,
			 emu_reg_read(emu, emu->cpu->reg_sp));
	return (int64_t)r.ret;
}

int64_t emu_sys_sigaltstack(struct emu *emu, const uint64_t *a)
{
	uint64_t sp = emu_reg_read(emu, emu->cpu->reg_sp);
	uint8_t ss[24], old[24];
	uint64_t v;
	uint32_t f;
	int err;

	memset(old, 0, sizeof(old));
	v = htole64(emu->sig.ss_sp);
	memcpy(old, &v, 8);
	f = htole32(arch_sas_ss_flags(emu->sig.ss_sp, emu->sig.ss_size, sp) | (emu->sig.ss_flags & SS_AUTODISARM_LINUX));
	memcpy(old + 8, &f, 4);
	v = htole64(emu->sig.ss_size);
	memcpy(old + 16, &v, 8);
	if (a[0]) {
		uint64_t ss_sp, ss_size;

		if (copy_from_user(emu->proc->mm, ss, a[0], sizeof(ss)))
			return -EFAULT;
		memcpy(&ss_sp, ss, 8);
		memcpy(&f, ss + 8, 4);
		memcpy(&ss_size, ss + 16, 8);
		err = sig_set_altstack(emu, le64toh(ss_sp), le32toh(f), le64toh(ss_size), sp);
		if (err)
			return err;
	}
	if (a[1] && copy_to_user(emu->proc->mm, a[1], old, sizeof(old)))
		return -EFAULT;
	return 0;
}

static int64_t sig_send_checked(struct emu *emu, uint64_t sig, int code)
{
	if (sig > EMU_NSIG)
		return -EINVAL;
	if (sig)
		emu_signal_send(emu, (int)sig, code);
	return 0;
}

int64_t emu_sys_kill(struct emu *emu, const uint64_t *a)
{
	int32_t pid = (int32_t)a[0];

	/* Itself, its process group (the same number), or 0; -1 means everyone else. */
	if (pid != emu->proc->pid && pid != 0 && pid != -emu->proc->pgid)
		return -ESRCH;
	return sig_send_checked(emu, a[1], SI_USER_LINUX);
}

int64_t emu_sys_tgkill(struct emu *emu, const uint64_t *a)
{
	if ((int32_t)a[0] <= 0 || (int32_t)a[1] <= 0)
		return -EINVAL;
	if ((int32_t)a[0] != emu->proc->pid || (int32_t)a[1] != emu->tid)
		return -ESRCH;
	return sig_send_checked(emu, a[2], SI_TKILL_LINUX);
}

int64_t emu_sys_tkill(struct emu *emu, const uint64_t *a)
{
	if ((int32_t)a[0] <= 0)
		return -EINVAL;
	if ((int32_t)a[0] != emu->tid)
		return -ESRCH;
	return sig_send_checked(emu, a[1], SI_TKILL_LINUX);
}

/* flush_signal_handlers(): handled signals go back to SIG_DFL, ignored ones stay ignored. */
void emu_signal_exec(struct emu *emu)
{
	for (int sig = 1; sig <= EMU_NSIG; sig++) {
		struct sig_action a = sig_get(emu, sig);

		if (a.handler == SIG_IGN_LINUX) {
			a = (struct sig_action){ .handler = SIG_IGN_LINUX };
		} else {
			a = (struct sig_action){ .handler = SIG_DFL_LINUX };
		}
		sig_put(emu, sig, &a);
	}
	emu->sig.ss_sp = emu->sig.ss_size = 0;
	emu->sig.ss_flags = 0;
	emu->sig.tramp = 0;
	emu->sig.restore_mask = false;
}
