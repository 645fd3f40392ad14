/* SPDX-License-Identifier: MIT */
/*
 * regs.c - the guest CPU's registers and the two ways to stop it, for every layer of
 * emu/. A leaf: it calls nothing else in emu/, only Unicorn (engine.c is the rest of the
 * Unicorn adapter).
 */
#include <stdatomic.h>

#include <unicorn/unicorn.h>

#include "emu/emu.h"

uint64_t emu_reg_read(struct emu *emu, int reg)
{
	uint64_t v = 0;

	uc_reg_read(emu->uc, reg, &v);
	return v;
}

void emu_reg_write(struct emu *emu, int reg, uint64_t v)
{
	uc_reg_write(emu->uc, reg, &v);
}

/* From a hook, on the guest's thread: the run loop sees @stop_requested. */
void emu_engine_stop(struct emu *emu)
{
	emu->stop_requested = true;
	uc_emu_stop(emu->uc);
}

/*
 * From any thread. uc_emu_stop() only sets flags (docs/ENGINE.md): the generated code
 * tests them at the start of every translation block. The count tells the run loop that
 * the stop was a kick.
 */
void emu_engine_kick(struct emu *emu)
{
	atomic_fetch_add(&emu->kicks, 1);
	uc_emu_stop(emu->uc);
}
