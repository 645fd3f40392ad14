#!/bin/sh
# run.sh MMUEMU GUEST REFERENCE [ARGS...] - run GUEST under `mmuemu --stats` and under
# REFERENCE ("native", "qemu-aarch64", or "native:OTHER": the x86_64 build OTHER of the same
# program, run natively), each in an empty directory of its own, and
# compare stdout, stderr (mmuemu's stats left out) and the exit status; mmuemu must leave
# no table page and no frame in use. Exit 77 (skip) when the reference cannot
# run here.
# Environment: ABI_FILES, a directory whose files are copied into both directories first;
# ABI_STDIN, a file for stdin (default /dev/null); ABI_QUIET=1: no line when all is well.
set -u
. "$(dirname "$0")/../native.sh"
mmuemu=$1 guest=$2 ref=$3
shift 3
case $guest in /*) ;; *) guest=$(pwd)/$guest ;; esac
case $mmuemu in /*) ;; *) mmuemu=$(pwd)/$mmuemu ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/ref" "$tmp/emu"
if [ -n "${ABI_FILES:-}" ]; then
	cp -pR "$ABI_FILES"/. "$tmp/ref/" && cp -pR "$ABI_FILES"/. "$tmp/emu/" || exit 1
fi
stdin=${ABI_STDIN:-/dev/null}

refguest=$guest
case $ref in
native)
	native_ok "$guest" || { echo "the host's machine is not the guest's: no native run"; exit 77; }
	runner= ;;
native:*)
	# Another build of the same program, run natively: for programs whose output is
	# the same on every architecture, where qemu-user departs from Linux too often.
	refguest=${ref#native:}
	case $refguest in /*) ;; *) refguest=$(pwd)/$refguest ;; esac
	native_ok "$refguest" ||
		{ echo "the host's machine is not the reference build's: no native run"; exit 77; }
	ref=native
	runner= ;;
*)
	command -v "$ref" >/dev/null 2>&1 || { echo "$ref not installed"; exit 77; }
	runner=$ref ;;
esac

(cd "$tmp/ref" && exec $runner "$refguest" "$@") >"$tmp/ref.out" 2>"$tmp/ref.err" <"$stdin"
ref_status=$?
(cd "$tmp/emu" && exec "$mmuemu" --stats "$guest" "$@") >"$tmp/emu.out" 2>"$tmp/emu.err" <"$stdin"
emu_status=$?

# Lines where the reference itself departs from Linux (see the file) are left out.
known=$(dirname "$0")/$ref.known
if [ -f "$known" ]; then
	grep -v '^#' "$known" | grep -v '^$' >"$tmp/known"
	for f in ref emu; do
		grep -v -F -f "$tmp/known" "$tmp/$f.out" >"$tmp/$f.filtered"
		mv "$tmp/$f.filtered" "$tmp/$f.out"
	done
fi

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
# Apart from the stats, stderr is the guest's own and must be the reference's.
# mmuemu names each syscall it does not serve once on stderr (issue 9): not a difference.
grep -v -e '^# mmuemu stats: ' -e '^[a-z_.A-Z0-9]* [0-9]*$' \
	-e '^mmuemu: [^:]*: unknown syscall ' "$tmp/emu.err" >"$tmp/emu.noise"
if ! cmp -s "$tmp/ref.err" "$tmp/emu.noise"; then
	echo "stderr differs from the $ref run (- $ref, + mmuemu without its stats):"
	diff -u "$tmp/ref.err" "$tmp/emu.noise"
	fail=1
fi
for key in tables_in_use frames_in_use; do
	if ! grep -q "^$key 0\$" "$tmp/emu.err"; then
		echo "after exit: $(grep "^$key " "$tmp/emu.err" || echo "$key missing")"
		fail=1
	fi
done
if [ $fail = 0 ]; then
	[ "${ABI_QUIET:-0}" = 1 ] || echo "ok: $(basename "$guest") matches $ref (status $emu_status), nothing left in use"
else
	echo "--- $ref stderr:"; cat "$tmp/ref.err"
fi
exit $fail
