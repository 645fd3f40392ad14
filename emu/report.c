/* SPDX-License-Identifier: MIT */
/*
 * report.c - why the guest ended, when it did not exit by itself.
 *
 * A fault gets the kernel's own one-line summary (the line show_signal_msg() prints on
 * x86), then what the kernel cannot say: the decoded fault code, the instruction, the
 * hardware page walk entry by entry, the VMAs around the address, and which operation
 * unmapped it. Example:
 *
 *   mmuemu: munmap_fault[1000]: segfault at 7ffff7ffd000 ip 0000000000401549 sp ...
 *       ... 00007fffffffee00 error 4 in munmap_fault[401000+1000]        (one line)
 *     signal:      SIGSEGV (SEGV_MAPERR: no mapping at the address)
 *     access:      read, user mode
 *     error:       #PF error code 0x4: not-present page, read, user mode
 *     instruction: 0x401549: mov rax, qword ptr [r13 + 0x1000]   (49 8b 85 00 10 00 00)
 *     page walk:   PML4 [255] @ 0x0000017f8 = 0x0000000000008067  P RW US A D frame=0x8000
 *                  ...
 *                  PT   [509] @ 0x00000dfe8 = 0x0000000000000000  none  <- not present: ...
 *     vmas:        below  7ffff7ffc000-7ffff7ffd000 rw-p 00000000 00:00 0
 *                  gap    7ffff7ffd000-7ffff7ffe000 (4 KiB), the address is 0x0 bytes into it
 *                  above  7ffff7ffe000-7ffff7fff000 rw-p 00000000 00:00 0
 *     unmapped by: munmap(0x7ffff7ffd000, 0x1000) = mm operation #7, syscall #6
 *
 * Nothing here faults pages in or sets accessed bits: memory is read with emu_peek(), which
 * walks without side effects, so the report leaves the counters as the guest left them.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include <capstone/capstone.h>
#include <glib.h>

#include "emu/emu.h"

#define R_INDENT "  "
#define R_LABEL  "%-13s"

/*
 * Linux's names. Real-time signals are numbered from the kernel's SIGRTMIN, 32, up to
 * SIGRTMAX, 64, as SIGRTMIN, SIGRTMIN+1 ... SIGRTMAX-1, SIGRTMAX (the form of kill -l; glibc
 * keeps 32 and 33 for itself and calls 34 its SIGRTMIN, but the guest's libc is its own
 * business). Any other number is "SIG" and the number, as strace prints one it does not know.
 */
#ifndef SIGPIPE_LINUX
#define SIGPIPE_LINUX 13
#endif
#define SIGALRM_LINUX 14
#define SIGVTALRM_LINUX 26
#define SIGPROF_LINUX 27
#define SIGRTMIN_LINUX 32
#define SIGRTMAX_LINUX 64

const char *emu_signal_name(int sig)
{
	static char buf[24];
	const char *abbrev = sig > 0 && sig < SIGRTMIN_LINUX ? sigabbrev_np(sig) : NULL;

	if (abbrev)
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	else if (sig == SIGRTMIN_LINUX)
		snprintf(buf, sizeof(buf), "SIGRTMIN");
	else if (sig == SIGRTMAX_LINUX)
		snprintf(buf, sizeof(buf), "SIGRTMAX");
	else if (sig > SIGRTMIN_LINUX && sig <= (SIGRTMIN_LINUX + SIGRTMAX_LINUX) / 2)
		snprintf(buf, sizeof(buf), "SIGRTMIN+%d", sig - SIGRTMIN_LINUX);
	else if (sig > SIGRTMIN_LINUX && sig < SIGRTMAX_LINUX)
		snprintf(buf, sizeof(buf), "SIGRTMAX-%d", SIGRTMAX_LINUX - sig);
	else
		snprintf(buf, sizeof(buf), "SIG%d", sig);
	return buf;
}

