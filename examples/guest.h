/* SPDX-License-Identifier: MIT */
/*
 * guest.h - the whole runtime of a freestanding example guest: raw system calls, the entry
 * point and a line printer. No libc, so the system calls an example makes are exactly the
 * ones it writes, and `mmuemu --trace=syscall` shows nothing else.
 *
 * Build: -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie -no-pie -O2.
 * Include this header from exactly one source file per program: it defines _start.
 *
 * Guest ABI constants carry a _LINUX suffix so that they cannot be mistaken for a host
 * header's. They are the same on x86_64, arm64 and riscv64 except the system call numbers
 * (arm64 and riscv64 share the asm-generic ones).
 */
#ifndef MMUEMU_EXAMPLES_GUEST_H
#define MMUEMU_EXAMPLES_GUEST_H

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__)
#define GUEST_ARCH "x86_64"
#define SYS_write_LINUX       1
#define SYS_mmap_LINUX        9
#define SYS_mprotect_LINUX    10
#define SYS_munmap_LINUX      11
#define SYS_brk_LINUX         12
#define SYS_exit_group_LINUX  231
#elif defined(__aarch64__)
#define GUEST_ARCH "arm64"
#define SYS_write_LINUX       64
#define SYS_mmap_LINUX        222
#define SYS_mprotect_LINUX    226
#define SYS_munmap_LINUX      215
#define SYS_brk_LINUX         214
#define SYS_exit_group_LINUX  94
#elif defined(__riscv) && __riscv_xlen == 64
#define GUEST_ARCH "riscv64"
#define SYS_write_LINUX       64
#define SYS_mmap_LINUX        222
#define SYS_mprotect_LINUX    226
#define SYS_munmap_LINUX      215
#define SYS_brk_LINUX         214
#define SYS_exit_group_LINUX  94
#else
#error "guest.h: only x86_64, arm64 and riscv64 guests"
#endif

#define PAGE_SIZE_LINUX           4096ul

#define PROT_NONE_LINUX           0x0
#define PROT_READ_LINUX           0x1
#define PROT_WRITE_LINUX          0x2
#define MAP_PRIVATE_LINUX         0x02
#define MAP_FIXED_LINUX           0x10
#define MAP_ANONYMOUS_LINUX       0x20
#define MAP_FIXED_NOREPLACE_LINUX 0x100000

#define EEXIST_LINUX              17
#define MAX_ERRNO_LINUX           4095

/* ---- system calls ---- */

#if defined(__x86_64__)
static inline long guest_syscall6(long nr, long a0, long a1, long a2, long a3, long a4,
				  long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__riscv)
static inline long guest_syscall6(long nr, long a0, long a1, long a2, long a3, long a4,
				  long a5)
{
	register long r_a7 __asm__("a7") = nr;
	register long r_a0 __asm__("a0") = a0;
	register long r_a1 __asm__("a1") = a1;
	register long r_a2 __asm__("a2") = a2;
	register long r_a3 __asm__("a3") = a3;
	register long r_a4 __asm__("a4") = a4;
	register long r_a5 __asm__("a5") = a5;

	__asm__ volatile("ecall"
			 : "+r"(r_a0)
			 : "r"(r_a7), "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5)
			 : "memory");
	return r_a0;
}
#else
static inline long guest_syscall6(long nr, long a0, long a1, long a2, long a3, long a4,
				  long a5)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a0;
	register long x1 __asm__("x1") = a1;
	register long x2 __asm__("x2") = a2;
	register long x3 __asm__("x3") = a3;
	register long x4 __asm__("x4") = a4;
	register long x5 __asm__("x5") = a5;

	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}
#endif

/* A raw return value in [-4095, -1] is a negative errno. */
static inline int guest_is_err(long ret)
{
	return (unsigned long)ret >= (unsigned long)-MAX_ERRNO_LINUX;
}

static inline long sys_write(int fd, const void *buf, size_t len)
{
	return guest_syscall6(SYS_write_LINUX, fd, (long)buf, (long)len, 0, 0, 0);
}

static inline long sys_mmap(uintptr_t addr, size_t len, int prot, int flags)
{
	return guest_syscall6(SYS_mmap_LINUX, (long)addr, (long)len, prot, flags, -1, 0);
}

static inline long sys_munmap(uintptr_t addr, size_t len)
{
	return guest_syscall6(SYS_munmap_LINUX, (long)addr, (long)len, 0, 0, 0, 0);
}

static inline long sys_mprotect(uintptr_t addr, size_t len, int prot)
{
	return guest_syscall6(SYS_mprotect_LINUX, (long)addr, (long)len, prot, 0, 0, 0);
}

