#!/bin/sh
# run.sh ref MMUEMU GUEST REFERENCE
#     Run GUEST under mmuemu and under REFERENCE ("native" or "qemu-aarch64"), each in an
#     empty directory of its own: stdout and the exit status must be the same, and mmuemu
#     must say nothing on stderr. REFERENCE.known lists lines (in Linux's form) where that
#     reference departs from Linux: the reference's line with the same key (up to ": ") is
#     left out, and mmuemu's must be the Linux line itself.
# run.sh expect MMUEMU GUEST EXPECTED [MMUEMU-OPTIONS...]
#     Run GUEST under mmuemu only, as `GUEST HOSTPID MARKER` where HOSTPID is the host pid of
#     the mmuemu process and MARKER a string in mmuemu's own environment; stdout must be
#     EXPECTED (@COMM@ stands for the guest's comm), the exit status 0, and mmuemu alive.
set -u
. "$(dirname "$0")/../native.sh"
mode=$1 mmuemu=$2 guest=$3
shift 3
case $guest in /*) ;; *) guest=$(pwd)/$guest ;; esac
case $mmuemu in /*) ;; *) mmuemu=$(pwd)/$mmuemu ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/ref" "$tmp/emu"
fail=0

if [ "$mode" = expect ]; then
	expected=$1
	shift
	comm=$(basename "$guest" | cut -c1-15)
	sed "s|@COMM@|$comm|g" "$expected" >"$tmp/expected"
	marker=host-secret-$$
	(cd "$tmp/emu" && PROC_TEST_MARKER=$marker exec sh -c 'exec "$@" "$$" "$PROC_TEST_MARKER"' \
		sh "$mmuemu" "$@" "$guest") >"$tmp/emu.out" 2>"$tmp/emu.err" </dev/null
	status=$?
	if ! cmp -s "$tmp/expected" "$tmp/emu.out"; then
		echo "stdout is not $(basename "$expected") (- expected, + mmuemu):"
		diff -u "$tmp/expected" "$tmp/emu.out"
		fail=1
	fi
	if [ "$status" != 0 ]; then
		echo "exit status $status, expected 0"
		fail=1
	fi
	echo "--- mmuemu stderr"; cat "$tmp/emu.err"
	[ $fail = 0 ] && echo "ok: $(basename "$guest") prints $(basename "$expected")"
	exit $fail
fi

ref=$1
case $ref in
native)
	native_ok "$guest" || { echo "the host's machine is not the guest's: no native run"; exit 77; }
	runner= ;;
*)
	command -v "$ref" >/dev/null 2>&1 || { echo "$ref not installed"; exit 77; }
	runner=$ref ;;
esac
(cd "$tmp/ref" && exec $runner "$guest") >"$tmp/ref.out" 2>"$tmp/ref.err" </dev/null
ref_status=$?
(cd "$tmp/emu" && exec "$mmuemu" "$guest") >"$tmp/emu.out" 2>"$tmp/emu.err" </dev/null
emu_status=$?

known=$(dirname "$0")/$ref.known
if [ -f "$known" ]; then
	grep -v -e '^#' -e '^$' "$known" | while IFS= read -r line; do
		key=${line%%: *}
		if ! grep -q -x -F -e "$line" "$tmp/emu.out"; then
			echo "mmuemu does not print the Linux line: $line"
			echo x >>"$tmp/known.fail"
		fi
		grep -v -F -e "$key: " "$tmp/ref.out" >"$tmp/ref.f"; mv "$tmp/ref.f" "$tmp/ref.out"
		grep -v -F -e "$key: " "$tmp/emu.out" >"$tmp/emu.f"; mv "$tmp/emu.f" "$tmp/emu.out"
	done
	[ -f "$tmp/known.fail" ] && fail=1
fi
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
	echo "mmuemu stderr:"; cat "$tmp/emu.err"
	fail=1
fi
echo "--- mmuemu stdout"; cat "$tmp/emu.out"
[ $fail = 0 ] && echo "ok: $(basename "$guest") matches $ref (status $emu_status)"
exit $fail
