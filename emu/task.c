/* SPDX-License-Identifier: MIT */
/*
 * task.c - the tasks of the machine and the run lock they share (issues 11 and 12).
 *
 * Every task runs on a host thread of its own and owns a vCPU, but only the task that
 * holds the machine's run lock executes guest code or touches guest memory and mm/. A
 * system call that may block in the host (a read of an empty pipe, wait4, poll) releases
 * the lock around the host call with emu_task_block() and emu_task_unblock(), and waits
 * on the task's wake descriptor beside its own, so that a signal another task sends, or a
 * timer, ends the wait.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "emu/emu.h"

int emu_task_init(struct emu *emu)
{
	emu->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return emu->wake_fd < 0 ? -errno : 0;
}

void emu_task_exit(struct emu *emu)
{
	if (emu->wake_fd >= 0)
		close(emu->wake_fd);
	emu->wake_fd = -1;
}

void emu_task_block(struct emu *emu)
{
	pthread_mutex_unlock(&emu->machine->run_lock);
}

void emu_task_unblock(struct emu *emu)
{
	pthread_mutex_lock(&emu->machine->run_lock);
}

int emu_task_wake_fd(struct emu *emu)
{
	return emu->wake_fd;
}

void emu_task_wake(struct emu *emu)
{
	uint64_t one = 1;

	if (emu->wake_fd >= 0 && write(emu->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, so the task is woken already. */
	}
}

void emu_task_wake_clear(struct emu *emu)
{
	uint64_t v;

	if (emu->wake_fd >= 0 && read(emu->wake_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing to clear. */
	}
}
