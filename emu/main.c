/* SPDX-License-Identifier: MIT */
/*
 * main.c - the command line.
 *
 *   mmuemu [OPTIONS] PROGRAM [ARGS...]
 *
 * Options stop at PROGRAM, so that the guest's own options pass through untouched. The
 * guest's stdout and stderr are the host's; everything mmuemu says itself (reports, maps,
 * traces, stats, the --compare table) goes to stderr. The exit status is the guest's
 * (128 + signal when a signal ended it), 2 for a bad command line or a program that cannot
 * be loaded, 1 for an internal error.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "emu/emu.h"

#define EMU_VERSION "0.1.0"
#define EMU_DEFAULT_MEM (UINT64_C(1) << 30)
#define EMU_MIN_MEM (UINT64_C(1) << 20)
#define EMU_MAX_MEM (UINT64_C(1) << 40)

static gboolean opt_version, opt_maps, opt_stats, opt_no_tlb_flush;
static char *opt_trace, *opt_mem;
static char **opt_compare;
static gboolean opt_arch_info;
static char *opt_arch_info_name;
static char **opt_env, **opt_unset, **opt_inject;
static gboolean opt_clear_env;
static gboolean opt_check;
static char *opt_check_mode;  /* --check=MODE, renamed --check-mode=MODE by main() */

/* Every architecture of this build, in the 'arches' option's order (arch/arches.h). */
#define ARCH_ENTRY(sym) &sym##_arch,
static const struct arch_ops *const main_arches[] = { ARCH_LIST(ARCH_ENTRY) };
#undef ARCH_ENTRY

static gboolean arch_info_arg(const char *name, const char *value, void *data, GError **err)
{
	opt_arch_info = TRUE;
	g_free(opt_arch_info_name);
	opt_arch_info_name = g_strdup(value);
	return TRUE;
}

static const GOptionEntry main_options[] = {
	{ "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
	  "Print the version and exit", NULL },
	{ "maps", 0, 0, G_OPTION_ARG_NONE, &opt_maps,
	  "Print the VMA map (/proc/PID/maps format) at exit or fault", NULL },
	{ "stats", 0, 0, G_OPTION_ARG_NONE, &opt_stats,
	  "Print page-table, fault and TLB counters at exit", NULL },
	{ "trace", 0, 0, G_OPTION_ARG_STRING, &opt_trace,
	  "Trace mm operations and/or system calls on stderr", "mm,syscall" },
	{ "no-tlb-flush", 0, 0, G_OPTION_ARG_NONE, &opt_no_tlb_flush,
	  "Skip the TLB flush of teardown (shows stale translations)", NULL },
	{ "check", 0, 0, G_OPTION_ARG_NONE, &opt_check,
	  "Check the mm invariants after every mm operation, detect missing TLB flushes and "
	  "leaks (exit status 125 when anything is wrong); --check=access also checks every "
	  "memory access (slow)", NULL },
	{ "check-mode", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_check_mode,
	  NULL, NULL },
	{ "inject", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_inject,
	  "Fault injection (repeatable, or comma-separated): frame-alloc:N, table-alloc:N fail "
	  "the Nth allocation of a data frame / table page; keep-table:N plants a teardown bug "
	  "(the Nth table page free_pgtables should free is kept) for --check to find; "
	  "code-flush:N flushes translated code at every Nth TLB fill; "
	  "lazy-fpu makes the first FPU instruction after each syscall trap (x86 #NM, CR0.TS); "
	  "skip-tlb-flush = --no-tlb-flush",
	  "WHAT" },
	{ "mem", 0, 0, G_OPTION_ARG_STRING, &opt_mem,
	  "Guest physical memory (K, M, G suffixes; default 1G)", "SIZE" },
	{ "compare", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_compare,
	  "Also run OTHER (the same program for another architecture, or the same one) with "
	  "the same arguments and print the stats side by side, one column per program "
	  "(repeatable)", "OTHER" },
	{ "arch-info", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, arch_info_arg,
	  "Print what mmuemu knows of each architecture it was built with (or of NAME): "
	  "name, ELF machine, page size, user VA bits, page-table levels and their shifts, "
	  "the TLB invalidations its Linux issues; one key=value per line, a blank line "
	  "between architectures, and exit", "NAME" },
	{ "env", 'E', 0, G_OPTION_ARG_STRING_ARRAY, &opt_env,
	  "Set VAR=VAL in the guest's environment (repeatable)", "VAR=VAL" },
	{ "unset", 'U', 0, G_OPTION_ARG_STRING_ARRAY, &opt_unset,
	  "Remove VAR from the guest's environment (repeatable)", "VAR" },
	{ "clear-env", 0, 0, G_OPTION_ARG_NONE, &opt_clear_env,
	  "Start the guest with an empty environment (then -E adds to it); by default it gets "
	  "mmuemu's own, as under qemu-user", NULL },
	{ NULL }
};

