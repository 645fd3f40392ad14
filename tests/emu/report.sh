#!/bin/sh
# report.sh MMUEMU GUEST ARCH - the fault report, --stats, --trace=syscall and --maps on
# fault_guest built for ARCH. TAP output.
set -u
mmuemu=$1 guest=$2 arch=$3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		sed 's/^/#   /' "$tmp/err"
		fail=1
	fi
}

# has PATTERN: the last run's stderr matches the extended regular expression.
has() {
	grep -Eq -- "$1" "$tmp/err"
}

run() {
	"$mmuemu" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

stat_of() {
	awk -v k="$1" '$1 == k { print $2 }' "$tmp/err"
}

# ret2: "return 2" in the architecture's machine code, as printf(1) octal escapes.
case $arch in
x86_64) trap_status=132 levels="PML4 PDPT PD PT" ret2='\270\002\000\000\000\303' ;;
arm64) trap_status=133 levels="L0 L1 L2 L3" ret2='\100\000\200\122\300\003\137\326' ;;
riscv64) trap_status=133 levels="PGD P4D PUD PMD PTE" ret2='\023\005\040\000\147\200\000\000' ;;
esac

echo "1..14"

run --stats --maps "$guest" munmap
addr=$(sed -n 's/^unmapped 0x//p' "$tmp/out")
fault=$(printf '%x' $((0x${addr:-0} + 8)))
[ "$status" = 139 ] && [ -n "$addr" ] &&
	has "^mmuemu: fault_guest-[a-z0-9_]*\[1000\]: segfault at $fault ip [0-9a-f]{16} sp [0-9a-f]{16} error [0-9a-f]+ in fault_guest-$arch\[[0-9a-f]+\+[0-9a-f]+\]$"
ok $? "munmap: exit 139 and the kernel-style line with the exact address"
has '^  signal: +SIGSEGV \(SEGV_MAPERR: no mapping at the address\)$' &&
	has '^  access: +read, user mode$' && has '^  instruction: 0x[0-9a-f]+: ' &&
	has '^  page walk: ' && has '<- not present' && has '^  vmas: +below '
ok $? "munmap: signal, access, instruction, page walk and vmas lines"
has "^  unmapped by: munmap\(0x$addr, 0x1000\) = mm operation #[0-9]+, syscall #[0-9]+$"
ok $? "munmap: names the munmap that took the page"
[ "$(stat_of tables_in_use)" = 0 ] && [ "$(stat_of frames_in_use)" = 0 ] &&
	[ "$(stat_of segv_faults)" = 1 ] && [ "$(stat_of munmap)" = 1 ]
ok $? "munmap: stats after exit_mmap: nothing in use, one SIGSEGV"
has "^# mmuemu maps: $arch " && has '\[stack\]$'
ok $? "munmap: --maps prints the map"

keys="page_faults segv_faults pte_written pte_cleared table_entries_written table_entries_cleared"
for l in $levels; do keys="$keys tables_alloc.$l"; done
for l in $levels; do keys="$keys tables_freed.$l"; done
keys="$keys tables_alloc tables_freed tables_in_use tables_peak frames_in_use frames_peak"
keys="$keys guest_memory_peak_kib tlb_fills tlb_flushes tlb_flushes_skipped code_flushes"
keys="$keys arch_tlb_invalidations arch_tlb_invalidations_full syscalls mmap"
keys="$keys munmap mprotect brk"
run --stats "$guest" exit
got=$(sed -n '/^# mmuemu stats: /,$p' "$tmp/err" | tail -n +2 | awk '{ print $1 }' | tr '\n' ' ')
[ "$status" = 0 ] && has "^# mmuemu stats: $arch $guest$" && [ "$got" = "$keys " ]
ok $? "--stats: the header and exactly the documented keys, in order"

[ "$(stat_of tables_in_use)" = 0 ] && [ "$(stat_of frames_in_use)" = 0 ] &&
	[ "$(stat_of tables_alloc)" = "$(stat_of tables_freed)" ]
ok $? "--stats: a clean exit frees every table and frame"

run --trace=syscall "$guest" exit
has '^syscall #[0-9]+: munmap\(0x[0-9a-f]+, 0x1000\) = 0$' &&
	has '^syscall #[0-9]+: mmap\(0x0, 0x3000, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0x0\) = 0x[0-9a-f]+$' &&
	has '^syscall #[0-9]+: exit_group\(0\) = \?$'
ok $? "--trace=syscall: one line per call"

run "$guest" accerr
[ "$status" = 139 ] && has 'SEGV_ACCERR: the mapping forbids a write' && has '^  vma: ' &&
	has '<- forbids the write'
ok $? "accerr: SEGV_ACCERR, the VMA and the leaf entry that forbids the write"

run "$guest" trap
[ "$status" = "$trap_status" ] && has '^mmuemu: fault_guest-[a-z0-9_]*\[1000\]: trap ' &&
	has '^  instruction: 0x'
ok $? "trap: exit $trap_status with the instruction"

run "$guest" abort
[ "$status" = 134 ] && has 'killed by SIGABRT'
ok $? "abort: exit 134"

run --mem=16M "$guest" oom
[ "$status" = 139 ] && has 'out of guest memory \(16 MiB\)'
ok $? "out of guest memory: exit 139 and says so"

run --compare="$guest" "$guest" exit
[ "$status" = 0 ] && has "^metric +$arch +$arch$" && has '^tables_in_use +0 +0$'
ok $? "--compare: a table with both runs"
# shellcheck disable=SC2059
printf "$ret2" >"$tmp/ret2"
"$mmuemu" "$guest" code <"$tmp/ret2" >"$tmp/out" 2>"$tmp/err"
status=$?
cp "$tmp/out" "$tmp/err.out" && cat "$tmp/err.out" >>"$tmp/err"
[ "$status" = 0 ] && grep -q '^code: first 1, after read(2) of [0-9]* bytes 2$' "$tmp/out"
ok $? "code: a host write into translated code runs the new code"
exit $fail
