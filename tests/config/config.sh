#!/usr/bin/env bash
# config.sh SRCDIR ARCH COMPILER - the 'arches' option at configure time (TAP):
#  1. with COMPILER (ARCH's cross compiler) off PATH, `meson setup` still succeeds, warns
#     once naming ARCH and COMPILER, keeps ARCH in the generated ARCH_LIST (mmuemu still
#     emulates it) and defines none of ARCH's guests;
#  2. -Darches=x86_64 generates ARCH_LIST with x86_64 alone;
#  3. an architecture without a folder is refused with a message naming it.
set -u
src=$1 arch=$2 compiler=$3
tmp=$(mktemp -d /tmp/mmuemu-config.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
echo 1..6

# Every program on PATH but COMPILER (and its versioned names), as links in one folder.
mkdir "$tmp/bin"
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
	for f in "$d"/*; do
		b=${f##*/}
		case "$b" in "$compiler"|"$compiler"-[0-9]*) continue ;; esac
		[ -e "$tmp/bin/$b" ] || ln -s "$f" "$tmp/bin/$b" 2>/dev/null
	done
done

PATH="$tmp/bin" meson setup "$tmp/b1" "$src" >"$tmp/b1.log" 2>&1
rc=$?
[ $rc = 0 ] && ok "configures without $compiler" || { no "configures without $compiler (rc $rc)"; sed 's/^/# /' "$tmp/b1.log" | tail -n 20; }
c=$(grep -c "WARNING: arches: $arch: $compiler not found" "$tmp/b1.log")
[ "$c" = 1 ] && ok "one warning names $arch and $compiler" || no "one warning names $arch and $compiler (found $c)"
grep -q "X($arch)" "$tmp/b1/arch/arches.h" 2>/dev/null && ok "$arch is still emulated (ARCH_LIST)" || no "$arch is still emulated (ARCH_LIST)"
if [ -f "$tmp/b1/build.ninja" ] && ! grep -q "hello-$arch" "$tmp/b1/build.ninja" && grep -q "hello-x86_64" "$tmp/b1/build.ninja"; then
	ok "no $arch guests are built, the others are"
else
	no "no $arch guests are built, the others are"
fi

meson setup "$tmp/b2" "$src" -Darches=x86_64 >"$tmp/b2.log" 2>&1
if grep -q '^#define ARCH_LIST(X) X(x86_64)$' "$tmp/b2/arch/arches.h" 2>/dev/null; then
	ok "-Darches=x86_64 lists x86_64 alone"
else
	no "-Darches=x86_64 lists x86_64 alone"
fi

meson setup "$tmp/b3" "$src" -Darches=x86_64,nosuch >"$tmp/b3.log" 2>&1
rc=$?
if [ $rc != 0 ] && grep -q 'arches: no architecture "nosuch"' "$tmp/b3.log"; then
	ok "an unknown architecture is refused by name"
else
	no "an unknown architecture is refused by name (rc $rc)"
fi
exit $fail
