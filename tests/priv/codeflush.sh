#!/bin/sh
# codeflush.sh MMUEMU GUEST REFERENCE - GUEST's output under REFERENCE ("native" or
# "qemu-aarch64"), then under mmuemu with --inject=code-flush:N for each N in CODEFLUSH_N
# (default "7 13 29 61 127"): a code flush forced at every Nth TLB fill, each one
# refusing the fill and restarting the instruction. Every run must print the same. (Small
# N are slow: each flush drops every translation, and N=1 takes about 30 s.)
set -u
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
mmuemu=$1 guest=$2 ref=$3
list=${CODEFLUSH_N:-7 13 29 61 127}
case $ref in
native) want=$("$guest") ;;
*) command -v "$ref" >/dev/null 2>&1 || { echo "$ref not installed"; exit 77; }
   want=$("$ref" "$guest") ;;
esac
for n in $list; do
	got=$("$mmuemu" --inject=code-flush:$n "$guest" 2>"$tmp")
	st=$?
	if [ "$got" != "$want" ] || [ $st != 0 ]; then
		echo "code-flush:$n: status $st, got '$got', $ref printed '$want'"
		cat "$tmp"
		exit 1
	fi
	echo "code-flush:$n: $got"
done
echo "ok: $want for code-flush:$list"
