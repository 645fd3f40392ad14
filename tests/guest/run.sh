#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run.sh - one guest test: run an example under mmuemu, or under a reference, and check it.
#
# usage: run.sh emu MMUEMU EXPECTED_DIR ARCH NAME BINARY
#        run.sh ref MMUEMU EXPECTED_DIR ARCH NAME BINARY
#
# emu: run BINARY under `mmuemu --stats` and check
#   - stdout against EXPECTED_DIR/NAME.out (@ARCH@ stands for ARCH) and the exit status
#     against EXPECTED_DIR/NAME.status;
#   - the leak check on the stats: tables_in_use 0, frames_in_use 0, and tables_alloc equal
#     to tables_freed in total and at every level;
#   - what only the emulator shows, per example (check_NAME below): the fault report of
#     munmap_fault and stale_tlb, stale_tlb under --no-tlb-flush, pgtable_share's tables.
# ref: run BINARY on a reference (natively when the host is ARCH, else under qemu-user),
#   check it against the same expectations, and check that mmuemu prints the same stdout and
#   exits with the same status. Exit 77 (skip) when no reference can run ARCH.
#
# Every failed check prints what was expected and what came; the test fails at the end if any
# check did.

# check_NAME functions are called by name below.
# shellcheck disable=SC2317
set -u

mode=$1 mmuemu=$2 expected_dir=$3 arch=$4 name=$5 binary=$6
timeout_s=60

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmuemu-guest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A crashing guest must not leave core files behind (qemu-user writes qemu_*.core).
ulimit -c 0

# fail MESSAGE: one failed check. Counted in a file, since some checks run in $(...).
fail() {
	echo "FAIL: $*"
	echo "$*" >>"$tmp/failures"
}

failures() {
	if [ -f "$tmp/failures" ]; then wc -l <"$tmp/failures"; else echo 0; fi
}

# show FILE TITLE: print a captured file for the log.
show() {
	echo "--- $2 ($(wc -l <"$1") lines)"
	cat "$1"
	echo "---"
}

# run_guest TAG COMMAND...: run with stdout, stderr and the exit status in $tmp/TAG.*.
run_guest() {
	local tag=$1
	shift
	(cd "$tmp" && timeout "$timeout_s" "$@" </dev/null >"$tmp/$tag.out" 2>"$tmp/$tag.err")
	echo $? >"$tmp/$tag.status"
	if [ "$(cat "$tmp/$tag.status")" = 124 ]; then
		fail "$tag: timed out after ${timeout_s}s: $*"
	fi
}

status_of() {
	cat "$tmp/$1.status"
}

# expected FILE: an expected-output file with @ARCH@ replaced.
expected() {
	sed "s/@ARCH@/$arch/g" "$expected_dir/$1"
}

# check_output TAG EXPECTED_BASENAME: stdout and exit status against the expectations.
check_output() {
	local tag=$1 base=$2 want_status
	expected "$base.out" >"$tmp/want.out"
	want_status=$(cat "$expected_dir/$base.status")
	if ! diff -u "$tmp/want.out" "$tmp/$tag.out" >"$tmp/diff"; then
		fail "$tag: stdout differs from $base.out (- expected, + got)"
		cat "$tmp/diff"
	fi
	if [ "$(status_of "$tag")" != "$want_status" ]; then
		fail "$tag: exit status $(status_of "$tag"), expected $want_status"
	fi
}

# stat TAG KEY: a value from the --stats block on TAG's stderr ("" if absent).
stat() {
	awk -v key="$2" '/^# mmuemu stats:/ { on = 1; next }
		on && $1 == key { print $2; exit }' "$tmp/$1.err"
}

# need_stat TAG KEY: like stat, but a missing key is a failure (and prints 0 for arithmetic).
need_stat() {
	local v
	v=$(stat "$1" "$2")
	if [ -z "$v" ]; then
		fail "$1: --stats has no '$2'" >&2
		echo 0
		return
	fi
	echo "$v"
}

# expect_stat TAG KEY VALUE [WHY]
expect_stat() {
	local v
	v=$(need_stat "$1" "$2")
	if [ "$v" != "$3" ]; then
		fail "$1: $2 is $v, expected $3${4:+ ($4)}"
	fi
}

levels() {
	case $arch in
	x86_64) echo PML4 PDPT PD PT ;;
	arm64) echo L0 L1 L2 L3 ;;
	riscv64) echo PGD P4D PUD PMD PTE ;;
	esac
}

