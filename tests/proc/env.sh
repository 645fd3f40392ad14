#!/bin/sh
# env.sh MMUEMU GUEST REFERENCE - the guest's environment: mmuemu passes its own through
# (as qemu-user does), -U removes a variable, -E sets one, --clear-env starts empty. Each
# case runs GUEST (printenv.c) under mmuemu and under REFERENCE: "native" gets the same
# environment from env(1), qemu-aarch64 takes the same -U and -E options. The variables
# are compared as sets (qemu-user reorders them); qemu's /proc/self/environ is the qemu
# process's own, so under qemu only mmuemu's is checked against envp. TAP output.
set -u
. "$(dirname "$0")/../native.sh"
mmuemu=$1 guest=$2 ref=$3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
case $ref in
native) native_ok "$guest" || { echo "1..0 # SKIP the host's machine is not the guest's"; exit 0; } ;;
*) command -v "$ref" >/dev/null 2>&1 || { echo "1..0 # SKIP $ref not installed"; exit 0; } ;;
esac
n=0 fail=0
# The sanitizers' settings survive env -i (both runs get them, so they compare equal).
san=
for v in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
	eval "val=\${$v:-}"
	[ -n "$val" ] && san="$san $v=$val"
done

# check NAME ENV-ARGS -- MMUEMU-OPTS -- NATIVE-ENV-OPTS: ENV-ARGS set up the environment
# both runs start from (as for env(1)).
check() {
	name=$1
	shift
	base=$san
	while [ "$1" != -- ]; do base="$base $1"; shift; done
	shift
	opts=
	while [ "$1" != -- ]; do opts="$opts $1"; shift; done
	shift
	nat=$*
	n=$((n + 1))
	# shellcheck disable=SC2086
	env -i $base "$mmuemu" $opts "$guest" >"$tmp/emu" 2>"$tmp/emu.err"
	if [ "$ref" = native ]; then
		# shellcheck disable=SC2086
		env -i $base env $nat "$guest" >"$tmp/ref" 2>&1
	else
		# shellcheck disable=SC2086
		env -i $base "$ref" $opts "$guest" >"$tmp/ref" 2>&1
	fi
	if [ "$ref" != native ]; then
		grep -v '^# ' "$tmp/ref" >"$tmp/ref.f"
		echo "# /proc/self/environ is envp: 1" >>"$tmp/ref.f"
		mv "$tmp/ref.f" "$tmp/ref"
	fi
	sort "$tmp/ref" >"$tmp/ref.s"
	sort "$tmp/emu" >"$tmp/emu.s"
	if cmp -s "$tmp/ref.s" "$tmp/emu.s" && [ ! -s "$tmp/emu.err" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		diff -u "$tmp/ref.s" "$tmp/emu.s" | sed 's/^/#   /'
		sed 's/^/#   stderr: /' "$tmp/emu.err"
		fail=1
	fi
}

echo "1..5"
check "the caller's environment passes through" FOO=bar HOME=/nowhere -- --
check "-E sets and replaces" FOO=bar -- -E FOO=baz -E NEW=1 -- FOO=baz NEW=1
check "-U removes" FOO=bar KEEP=1 -- -U FOO -- -u FOO
check "-U and -E together" FOO=bar KEEP=1 -- -U KEEP -E FOO=x -- -u KEEP FOO=x
n=$((n + 1))
# shellcheck disable=SC2086
env -i FOO=bar $san "$mmuemu" --clear-env -E ONLY=1 "$guest" >"$tmp/emu" 2>&1
printf 'ONLY=1\n# /proc/self/environ is envp: 1\n' >"$tmp/want"
if cmp -s "$tmp/want" "$tmp/emu"; then
	echo "ok $n - --clear-env starts empty"
else
	echo "not ok $n - --clear-env starts empty"
	diff -u "$tmp/want" "$tmp/emu" | sed 's/^/#   /'
	fail=1
fi
exit $fail
