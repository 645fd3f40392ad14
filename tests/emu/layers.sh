#!/bin/sh
# layers.sh OBJDIR [A:B...] - emu/ is in layers: no two of its object files call each
# other. For every pair of emu/*.c objects in OBJDIR (meson's mmuemu.p), A uses B when
# one of A's undefined symbols is defined by B (nm). A two-file cycle (A uses B and B uses
# A) fails, naming the symbols each way, unless the pair is listed as A:B (known and
# owned elsewhere; the test says so).
set -u
dir=$1
shift
allow=" $* "
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
objs=$(ls "$dir"/*.c.o 2>/dev/null)
[ -n "$objs" ] || { echo "no emu objects in $dir"; exit 1; }
for o in $objs; do
	n=$(basename "$o" .c.o)
	nm "$o" | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort -u >"$tmp/$n.def"
	nm "$o" | awk '$1 == "U" { print $2 }' | sort -u >"$tmp/$n.und"
done
fail=0
for a in $objs; do
	a=$(basename "$a" .c.o)
	for b in $objs; do
		b=$(basename "$b" .c.o)
		[ "$a" \< "$b" ] || continue
		ab=$(comm -12 "$tmp/$a.und" "$tmp/$b.def" | tr '\n' ' ')
		ba=$(comm -12 "$tmp/$b.und" "$tmp/$a.def" | tr '\n' ' ')
		if [ -n "$ab" ] && [ -n "$ba" ]; then
			case $allow in
			*" $a:$b "*|*" $b:$a "*)
				echo "known cycle, allowed: $a <-> $b"
				continue ;;
			esac
			echo "cycle: $a -> $b: $ab"
			echo "       $b -> $a: $ba"
			fail=1
		fi
	done
done
[ $fail = 0 ] && echo "ok: no two emu/ files call each other"
exit $fail