# check_stats TAG: the stats block is there, for the right architecture, and nothing leaked.
check_stats() {
	local tag=$1 header lvl a f
	header=$(grep -m1 '^# mmuemu stats:' "$tmp/$tag.err")
	if [ -z "$header" ]; then
		fail "$tag: no '# mmuemu stats:' block on stderr"
		show "$tmp/$tag.err" "$tag stderr"
		return
	fi
	if [ "$(echo "$header" | awk '{ print $4 }')" != "$arch" ]; then
		fail "$tag: stats header '$header' does not name $arch"
	fi
	expect_stat "$tag" tables_in_use 0 "leak check"
	expect_stat "$tag" frames_in_use 0 "leak check"
	a=$(need_stat "$tag" tables_alloc)
	f=$(need_stat "$tag" tables_freed)
	if [ "$a" != "$f" ]; then
		fail "$tag: tables_alloc $a != tables_freed $f"
	fi
	for lvl in $(levels); do
		a=$(need_stat "$tag" "tables_alloc.$lvl")
		f=$(need_stat "$tag" "tables_freed.$lvl")
		if [ "$a" != "$f" ]; then
			fail "$tag: tables_alloc.$lvl $a != tables_freed.$lvl $f"
		fi
	done
}

# check_fault_report TAG: the report of a read of an address that munmap took away.
check_fault_report() {
	local tag=$1 err=$tmp/$1.err line addr pat
	for pat in 'segfault at ' 'signal: *SIGSEGV' 'SEGV_MAPERR' 'access:' 'instruction:' \
		   'page walk:' 'vmas:' 'unmapped by: *munmap'; do
		if ! grep -q -- "$pat" "$err"; then
			fail "$tag: fault report has no '$pat'"
		fi
	done
	# The guest touches the first word of the unmapped page, and munmap's first argument
	# was that page: the same number must appear in both lines.
	line=$(grep -m1 'segfault at ' "$err")
	addr=$(echo "$line" | sed -n 's/.*segfault at \(0x\)\{0,1\}\([0-9a-fA-F]*\).*/\2/p')
	addr=$(echo "$addr" | tr 'A-F' 'a-f' | sed 's/^0*//')
	if [ -z "$addr" ]; then
		fail "$tag: no address in '$line'"
	elif [ "${addr: -3}" != 000 ]; then
		fail "$tag: fault address 0x$addr is not the start of a page"
	elif ! grep 'unmapped by: *munmap' "$err" | tr 'A-F' 'a-f' | grep -q "0x0*$addr\b"; then
		fail "$tag: 'unmapped by:' does not name the fault address 0x$addr"
	fi
	expect_stat "$tag" segv_faults 1 "the one fault that ended the guest"
}

check_munmap_fault() {
	check_fault_report emu
}

# stale_tlb: with the flush the read faults (checked by the common part, plus the report);
# with --no-tlb-flush it reads the old frame through the stale TLB entry and exits 0.
check_stale_tlb() {
	local last
	check_fault_report emu

	run_guest noflush "$mmuemu" --stats --no-tlb-flush "$binary"
	check_stats noflush
	if [ "$(status_of noflush)" != 0 ]; then
		fail "noflush: exit status $(status_of noflush), expected 0 (a read through the stale TLB entry)"
		show "$tmp/noflush.err" "noflush stderr"
	fi
	# Everything before the stale read is printed as with the flush.
	expected stale_tlb.out >"$tmp/want.out"
	if ! head -n -1 "$tmp/noflush.out" | diff -u "$tmp/want.out" - >"$tmp/diff"; then
		fail "noflush: stdout before the stale read differs (- expected, + got)"
		cat "$tmp/diff"
	fi
	last=$(tail -n 1 "$tmp/noflush.out")
	case $last in
	"stale read: 0x6f6c642070616765 (the old page's value: its frame is still unused)" | \
	"stale read: 0x6e65772070616765 (the new page's value: its frame was reused)")
		echo "noflush: $last" ;;
	*)
		fail "noflush: last line '$last' is not a stale read of the old or the new value" ;;
	esac
	if [ "$(need_stat noflush tlb_flushes_skipped)" -lt 1 ]; then
		fail "noflush: tlb_flushes_skipped is 0 under --no-tlb-flush"
	fi
	if [ "$(need_stat emu tlb_flushes)" -lt 1 ]; then
		fail "emu: tlb_flushes is 0, but munmap must flush"
	fi
}

