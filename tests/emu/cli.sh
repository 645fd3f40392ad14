#!/bin/sh
# cli.sh MMUEMU GUEST - the command line: bad usage is one message and status 2, the
# informational options succeed, and options stop at PROGRAM. TAP output.
set -u
mmuemu=$1 guest=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0

# expect NAME STATUS PATTERN ARGS... : run mmuemu ARGS, want STATUS and PATTERN (grep -E)
# somewhere in its stdout+stderr.
expect() {
	name=$1 want=$2 pattern=$3
	shift 3
	n=$((n + 1))
	"$mmuemu" "$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" = "$want" ] && grep -Eq -- "$pattern" "$tmp/out"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name: status $got (want $want), output:"
		sed 's/^/#   /' "$tmp/out"
		fail=1
	fi
}

echo "1..23"
expect "no arguments" 2 "missing PROGRAM"
expect "unknown option" 2 "Unknown option --bogus" --bogus "$guest"
expect "unknown short option" 2 "Unknown option -q" -q "$guest"
expect "--mem without a size" 2 "invalid --mem size" --mem=lots "$guest"
expect "--mem too small" 2 "between 1M and 1T" --mem=4K "$guest"
expect "--mem not page-aligned" 2 "multiple of 4K" --mem=1000001 "$guest"
expect "--trace with an unknown item" 2 "invalid --trace list 'mm,bogus'" --trace=mm,bogus "$guest"
expect "-E without =" 2 "expected VAR=VALUE" -E FOO "$guest"
expect "-E without a name" 2 "expected VAR=VALUE" -E =1 "$guest"
expect "-U with =" 2 "-U A=1: expected a variable name" -U A=1 "$guest"
expect "-U takes a value" 7 "^argc 1$" -U HOME "$guest"
expect "option value missing" 2 "Missing argument for --mem" --mem
expect "--version" 0 "^mmuemu 0\.1\.0$" --version
expect "--help" 0 "Usage:" --help
expect "--mem with a suffix" 7 "^argc 1$" --mem=256M "$guest"
# Guest memory runs out: while the stack is built (arguments bigger than --mem), and later,
# with the size reported as given.
big=$(head -c 100000 /dev/zero | tr '\0' x)
expect "out of memory building the stack" 139 "out of guest memory .* initial stack" \
	--mem=1M "$guest" "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big"
expect "--mem=1100K is reported as 1100 KiB" 139 "out of guest memory \(1100 KiB\)" --mem=1100K "$guest"
# Options after PROGRAM belong to the guest.
expect "options stop at PROGRAM" 7 "^argv\[1\] --stats$" "$guest" --stats
expect "-- ends the options" 7 "^argv\[1\] --bogus$" -- "$guest" --bogus
# --arch-info: a block per built architecture; the guest's own one has its ELF machine.
expect "--arch-info of an unknown name" 2 "no architecture 'nosuch' in this build" --arch-info=nosuch
arch=$("$mmuemu" --stats "$guest" 2>&1 >/dev/null | awk '/^# mmuemu stats:/ { print $4 }')
machine=$(od -An -tu2 -j18 -N2 "$guest" | tr -d ' ')
expect "--arch-info=$arch: the guest's ELF machine $machine" 0 "^elf_machine=$machine$" --arch-info="$arch"
expect "--arch-info=$arch: level names as --stats has them" 0 \
	"^level_names=$("$mmuemu" --stats "$guest" 2>&1 >/dev/null | sed -n 's/^tables_alloc\.\([^ ]*\) .*/\1/p' | tr '\n' ' ' | sed 's/ $//')$" \
	--arch-info="$arch"
names=$("$mmuemu" --arch-info | sed -n 's/^arch=//p' | tr '\n' ',' | sed 's/,$//; s/,/, /g')
expect "--help names every built architecture ($names)" 0 "ELF program \($names\)" --help
exit $fail