static int usage_error(GOptionContext *ctx, const char *fmt, const char *arg)
{
	fputs("mmuemu: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'mmuemu --help' for more information.\n", stderr);
	g_option_context_free(ctx);
	return EMU_EXIT_USAGE;
}

/* "64M", "1G", "4096", "512KiB": bytes, or 0 if it is not a size. */
static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v, mult = 1;

	if (!g_ascii_isdigit(*s))
		return 0;
	errno = 0;
	v = g_ascii_strtoull(s, &end, 10);
	if (errno)
		return 0;
	switch (g_ascii_toupper(*end)) {
	case 'K':
		mult = UINT64_C(1) << 10;
		end++;
		break;
	case 'M':
		mult = UINT64_C(1) << 20;
		end++;
		break;
	case 'G':
		mult = UINT64_C(1) << 30;
		end++;
		break;
	case 'T':
		mult = UINT64_C(1) << 40;
		end++;
		break;
	default:
		break;
	}
	if (mult > 1 && (!g_ascii_strcasecmp(end, "iB") || !g_ascii_strcasecmp(end, "B")))
		end += strlen(end);
	if (*end || v > UINT64_MAX / mult)
		return 0;
	return v * mult;
}

static int parse_trace(const char *list, struct emu_options *opt)
{
	char **items = g_strsplit(list, ",", -1);
	int ret = 0;

	for (char **it = items; *it; it++) {
		if (!strcmp(*it, "mm"))
			opt->trace_mm = true;
		else if (!strcmp(*it, "syscall"))
			opt->trace_syscall = true;
		else if (**it)
			ret = -1;
	}
	g_strfreev(items);
	return ret;
}

/*
 * "frame-alloc:N", "table-alloc:N", "keep-table:N", "skip-tlb-flush"; several may be
 * comma-separated.
 */
static int parse_inject(const char *list, struct emu_options *opt)
{
	char **items = g_strsplit(list, ",", -1);
	int ret = 0;

	for (char **it = items; *it && !ret; it++) {
		const char *colon = strchr(*it, ':');
		uint64_t n = 0;
		char *end;

		if (!strcmp(*it, "skip-tlb-flush")) {
			opt->no_tlb_flush = true;
			continue;
		}
		if (!strcmp(*it, "lazy-fpu")) {
			opt->inject_lazy_fpu = true;
			continue;
		}
		if (!colon || !g_ascii_isdigit(colon[1])) {
			ret = -1;
			break;
		}
		errno = 0;
		n = g_ascii_strtoull(colon + 1, &end, 10);
		if (errno || *end || !n) {
			ret = -1;
			break;
		}
		if (g_str_has_prefix(*it, "frame-alloc:"))
			opt->inject_frame_alloc = n;
		else if (g_str_has_prefix(*it, "table-alloc:"))
			opt->inject_table_alloc = n;
		else if (g_str_has_prefix(*it, "keep-table:"))
			opt->inject_keep_table = n;
		else if (g_str_has_prefix(*it, "code-flush:"))
			opt->inject_code_flush = n;
		else
			ret = -1;
	}
	g_strfreev(items);
	return ret;
}

/*
 * GLib's optional arguments would take "--check PROGRAM" as --check=PROGRAM, so --check is
 * a plain flag and "--check=MODE" is renamed "--check-mode=MODE" before parsing. Only
 * mmuemu's own options are looked at: the scan stops at PROGRAM, skipping option values.
 */
static void rename_check_mode(int argc, char **argv, GPtrArray *renamed)
{
	static const char *const with_value[] = {
		"--trace", "--mem", "--compare", "--env", "-E", "--unset", "-U", "--inject",
		"--check-mode",
	};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || !strcmp(a, "--"))
			return;
		if (g_str_has_prefix(a, "--check=")) {
			argv[i] = g_strconcat("--check-mode=", a + strlen("--check="), NULL);
			g_ptr_array_add(renamed, argv[i]);
			continue;
		}
		for (size_t k = 0; k < G_N_ELEMENTS(with_value); k++) {
			if (!strcmp(a, with_value[k])) {
				i++;
				break;
			}
		}
	}
}