static inline long sys_brk(uintptr_t brk)
{
	return guest_syscall6(SYS_brk_LINUX, (long)brk, 0, 0, 0, 0, 0);
}

static inline __attribute__((noreturn)) void sys_exit_group(int status)
{
	for (;;)
		guest_syscall6(SYS_exit_group_LINUX, status, 0, 0, 0, 0, 0);
}

/* ---- printing: one line is built up, then written with a single write(2) ---- */

static char guest_line[512];
static size_t guest_line_len;

static inline void pr_char(char c)
{
	if (guest_line_len < sizeof(guest_line))
		guest_line[guest_line_len++] = c;
}

static inline void pr_str(const char *s)
{
	while (*s)
		pr_char(*s++);
}

/* @v in hexadecimal with a 0x prefix and no leading zeros. */
static inline void pr_hex(uint64_t v)
{
	int shift = 60;

	pr_str("0x");
	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		pr_char("0123456789abcdef"[(v >> shift) & 0xf]);
}

static inline void pr_dec(uint64_t v)
{
	char digits[20];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		pr_char(digits[--n]);
}

/* End the line and write it to @fd. */
static inline void pr_end_fd(int fd)
{
	pr_char('\n');
	sys_write(fd, guest_line, guest_line_len);
	guest_line_len = 0;
}

static inline void pr_end(void)
{
	pr_end_fd(1);
}

/* Print "error: @what failed: -ERRNO" to stderr and exit with status 1. */
static inline __attribute__((noreturn)) void guest_die(const char *what, long err)
{
	guest_line_len = 0;
	pr_str("error: ");
	pr_str(what);
	pr_str(" failed: -");
	pr_dec((uint64_t)-err);
	pr_end_fd(2);
	sys_exit_group(1);
}

/* mmap(2) that dies on failure. */
static inline uintptr_t guest_mmap(uintptr_t addr, size_t len, int prot, int flags,
				   const char *what)
{
	long ret = sys_mmap(addr, len, prot, flags);

	if (guest_is_err(ret))
		guest_die(what, ret);
	return (uintptr_t)ret;
}

/*
 * mmap(2) of anonymous read-write memory at exactly @addr. MAP_FIXED_NOREPLACE fails with
 * EEXIST instead of replacing whatever is there; a kernel older than 4.17 takes the flag as
 * a hint, so the address is checked as well.
 */
static inline uintptr_t guest_mmap_at(uintptr_t addr, size_t len, const char *what)
{
	uintptr_t got = guest_mmap(addr, len, PROT_READ_LINUX | PROT_WRITE_LINUX,
				   MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX |
				   MAP_FIXED_NOREPLACE_LINUX, what);

	if (got != addr)
		guest_die(what, -EEXIST_LINUX);
	return got;
}

static inline void guest_munmap(uintptr_t addr, size_t len, const char *what)
{
	long ret = sys_munmap(addr, len);

	if (guest_is_err(ret))
		guest_die(what, ret);
}

/* Volatile accesses, so that every load and store the source names reaches memory. */
static inline void poke(uintptr_t addr, uint64_t v)
{
	*(volatile uint64_t *)addr = v;
}

static inline uint64_t peek(uintptr_t addr)
{
	return *(volatile uint64_t *)addr;
}

/* ---- entry ---- */

int main(int argc, char **argv);

/*
 * The kernel starts a static program with the stack pointer at argc, followed by the argv
 * pointers, a NULL, the environment and the auxiliary vector.
 */
__attribute__((noreturn, used)) void guest_start_c(long *sp)
{
	sys_exit_group(main((int)sp[0], (char **)(sp + 1)));
}

#if defined(__x86_64__)
__asm__(".text\n"
	".globl _start\n"
	".type _start, @function\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call guest_start_c\n"
	"	hlt\n"
	".size _start, . - _start\n");
#elif defined(__riscv)
__asm__(".text\n"
	".globl _start\n"
	".type _start, @function\n"
	"_start:\n"
	"	.option push\n"
	"	.option norelax\n"
	"	la gp, __global_pointer$\n"	/* gp-relative accesses after linker relaxation */
	"	.option pop\n"
	"	li ra, 0\n"
	"	li s0, 0\n"
	"	mv a0, sp\n"
	"	andi sp, sp, -16\n"
	"	call guest_start_c\n"
	"	ebreak\n"
	".size _start, . - _start\n");
#else
__asm__(".text\n"
	".globl _start\n"
	".type _start, %function\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x30, #0\n"
	"	mov x0, sp\n"
	"	bl guest_start_c\n"
	"	brk #0\n"
	".size _start, . - _start\n");
#endif

/* String equality for argument parsing: 1 when @a and @b are equal. */
static inline int guest_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

#endif
