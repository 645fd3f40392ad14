/* SPDX-License-Identifier: MIT */
/*
 * signals.h - signals of the one guest thread: dispositions, the blocked mask and pending
 * set, the alternate stack, and delivery to handlers through each architecture's
 * rt_sigframe (arch/<name>/signal.c).
 * (Not "signal.h": emu/ is on the include path, and that name would hide <signal.h>.)
 *
 * Two delivery points, as in Linux:
 *  - synchronous: a fault or CPU exception stopped the engine; the run loop asks
 *    emu_signal_trap() to force the signal (force_sig_fault: a blocked or ignored one is
 *    unblocked and reset to SIG_DFL) and resumes at the handler, or ends with the report;
 *  - asynchronous: kill/tgkill/tkill to itself leave the signal pending; it is delivered
 *    on the way out of the syscall hook (emu_signal_syscall_exit()).
 * The dispositions live in emu->proc->sigactions in the guest's struct sigaction layout
 * (handler, flags, restorer, mask: the same on x86_64 and arm64), the blocked mask in
 * emu->sigmask.
 */
#ifndef MMUEMU_SIGNALS_H
#define MMUEMU_SIGNALS_H

#include <stdbool.h>
#include <stdint.h>

#define EMU_SIG_MAX 64

struct emu;

/**
 * struct emu_sigstate - what struct emu keeps for signals besides the dispositions.
 * @pending: bit sig - 1 for each pending signal (one instance each, no queue).
 * @info: the siginfo each pending signal carries.
 * @ss_sp, @ss_size, @ss_flags: sigaltstack (@ss_size 0: none; @ss_flags SS_AUTODISARM).
 * @tramp: address of the sigreturn trampoline page once mapped (arm64), else 0.
 * @fault_addr, @fault_code, @trapno: the thread's last fault, shown in every frame as
 *     the kernel's thread.cr2/error_code/trap_nr and fault_address/fault_code are.
 * @bad_frame_sp: sp where a frame could not be written, for the report.
 * @saved_mask, @restore_mask: rt_sigsuspend's mask to put back (the kernel's
 *     saved_sigmask): the next frame saves it, or the syscall exit restores it.
 */
struct emu_sigstate {
	uint64_t pending;
	uint8_t info[EMU_SIG_MAX + 1][128];
	uint64_t ss_sp, ss_size;
	uint32_t ss_flags;
	uint64_t tramp;
	uint64_t fault_addr, fault_code;
	unsigned trapno;
	uint64_t bad_frame_sp;
	uint64_t saved_mask;
	bool restore_mask;
};

/*
 * The system calls, each with the six raw arguments (syscall.c's table calls them).
 * Return: what the guest sees in its return register.
 */
/** emu_signal_exec() - execve: handlers back to SIG_DFL, no alternate stack. */
void emu_signal_exec(struct emu *emu);
int64_t emu_sys_rt_sigaction(struct emu *emu, const uint64_t *a);
int64_t emu_sys_rt_sigprocmask(struct emu *emu, const uint64_t *a);
int64_t emu_sys_rt_sigpending(struct emu *emu, const uint64_t *a);
int64_t emu_sys_rt_sigreturn(struct emu *emu, const uint64_t *a);
int64_t emu_sys_sigaltstack(struct emu *emu, const uint64_t *a);
int64_t emu_sys_kill(struct emu *emu, const uint64_t *a);
int64_t emu_sys_tgkill(struct emu *emu, const uint64_t *a);
int64_t emu_sys_tkill(struct emu *emu, const uint64_t *a);

/**
 * emu_signal_send() - make @sig pending for the guest, as kill(2) from itself
 * (@si_code SI_USER or SI_TKILL). A signal ignored now is dropped.
 */
void emu_signal_send(struct emu *emu, int sig, int si_code);

/**
 * emu_signal_queue() - make @sig pending with the siginfo @info (a timer's).
 * Return: false if it was pending already (the caller counts an overrun) or is ignored.
 */
bool emu_signal_queue(struct emu *emu, int sig, const uint8_t *info);

/**
 * emu_signal_interrupt() - the engine stopped between two instructions for a kick:
 * take expired timers, and deliver every pending signal that is not blocked.
 */
void emu_signal_interrupt(struct emu *emu);

/**
 * emu_signal_syscall_exit() - from the syscall hook, after the result is in its
 * register: deliver every pending signal that is not blocked (handlers get frames, a
 * default action may end the guest).
 */
void emu_signal_syscall_exit(struct emu *emu);

/**
 * emu_signal_trap() - the run loop stopped with emu->end EMU_END_FAULT or
 * EMU_END_EXCEPTION at *@pc. If the guest handles the signal, build its frame, set
 * emu->end back to EMU_END_NONE and *@pc to the handler. Otherwise set emu->status to
 * the signal and leave emu->end for the report.
 * Return: true if emulation should go on at *@pc.
 */
bool emu_signal_trap(struct emu *emu, uint64_t *pc);

#endif