/*
 * The guest's environment: mmuemu's own (as qemu-user and valgrind pass it), or nothing
 * with --clear-env; then each -U removes a variable and each -E sets one, replacing an
 * earlier value. Return: a NULL-terminated array for g_strfreev().
 */
static char **guest_environment(bool clear, char **unset, char **set)
{
	char **env = clear ? g_new0(char *, 1) : g_get_environ();

	for (char **u = unset; u && *u; u++)
		env = g_environ_unsetenv(env, *u);
	for (char **e = set; e && *e; e++) {
		char *name = g_strndup(*e, (gsize)(strchr(*e, '=') - *e));

		env = g_environ_setenv(env, name, strchr(*e, '=') + 1, TRUE);
		g_free(name);
	}
	return env;
}

static void print_version(void)
{
	char versions[128];

	emu_engine_versions(versions, sizeof(versions));
	printf("mmuemu " EMU_VERSION "\n%s\n", versions);
}

/* "x86_64, arm64": the architectures of this build, for --help. */
static char *arch_names(void)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(main_arches); i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", main_arches[i]->name);
	return g_string_free(s, FALSE);
}

/* The plan of this architecture's Linux for a flush of [@start, @end) at the last level. */
static const char *tlb_insn(const struct arch_mmu *mmu, uint64_t start, uint64_t end)
{
	struct arch_tlb_flush f = {
		.start = start, .end = end, .cleared_levels = 1u << (mmu->levels - 1),
	};
	struct arch_tlb_plan plan = { .insn = NULL };

	if (!mmu->tlb_flush_plan)
		return "full";
	mmu->tlb_flush_plan(mmu, &f, &plan);
	return plan.insn ? plan.insn : "none";
}

/*
 * --arch-info[=NAME]: one block of key=value lines per architecture, so that scripts take
 * these facts from mmuemu instead of repeating them (tests/, bench/, the Makefile).
 */