# pgtable_share: the tables the program itself allocates and frees are the difference of a
# full run and a baseline run of the same binary (which maps nothing): image, stack and
# start-up cost the same in both. From the program's comment:
#   last level (x86_64 PT, arm64 L3): T1 (A and B), T2 (C), T3 (D), and T1 again for the
#       second A: 4 allocated, 4 freed;
#   level 2 (x86_64 PD, arm64 L2): M1 (A, B, C), M2 (D), and M1 again: 3 and 3;
#   the levels above: nothing. The 8 GiB and 9 GiB regions sit in the same level-1 table as
#       the program image at 4 MiB, which lives until exit in both runs.
# Tables freed only at exit would show as 2 level-2 and 3 last-level tables allocated: the
# second A would find M1 and T1 still in place.
check_pgtable_share() {
	local lvl want d a0 a1 f0 f1 lv n wants
	run_guest baseline "$mmuemu" --stats "$binary" baseline
	check_stats baseline
	if [ "$(status_of baseline)" != 0 ]; then
		fail "baseline: exit status $(status_of baseline)"
	fi
	read -r -a lv <<<"$(levels)"
	n=${#lv[@]}
	wants=()
	for lvl in "${lv[@]:0:n-2}"; do
		wants+=("$lvl:0")
	done
	for want in "${wants[@]}" "${lv[n-2]}:3" "${lv[n-1]}:4"; do
		lvl=${want%:*} d=${want#*:}
		a1=$(need_stat emu "tables_alloc.$lvl") a0=$(need_stat baseline "tables_alloc.$lvl")
		f1=$(need_stat emu "tables_freed.$lvl") f0=$(need_stat baseline "tables_freed.$lvl")
		if [ $((a1 - a0)) != "$d" ]; then
			fail "tables_alloc.$lvl: the program allocated $((a1 - a0)) ($a1 - baseline $a0), expected $d"
		fi
		if [ $((f1 - f0)) != "$d" ]; then
			fail "tables_freed.$lvl: the program freed $((f1 - f0)) ($f1 - baseline $f0), expected $d"
		fi
		echo "$lvl: the program allocated $((a1 - a0)) and freed $((f1 - f0)) (expected $d)"
	done
	expect_stat emu mmap $(($(need_stat baseline mmap) + 5)) "5 mmaps more than the baseline"
	expect_stat emu munmap $(($(need_stat baseline munmap) + 5)) "5 munmaps more than the baseline"
	expect_stat emu segv_faults 0
}

# reference: print the command that runs an ARCH program on this host, or nothing.
reference() {
	local host want qemu
	host=$(uname -m)
	case $arch in
	x86_64) want=x86_64 qemu=qemu-x86_64 ;;
	arm64) want=aarch64 qemu=qemu-aarch64 ;;
	riscv64) want=riscv64 qemu=qemu-riscv64 ;;
	esac
	if [ "$host" = "$want" ]; then
		echo native
	elif command -v "$qemu" >/dev/null; then
		echo "$qemu"
	fi
}

# meson passes build outputs relative to the build directory; the guests run elsewhere.
binary=$(realpath "$binary")
mmuemu=$(realpath "$mmuemu")
expected_dir=$(realpath "$expected_dir")
if [ ! -x "$binary" ]; then
	echo "FAIL: no guest binary $binary"
	exit 1
fi
if [ ! -x "$mmuemu" ]; then
	echo "FAIL: no emulator at $mmuemu"
	exit 1
fi

case $mode in
emu)
	run_guest emu "$mmuemu" --stats "$binary"
	check_output emu "$name"
	check_stats emu
	if declare -F "check_$name" >/dev/null; then
		"check_$name"
	fi
	if [ "$(failures)" -gt 0 ]; then
		show "$tmp/emu.err" "mmuemu stderr"
	fi
	;;
ref)
	runner=$(reference)
	if [ -z "$runner" ]; then
		echo "SKIP: nothing on this $(uname -m) host runs $arch programs (qemu-user missing)"
		exit 77
	fi
	if [ "$runner" = native ]; then
		run_guest ref "$binary"
	else
		run_guest ref "$runner" "$binary"
	fi
	echo "reference: $runner, exit status $(status_of ref)"
	check_output ref "$name"
	run_guest emu "$mmuemu" "$binary"
	if ! diff -u "$tmp/ref.out" "$tmp/emu.out" >"$tmp/diff"; then
		fail "mmuemu's stdout differs from the reference's (- $runner, + mmuemu)"
		cat "$tmp/diff"
	fi
	if [ "$(status_of emu)" != "$(status_of ref)" ]; then
		fail "mmuemu exits with $(status_of emu), the reference with $(status_of ref)"
		show "$tmp/emu.err" "mmuemu stderr"
	fi
	;;
*)
	echo "usage: run.sh emu|ref MMUEMU EXPECTED_DIR ARCH NAME BINARY" >&2
	exit 2
	;;
esac

if [ "$(failures)" -gt 0 ]; then
	echo "$(failures) check(s) failed: $name on $arch ($mode)"
	exit 1
fi
echo "ok: $name on $arch ($mode)"
exit 0