/* mm_format_vma() and the walk columns pad with spaces: none at the end of a line. */
static char *rstrip(char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

static const char *access_name(mm_access_t access)
{
	switch (access) {
	case MM_PROT_WRITE:
		return "write";
	case MM_PROT_EXEC:
		return "instruction fetch";
	default:
		return "read";
	}
}

/* " in name[start+size]" for the file mapping holding @ip, as the kernel prints it. */
static void report_vma_of_ip(struct emu *emu, uint64_t ip, GString *s)
{
	struct vm_area_struct *vma = vma_lookup(emu->proc->mm, ip);
	const char *name;

	if (!vma || !vma->vm_name || vma->vm_name[0] == '[')
		return;
	name = strrchr(vma->vm_name, '/');
	name = name ? name + 1 : vma->vm_name;
	g_string_append_printf(s, " in %s[%" PRIx64 "+%" PRIx64 "]", name, vma->vm_start,
			       vma->vm_end - vma->vm_start);
}

/*
 * Decode the instruction at @pc. If the fault was a data access, let the architecture work
 * out the exact address from the operands (the fill hook only sees the page).
 */
static void report_instruction(struct emu *emu, uint64_t pc, const struct mm_fault *f,
			       uint64_t *addr, FILE *out)
{
	uint64_t page = arch_page_size(emu->mmu);
	uint8_t code[16];
	uint64_t n = emu_peek(emu, pc, code, sizeof(code), MM_PROT_EXEC);
	csh cs;
	cs_insn *insn;
	size_t count;

	fprintf(out, R_INDENT R_LABEL, "instruction:");
	if (n == 0) {
		fprintf(out, "none: the PC 0x%" PRIx64 " is not mapped executable\n", pc);
		return;
	}
	if (cs_open((cs_arch)emu->cpu->cs_arch, (cs_mode)emu->cpu->cs_mode, &cs) != CS_ERR_OK) {
		cs_insn raw = { .address = pc };

		/* This capstone lacks the architecture: the bytes, and the address from them. */
		raw.size = (uint16_t)(n < sizeof(raw.bytes) ? n : sizeof(raw.bytes));
		memcpy(raw.bytes, code, raw.size);
		fprintf(out, "0x%" PRIx64 ": (no disassembler for this architecture in capstone %d)   (",
			pc, CS_API_MAJOR);
		for (unsigned i = 0; i < 4 && i < n; i++)
			fprintf(out, "%s%02x", i ? " " : "", code[i]);
		fprintf(out, ")\n");
		if (f && f->access != MM_PROT_EXEC && addr && emu->cpu->fault_addr) {
			uint64_t exact;

			if (emu->cpu->fault_addr(emu->uc, &raw, *addr & ~(page - 1), page, &exact))
				*addr = exact;
		}
		return;
	}
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	count = cs_disasm(cs, code, n, pc, 1, &insn);
	if (count == 0) {
		fprintf(out, "0x%" PRIx64 ": (cannot decode: %02x %02x %02x %02x)\n", pc, code[0],
			n > 1 ? code[1] : 0, n > 2 ? code[2] : 0, n > 3 ? code[3] : 0);
		cs_close(&cs);
		return;
	}
	fprintf(out, "0x%" PRIx64 ": %s%s%s   (", pc, insn->mnemonic, insn->op_str[0] ? " " : "",
		insn->op_str);
	for (unsigned i = 0; i < insn->size; i++)
		fprintf(out, "%s%02x", i ? " " : "", insn->bytes[i]);
	fprintf(out, ")\n");
	if (f && f->access != MM_PROT_EXEC && addr && emu->cpu->fault_addr) {
		uint64_t exact;

		if (emu->cpu->fault_addr(emu->uc, insn, *addr & ~(page - 1), page, &exact))
			*addr = exact;
	}
	cs_free(insn, count);
	cs_close(&cs);
}

static void report_walk(struct emu *emu, const struct mm_fault *f, FILE *out)
{
	const struct arch_mmu *mmu = emu->mmu;
	const struct arch_walk *w = &f->walk;
	char desc[128], line[320];

	fprintf(out, R_INDENT R_LABEL, "page walk:");
	if (w->nr_levels == 0) {
		fprintf(out, "no entry read (the address is outside the translated range)\n");
		return;
	}
	for (unsigned i = 0; i < w->nr_levels && i < ARCH_MAX_LEVELS; i++) {
		const char *mark = "";

		mmu->describe_entry(w->entry[i], i, desc, sizeof(desc));
		if ((int)i == w->fault_level) {
			switch (w->result) {
			case ARCH_WALK_NOT_PRESENT:
				mark = "  <- not present: the walk stops here";
				break;
			case ARCH_WALK_PROT:
				mark = f->access == MM_PROT_WRITE ? "  <- forbids the write" :
				       f->access == MM_PROT_EXEC ? "  <- forbids the instruction fetch" :
				       "  <- forbids the read";
				break;
			case ARCH_WALK_BAD_TABLE:
				mark = "  <- points outside guest physical memory";
				break;
			default:
				break;
			}
		}
		snprintf(line, sizeof(line), "%s%-5s[%3u] @ 0x%09" PRIx64 " = 0x%016" PRIx64
			 "  %-24s%s", i ? R_INDENT "             " : "",
			 mmu->level_name[i] ? mmu->level_name[i] : "?",
			 arch_level_index(mmu, i, f->addr), w->entry_paddr[i], w->entry[i], desc, mark);
		fprintf(out, "%s\n", rstrip(line));
	}
	if (w->result == ARCH_WALK_NOT_PRESENT && w->fault_level >= 0 &&
	    (unsigned)w->fault_level + 1 < mmu->levels)
		fprintf(out, R_INDENT "             (no %s table below: never allocated, or freed "
			"by free_pgtables)\n", mmu->level_name[w->fault_level + 1]);
}

static void report_vmas(struct emu *emu, uint64_t addr, FILE *out)
{
	struct vm_area_struct *above = find_vma(emu->proc->mm, addr), *below = NULL, *v;
	struct vma_iterator vmi;
	char line[256];
	uint64_t gap_start, gap_end;

	if (above && above->vm_start <= addr) {
		mm_format_vma(emu->proc->mm, above, line, sizeof(line));
		fprintf(out, R_INDENT R_LABEL "%s\n", "vma:", rstrip(line));
		fprintf(out, R_INDENT "             (the address is 0x%" PRIx64 " bytes into it)\n",
			addr - above->vm_start);
		return;
	}
	vma_iter_init(&vmi, emu->proc->mm, 0);
	while ((v = vma_next(&vmi)) && v->vm_end <= addr)
		below = v;

	if (addr >= emu->mmu->task_size) {
		fprintf(out, R_INDENT R_LABEL "none: the address is above the user address space "
			"(which ends at 0x%" PRIx64 ")\n", "vmas:", emu->mmu->task_size);
		return;
	}
	fprintf(out, R_INDENT R_LABEL, "vmas:");
	if (below) {
		mm_format_vma(emu->proc->mm, below, line, sizeof(line));
		fprintf(out, "below  %s\n", rstrip(line));
	} else {
		fprintf(out, "below  (none)\n");
	}
	gap_start = below ? below->vm_end : 0;
	gap_end = above ? above->vm_start : emu->mmu->task_size;
	fprintf(out, R_INDENT "             gap    %012" PRIx64 "-%012" PRIx64
		" (%" PRIu64 " KiB), the address is 0x%" PRIx64 " bytes into it\n",
		gap_start, gap_end, (gap_end - gap_start) / 1024, addr - gap_start);
	if (above) {
		mm_format_vma(emu->proc->mm, above, line, sizeof(line));
		fprintf(out, R_INDENT "             above  %s\n", rstrip(line));
	} else {
		fprintf(out, R_INDENT "             above  (none)\n");
	}
}

static void report_unmap(struct emu *emu, uint64_t addr, FILE *out)
{
	const struct mm_unmap_record *r = mm_find_unmap(emu->proc->mm, addr);

	fprintf(out, R_INDENT R_LABEL, "unmapped by:");
	if (!r) {
		fprintf(out, "never mapped\n");
		return;
	}
	if (!strcmp(r->op, "brk"))
		fprintf(out, "brk(0x%" PRIx64 ")", r->arg_addr);
	else if (strchr(r->op, '('))
		fprintf(out, "%s at 0x%" PRIx64 ", length 0x%" PRIx64, r->op, r->arg_addr,
			r->arg_len);
	else
		fprintf(out, "%s(0x%" PRIx64 ", 0x%" PRIx64 ")", r->op, r->arg_addr, r->arg_len);
	fprintf(out, " = mm operation #%" PRIu64, r->seq);
	if (r->caller_seq)
		fprintf(out, ", syscall #%" PRIu64, r->caller_seq);
	else
		fprintf(out, ", before the guest started");
	if (r->start != r->arg_addr || r->end - r->start != r->arg_len)
		fprintf(out, " (unmapped %012" PRIx64 "-%012" PRIx64 ")", r->start, r->end);
	fprintf(out, "\n");
}

static void report_fault(struct emu *emu, uint64_t pc, uint64_t sp, FILE *out)
{
	const struct mm_fault *f = &emu->fault;
	uint64_t page = arch_page_size(emu->mmu);
	uint64_t addr = f->addr, code;
	char desc[160];
	GString *head = g_string_new(NULL);
	char *instr_buf = NULL;
	size_t instr_len = 0;
	FILE *instr;

	/* The fetch of the instruction itself: the PC is the exact address. */
	if (f->access == MM_PROT_EXEC && (pc & ~(page - 1)) == (addr & ~(page - 1)))
		addr = pc;
	/* Decode first: it refines the address the first line shows. */
	instr = open_memstream(&instr_buf, &instr_len);
	report_instruction(emu, pc, f, &addr, instr);
	fclose(instr);

	code = emu->cpu->fault_code(&f->walk, f->access);
	if (f->oom) {
		uint64_t mem = emu->machine->opt->mem_size;
		/* The size as given: 1100 KiB is not "1 MiB". */
		bool mib = !(mem & ((UINT64_C(1) << 20) - 1));

		g_string_append_printf(head, "mmuemu: %s[%d]: out of guest memory (%" PRIu64
				       " %s) at %" PRIx64 " ip %016" PRIx64 " sp %016" PRIx64,
				       emu->comm, emu->tid, mib ? mem >> 20 : mem >> 10,
				       mib ? "MiB" : "KiB", addr, pc, sp);
	} else {
		/* "segfault" is SIGSEGV's word; a SIGBUS is a "bus error" (strsignal's). */
		g_string_append_printf(head, "mmuemu: %s[%d]: %s at %" PRIx64 " ip %016" PRIx64
				       " sp %016" PRIx64 " error %" PRIx64, emu->comm,
				       emu->tid,
				       f->signo == SIGBUS_LINUX ? "bus error" : "segfault", addr,
				       pc, sp, code);
	}
	report_vma_of_ip(emu, pc, head);
	fprintf(out, "%s\n", head->str);
	g_string_free(head, TRUE);

	fprintf(out, R_INDENT R_LABEL, "signal:");
	if (f->oom)
		fprintf(out, "SIGSEGV (out of guest memory: the mapping allows the %s, but no frame "
			"or page-table page is left; see --mem)\n", access_name(f->access));
	else if (f->signo == SIGBUS_LINUX && f->walk.result == ARCH_WALK_BAD_TABLE)
		fprintf(out, "SIGBUS (BUS_ADRERR: non-existent physical address: a page-table "
			"entry points outside guest memory)\n");
	else if (f->signo == SIGBUS_LINUX)
		fprintf(out, "SIGBUS (BUS_ADRERR: the page is past the end of the mapped file)\n");
	else if (f->si_code == SEGV_ACCERR_LINUX)
		fprintf(out, "SIGSEGV (SEGV_ACCERR: the mapping forbids %s)\n",
			f->access == MM_PROT_WRITE ? "a write" :
			f->access == MM_PROT_EXEC ? "instruction fetch" : "a read");
	else
		fprintf(out, "SIGSEGV (SEGV_MAPERR: no mapping at the address)\n");
	fprintf(out, R_INDENT R_LABEL "%s, user mode\n", "access:", access_name(f->access));
	emu->cpu->describe_fault_code(code, desc, sizeof(desc));
	fprintf(out, R_INDENT R_LABEL "%s\n", "error:", desc);
	fputs(instr_buf, out);
	free(instr_buf);
	report_walk(emu, f, out);
	report_vmas(emu, addr, out);
	if (!f->oom && f->si_code != SEGV_ACCERR_LINUX)
		report_unmap(emu, addr, out);
}

static void report_exception(struct emu *emu, uint64_t pc, uint64_t sp, FILE *out)
{
	GString *head = g_string_new(NULL);
	struct arch_trap t;
	uint64_t trap_pc = pc;
	const char *what;
	int sig;

	/* The architecture's one table of exceptions (arch/<name>/signal.c). */
	emu->cpu->signal->trap(emu->intno, &trap_pc, &t);
	what = t.what;
	sig = t.signo;
	emu->status = sig;
	g_string_append_printf(head, "mmuemu: %s[%d]: trap %s ip %016" PRIx64 " sp %016" PRIx64,
			       emu->comm, emu->tid, what, pc, sp);
	report_vma_of_ip(emu, pc, head);
	fprintf(out, "%s\n", head->str);
	g_string_free(head, TRUE);
	fprintf(out, R_INDENT R_LABEL "%s (%s)\n", "signal:", emu_signal_name(sig), what);
	report_instruction(emu, pc, NULL, NULL, out);
}

void emu_report_end(struct emu *emu)
{
	FILE *out = stderr;
	uint64_t pc, sp;

	if (emu->end == EMU_END_EXIT || emu->end == EMU_END_NONE)
		return;
	pc = emu_reg_read(emu, emu->cpu->reg_pc);
	sp = emu_reg_read(emu, emu->cpu->reg_sp);
	switch (emu->end) {
	case EMU_END_FAULT:
		report_fault(emu, pc, sp, out);
		break;
	case EMU_END_EXCEPTION:
		report_exception(emu, pc, sp, out);
		break;
	case EMU_END_SIGNAL:
		/*
		 * Death by SIGPIPE is how a writer learns that its reader left (yes | head):
		 * Linux, shells and qemu-user say nothing, and neither does mmuemu; the exit
		 * status (128 + 13) tells.
		 */
		if (emu->status == SIGPIPE_LINUX)
			break;
		/* An unhandled timer signal (alarm(2)) is as quiet, on Linux and qemu-user. */
		if (emu->status == SIGALRM_LINUX || emu->status == SIGVTALRM_LINUX ||
		    emu->status == SIGPROF_LINUX)
			break;
		fprintf(out, "mmuemu: %s[%d]: killed by %s (%s)\n", emu->comm, emu->tid,
			emu_signal_name(emu->status), emu->kill_reason);
		break;
	case EMU_END_ERROR:
		fprintf(out, "mmuemu: %s[%d]: emulation failed at ip %016" PRIx64 ": %s\n",
			emu->comm, emu->tid, pc, emu->engine_error);
		report_instruction(emu, pc, NULL, NULL, out);
		break;
	default:
		break;
	}
	fflush(out);
}
