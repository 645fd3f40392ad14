#!/bin/sh
# run.sh MMUEMU GUEST REFERENCE [--file|--stderr] - run GUEST under mmuemu and under
# REFERENCE ("native" or "qemu-aarch64"); stdout and the exit status must be identical.
# With --file the guest gets the path of a scratch file as its argument; with --stderr
# stderr must be identical too. A guest that exits 77 under mmuemu only (SKIP: a feature
# it needs is missing) makes the test skip.
set -u
. "$(dirname "$0")/../native.sh"
mmuemu=$1 guest=$2 ref=$3 file=${4:-} stderr=
[ "$file" = --stderr ] && file= stderr=1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

case $ref in
native)
	native_ok "$guest" || { echo "the host's machine is not the guest's: no native run"; exit 77; }
	set -- "$guest" ;;
*)
	command -v "$ref" >/dev/null 2>&1 || { echo "$ref not installed"; exit 77; }
	set -- "$ref" "$guest" ;;
esac
[ -n "$file" ] && set -- "$@" "$tmp/ref-file"
# (The subshell keeps the shell's own "Alarm clock" line out of ref.err.)
( "$@" >"$tmp/ref.out" 2>"$tmp/ref.err" ) 2>/dev/null
ref_status=$?
if [ -n "$file" ]; then
	"$mmuemu" "$guest" "$tmp/emu-file" >"$tmp/emu.out" 2>"$tmp/emu.err"
else
	"$mmuemu" "$guest" >"$tmp/emu.out" 2>"$tmp/emu.err"
fi
emu_status=$?

if [ "$emu_status" = 77 ] && [ "$ref_status" != 77 ]; then
	echo "skip: under mmuemu: $(cat "$tmp/emu.out")"
	exit 77
fi
fail=0
if ! cmp -s "$tmp/ref.out" "$tmp/emu.out"; then
	echo "stdout differs from the $ref run:"
	diff -u "$tmp/ref.out" "$tmp/emu.out"
	fail=1
fi
if [ -n "$stderr" ] && ! cmp -s "$tmp/ref.err" "$tmp/emu.err"; then
	echo "stderr differs from the $ref run:"
	diff -u "$tmp/ref.err" "$tmp/emu.err"
	fail=1
fi
if [ "$ref_status" != "$emu_status" ]; then
	echo "exit status: $ref $ref_status, mmuemu $emu_status"
	fail=1
fi
echo "--- mmuemu stdout"; cat "$tmp/emu.out"
echo "--- mmuemu stderr"; cat "$tmp/emu.err"
[ $fail = 0 ] && echo "ok: $(basename "$guest") matches $ref (status $emu_status)"
exit $fail
