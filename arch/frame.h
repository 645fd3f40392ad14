/* SPDX-License-Identifier: MIT */
/*
 * frame.h - little helpers for the CPU half of arch/ (signal frames, registers): fields of a
 * little-endian guest structure in a host buffer, and Unicorn registers as plain integers.
 * Included only by arch/<name>/signal.c and cpu.c, which may see Unicorn.
 */
#ifndef MMUEMU_ARCH_FRAME_H
#define MMUEMU_ARCH_FRAME_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

#include <unicorn/unicorn.h>

static inline void put16(uint8_t *p, uint64_t v)
{
	uint16_t le = htole16((uint16_t)v);

	memcpy(p, &le, 2);
}

static inline void put32(uint8_t *p, uint64_t v)
{
	uint32_t le = htole32((uint32_t)v);

	memcpy(p, &le, 4);
}

static inline void put64(uint8_t *p, uint64_t v)
{
	uint64_t le = htole64(v);

	memcpy(p, &le, 8);
}

static inline uint16_t get16(const uint8_t *p)
{
	uint16_t le;

	memcpy(&le, p, 2);
	return le16toh(le);
}

static inline uint32_t get32(const uint8_t *p)
{
	uint32_t le;

	memcpy(&le, p, 4);
	return le32toh(le);
}

static inline uint64_t get64(const uint8_t *p)
{
	uint64_t le;

	memcpy(&le, p, 8);
	return le64toh(le);
}

/* rd() / wr() - a 64-bit register; Unicorn's errors are not expected for valid ids. */
static inline uint64_t rd(struct uc_struct *uc, int reg)
{
	uint64_t v = 0;

	uc_reg_read(uc, reg, &v);
	return v;
}

static inline void wr(struct uc_struct *uc, int reg, uint64_t v)
{
	uc_reg_write(uc, reg, &v);
}

#endif
