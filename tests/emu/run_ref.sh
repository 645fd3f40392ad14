#!/bin/sh
# SPDX-License-Identifier: MIT
# run_ref.sh MMUEMU GUEST REFERENCE [ARGS...] - run GUEST under mmuemu and under REFERENCE
# ("native" or "qemu-aarch64") and compare stdout and the exit status; mmuemu must write
# nothing to stderr. Exit 77 (skip) when the reference cannot run here.
set -u
. "$(dirname "$0")/../native.sh"
mmuemu=$1 guest=$2 ref=$3
shift 3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

case $ref in
native)
	native_ok "$guest" ||
		{ echo "the host's machine is not the guest's: no native run"; exit 77; }
	"$guest" "$@" >"$tmp/ref.out" 2>"$tmp/ref.err" ;;
*)
	command -v "$ref" >/dev/null 2>&1 || { echo "$ref not installed"; exit 77; }
	"$ref" "$guest" "$@" >"$tmp/ref.out" 2>"$tmp/ref.err" ;;
esac
ref_status=$?
"$mmuemu" "$guest" "$@" >"$tmp/emu.out" 2>"$tmp/emu.err"
emu_status=$?

fail=0
if ! cmp -s "$tmp/ref.out" "$tmp/emu.out"; then
	echo "stdout differs from the $ref run (- $ref, + mmuemu):"
	diff -u "$tmp/ref.out" "$tmp/emu.out"
	fail=1
fi
if [ "$ref_status" != "$emu_status" ]; then
	echo "exit status: $ref $ref_status, mmuemu $emu_status"
	fail=1
fi
if [ -s "$tmp/emu.err" ]; then
	echo "mmuemu wrote to stderr:"
	cat "$tmp/emu.err"
	fail=1
fi
[ $fail = 0 ] && echo "ok: $(basename "$guest") matches $ref (status $emu_status)"
exit $fail