static int print_arch_info(const char *name)
{
	bool found = false;

	for (size_t i = 0; i < G_N_ELEMENTS(main_arches); i++) {
		const struct arch_ops *a = main_arches[i];
		const struct arch_mmu *m = a->mmu;
		uint64_t page = arch_page_size(m), base = UINT64_C(1) << 30;

		if (name && strcmp(name, a->name))
			continue;
		if (found)
			putchar('\n');
		found = true;
		printf("arch=%s\nelf_machine=%u\nuname_machine=%s\npage_size=%" PRIu64
		       "\nva_bits=%u\nlevels=%u\nlevel_names=", a->name, a->cpu->elf_machine,
		       a->cpu->uname_machine, page, m->va_bits, m->levels);
		for (unsigned l = 0; l < m->levels; l++)
			printf("%s%s", l ? " " : "", m->level_name[l]);
		fputs("\nlevel_shifts=", stdout);
		for (unsigned l = 0; l < m->levels; l++)
			printf("%s%u", l ? " " : "", m->shift[l]);
		printf("\ntlb_flush_page=%s\ntlb_flush_range=%s\n", tlb_insn(m, base, base + page),
		       tlb_insn(m, base, base + (UINT64_C(1) << 30)));
	}
	if (!found) {
		char *names = arch_names();

		fprintf(stderr, "mmuemu: --arch-info: no architecture '%s' in this build (built: %s)\n",
			name, names);
		g_free(names);
		return EMU_EXIT_USAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	GOptionContext *ctx;
	GError *error = NULL;
	struct emu_options opt = { .mem_size = EMU_DEFAULT_MEM };
	struct emu_result ra;
	char *summary, *names;
	GPtrArray *renamed = g_ptr_array_new_with_free_func(g_free);
	gboolean ok;
	int status;

	ctx = g_option_context_new("PROGRAM [ARGS...]");
	names = arch_names();
	summary = g_strdup_printf(
		"Run a static Linux ELF program (%s) on Unicorn, over an emulated MMU\n"
		"with real page tables, and report what its memory management did.", names);
	g_option_context_set_summary(ctx, summary);
	g_free(summary);
	g_free(names);
	g_option_context_set_description(ctx,
		"Exit status: the program's own, 128+N when signal N ended it (139 for a\n"
		"segmentation fault or when guest memory runs out), 2 for a bad command line\n"
		"or a program that cannot be loaded, 1 for an internal error, 125 when --check\n"
		"found a broken mm invariant (the guest is stopped there), a stale-TLB report\n"
		"or a leak at exit.\n");
	g_option_context_add_main_entries(ctx, main_options, NULL);
	g_option_context_set_strict_posix(ctx, TRUE);
	rename_check_mode(argc, argv, renamed);
	ok = g_option_context_parse(ctx, &argc, &argv, &error);
	/* The parser copied what it kept. */
	g_ptr_array_free(renamed, TRUE);
	if (!ok) {
		status = usage_error(ctx, "%s", error->message);
		g_error_free(error);
		return status;
	}
	if (opt_arch_info) {
		g_option_context_free(ctx);
		return print_arch_info(opt_arch_info_name);
	}
	if (opt_version) {
		print_version();
		g_option_context_free(ctx);
		return 0;
	}
	/* Strict POSIX parsing leaves a "--" before PROGRAM in place. */
	if (argc > 1 && !strcmp(argv[1], "--")) {
		argv++;
		argc--;
	}
	if (argc < 2)
		return usage_error(ctx, "%s", "missing PROGRAM");
	if (argv[1][0] == '-')
		return usage_error(ctx, "unknown option %s", argv[1]);
	if (opt_mem) {
		opt.mem_size = parse_size(opt_mem);
		if (!opt.mem_size)
			return usage_error(ctx, "invalid --mem size '%s' (try 256M or 2G)", opt_mem);
		if (opt.mem_size < EMU_MIN_MEM || opt.mem_size > EMU_MAX_MEM ||
		    opt.mem_size & 0xfff)
			return usage_error(ctx, "--mem %s: must be a multiple of 4K between 1M and 1T",
					   opt_mem);
	}
	if (opt_trace && parse_trace(opt_trace, &opt))
		return usage_error(ctx, "invalid --trace list '%s' (known: mm, syscall)", opt_trace);
	opt.maps = opt_maps;
	opt.stats = opt_stats;
	opt.no_tlb_flush = opt.no_tlb_flush || opt_no_tlb_flush;
	if (opt_check_mode && strcmp(opt_check_mode, "access"))
		return usage_error(ctx, "invalid --check mode '%s' (known: access)",
				   opt_check_mode);
	opt.check = opt_check || opt_check_mode;
	opt.check_access = opt_check_mode != NULL;
	for (char **it = opt_inject; it && *it; it++) {
		if (parse_inject(*it, &opt))
			return usage_error(ctx, "invalid --inject '%s' (known: frame-alloc:N, "
					   "table-alloc:N, keep-table:N, code-flush:N, skip-tlb-flush)", *it);
	}
	for (char **e = opt_env; e && *e; e++) {
		if (!strchr(*e, '=') || **e == '=')
			return usage_error(ctx, "-E %s: expected VAR=VALUE", *e);
	}
	for (char **u = opt_unset; u && *u; u++) {
		if (!**u || strchr(*u, '='))
			return usage_error(ctx, "-U %s: expected a variable name", *u);
	}
	opt.env = guest_environment(opt_clear_env, opt_unset, opt_env);
	g_option_context_free(ctx);
	/* A guest's write to a closed pipe is its SIGPIPE (see syscall.c), not mmuemu's. */
	signal(SIGPIPE, SIG_IGN);

	status = emu_run(&opt, argv[1], argc - 1, argv + 1, &ra);
	if (opt.stats && ra.arch)
		emu_stats_print(&ra, stderr);
	if (opt_compare && ra.arch) {
		unsigned n = g_strv_length(opt_compare) + 1;
		struct emu_result *rb = g_new0(struct emu_result, n);
		const struct emu_result **all = g_new0(const struct emu_result *, n);
		/* The same arguments, argv[0] aside: it is the other program's name. */
		char **bargv = g_new0(char *, (size_t)argc);
		bool complete = true;

		all[0] = &ra;
		for (int i = 2; i < argc; i++)
			bargv[i - 1] = argv[i];
		for (unsigned k = 1; k < n; k++) {
			int bstatus;

			bargv[0] = opt_compare[k - 1];
			bstatus = emu_run(&opt, bargv[0], argc - 1, bargv, &rb[k]);
			if (opt.stats && rb[k].arch)
				emu_stats_print(&rb[k], stderr);
			complete = complete && rb[k].arch;
			all[k] = &rb[k];
			/* The first failure decides, so that a broken later run is not hidden. */
			if (status == 0)
				status = bstatus;
		}
		if (complete)
			emu_stats_compare(all, n, stderr);
		g_free(bargv);
		g_free(all);
		g_free(rb);
	}
	g_strfreev(opt.env);
	return status;
}
