#!/usr/bin/env bash
# static_pie.sh SRCDIR ARCH COMPILER - a cross toolchain that cannot link -static-pie (as
# Debian's riscv64 cross glibc, without rcrt1.o) at configure time (TAP): with COMPILER
# replaced on PATH by a wrapper that refuses -static-pie, `meson setup` succeeds, says once
# that ARCH gets no static-pie tests, defines none of them for ARCH, and keeps ARCH's
# -static ones.
set -u
src=$1 arch=$2 compiler=$3
tmp=$(mktemp -d /tmp/mmuemu-config.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
echo 1..4

real=$(command -v "$compiler") || { echo "1..0 # SKIP $compiler not installed"; exit 0; }
mkdir "$tmp/bin"
cat >"$tmp/bin/$compiler" <<WRAP
#!/bin/sh
for a in "\$@"; do
	[ "\$a" = -static-pie ] && { echo "ld: cannot find rcrt1.o" >&2; exit 1; }
done
exec "$real" "\$@"
WRAP
chmod +x "$tmp/bin/$compiler"

PATH="$tmp/bin:$PATH" meson setup "$tmp/b" "$src" >"$tmp/b.log" 2>&1
rc=$?
[ $rc = 0 ] && ok "configures with a $compiler that refuses -static-pie" ||
	{ no "configures (rc $rc)"; sed 's/^/# /' "$tmp/b.log" | tail -n 20; }
c=$(grep -c "$arch: $compiler cannot link -static-pie, so no static-pie tests for $arch" "$tmp/b.log")
[ "$c" = 1 ] && ok "one message names $arch and $compiler" || no "one message names $arch and $compiler (found $c)"
if [ -f "$tmp/b/build.ninja" ] && ! grep -q "libc_guest_pie-$arch" "$tmp/b/build.ninja" &&
	grep -q "libc_guest-$arch" "$tmp/b/build.ninja"; then
	ok "no static-pie guest for $arch, its -static guests kept"
else
	no "no static-pie guest for $arch, its -static guests kept"
fi
tests=$(cd "$tmp/b" && meson test --list 2>/dev/null)
if echo "$tests" | grep -q "emu-libc_guest-$arch$" && ! echo "$tests" | grep -qE "emu-(libc_guest_pie|elf-accept|elf-errors-pie)-$arch$"; then
	ok "no static-pie test for $arch"
else
	no "no static-pie test for $arch"
fi
exit $fail
