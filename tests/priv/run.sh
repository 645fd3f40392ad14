#!/bin/sh
# run.sh MMUEMU GUEST REFERENCE [EXPECTED] [ARG] - run GUEST [ARG] under mmuemu and under
# REFERENCE ("native" or "qemu-aarch64"); stdout and exit status must match. With an
# EXPECTED file (lines starting with '#' are comments, the last line is the exit status),
# mmuemu is compared with it instead, where the reference is known to differ from Linux.
# EMU_OPTS in the environment: options for mmuemu (--inject=...).
set -u
mmuemu=$1 guest=$2 ref=$3 expected=${4:-} arg=${5:-}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$mmuemu" ${EMU_OPTS:-} "$guest" $arg >"$tmp/emu.out" 2>"$tmp/emu.err"
echo $? >>"$tmp/emu.out"
if [ -n "$expected" ] && [ "$expected" != - ]; then
	grep -v '^#' "$expected" >"$tmp/ref.out"
	what=$(basename "$expected")
else
	case $ref in
	native) set -- "$guest" ;;
	*) command -v "$ref" >/dev/null 2>&1 || { echo "$ref not installed"; exit 77; }
	   set -- "$ref" "$guest" ;;
	esac
	"$@" $arg >"$tmp/ref.out" 2>/dev/null
	echo $? >>"$tmp/ref.out"
	what=$ref
fi
if ! cmp -s "$tmp/ref.out" "$tmp/emu.out"; then
	echo "differs from $what (last line: exit status):"
	diff -u "$tmp/ref.out" "$tmp/emu.out"
	cat "$tmp/emu.err"
	exit 1
fi
echo "ok: $(basename "$guest") $arg matches $what"
