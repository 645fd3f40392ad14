#!/bin/sh
# run_libc.sh MMUEMU GUEST REFERENCE - run GUEST under mmuemu and under REFERENCE ("native"
# or "qemu-aarch64"), with the same arguments, and compare stdout and the exit status.
# Exit 77 (skip) when the reference cannot run here.
set -u
. "$(dirname "$0")/../native.sh"
mmuemu=$1 guest=$2 ref=$3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

case $ref in
native)
	native_ok "$guest" ||
		{ echo "the host's machine is not the guest's: no native run"; exit 77; }
	set -- "$guest" ;;
*)
	command -v "$ref" >/dev/null 2>&1 || { echo "$ref not installed"; exit 77; }
	set -- "$ref" "$guest" ;;
esac

"$@" one "two words" >"$tmp/ref.out" 2>"$tmp/ref.err"
ref_status=$?
"$mmuemu" "$guest" one "two words" >"$tmp/emu.out" 2>"$tmp/emu.err"
emu_status=$?

fail=0
if ! cmp -s "$tmp/ref.out" "$tmp/emu.out"; then
	echo "stdout differs from the $ref run:"
	diff -u "$tmp/ref.out" "$tmp/emu.out"
	fail=1
fi
if [ "$ref_status" != "$emu_status" ]; then
	echo "exit status: $ref $ref_status, mmuemu $emu_status"
	fail=1
fi
if ! grep -q '^bad pointer write: -1 EFAULT$' "$tmp/emu.out"; then
	echo "the guest's write() of a bad pointer did not fail with EFAULT"
	fail=1
fi
if [ -s "$tmp/emu.err" ]; then
	echo "mmuemu wrote to stderr:"
	cat "$tmp/emu.err"
	fail=1
fi
[ $fail = 0 ] && echo "ok: $(basename "$guest") matches $ref (status $emu_status)"
exit $fail
