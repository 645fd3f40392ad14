#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# compare.sh MMUEMU PROGRAM... - `mmuemu --compare=P2 --compare=P3 ... P1` prints one column
# per program, in that order, and each column holds the values that program's own --stats
# run gives (every key without a level; the level rows once per depth). TAP output.
# tests/guest/meson.build passes pgtable_share of every built architecture.
set -u
mmuemu=$1
shift
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmuemu-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}

echo "1..$(($# + 3))"
args=()
for p in "${@:2}"; do args+=("--compare=$p"); done
"$mmuemu" "${args[@]}" "$1" >"$tmp/out" 2>"$tmp/err"
ok $? "--compare with $# programs exits 0"
sed 's/^/# /' "$tmp/err"

# The header: "# mmuemu compare: ARCH PATH | ARCH PATH ...", then "metric ARCH ARCH ...".
want_arches=()
for p in "$@"; do
	"$mmuemu" --stats "$p" >/dev/null 2>"$tmp/stats.$((${#want_arches[@]} + 1))"
	want_arches+=("$(awk '/^# mmuemu stats:/ { print $4; exit }' "$tmp/stats.$((${#want_arches[@]} + 1))")")
done
got=$(awk '$1 == "metric" { $1 = ""; print substr($0, 2); exit }' "$tmp/err")
[ "$got" = "${want_arches[*]}" ]
ok $? "one column per program, in order: '$got' (expected '${want_arches[*]}')"
cols=$(awk '$1 == "metric" { on = 1; next } on && NF != '"$(($# + 1))"' { bad = 1 } END { print bad + 0 }' "$tmp/err")
[ "$cols" = 0 ]
ok $? "every row has $# values"

# Column k against program k's own --stats, for each key without a level.
for k in $(seq 1 $#); do
	bad=$(awk -v col=$((k + 1)) 'FNR == NR { if (/^# mmuemu stats:/) on = 1; else if (on && $1 !~ /\./) want[$1] = $2; next }
		$1 == "metric" { tab = 1; next }
		tab && ($1 in want) { seen++; if ($col != want[$1]) { print $1 ": " $col " != " want[$1]; bad = 1 } }
		END { if (seen < 20) print "only " seen + 0 " keys matched" }' "$tmp/stats.$k" "$tmp/err")
	[ -z "$bad" ]
	ok $? "column $k (${want_arches[$((k - 1))]}) equals its own --stats run${bad:+: $bad}"
done
exit $fail
