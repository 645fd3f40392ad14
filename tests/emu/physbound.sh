#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# physbound.sh - the bounds of guest physical memory and of the tracer's strings, with a
# hostile guest (physbound_guest.c).
#
# usage: physbound.sh MMUEMU GUEST ARCH
#
#  1. attack, plain mmuemu and the reference (native x86_64, qemu-aarch64): the stale read
#     faults, SIGSEGV, status 139, the same stdout.
#  2. attack under --no-tlb-flush --mem=1536M: the freed frame became a page table, the
#     guest wrote 1 GiB leaves past guest memory into it; every write(2) from them is
#     EFAULT, the direct read is SIGBUS (135) reported as a non-existent physical address,
#     mmuemu survives, and no byte of the host ("ELF", or anything past the three lines)
#     comes out, with and without --trace=syscall, --check naming the entry.
#  3. trace: openat() strings printed as strace prints them (32 bytes, then "...").
set -u
mmuemu=$1 guest=$2 arch=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmuemu-physbound.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
ulimit -c 0
failed=0
fail() { echo "FAIL: $*"; failed=1; }

run() { # TAG CMD...
	local tag=$1; shift
	timeout 60 "$@" </dev/null >"$tmp/$tag.out" 2>"$tmp/$tag.err"
	echo $? >"$tmp/$tag.status"
}
status() { cat "$tmp/$1.status"; }
no_host_bytes() { # TAG
	if grep -aq "ELF" "$tmp/$1.out" "$tmp/$1.err"; then
		fail "$1: host bytes (ELF) in the output"
	fi
	if grep -aqE "AddressSanitizer|runtime error|mm warning" "$tmp/$1.err"; then
		fail "$1: sanitizer or mm warning"; cat "$tmp/$1.err"
	fi
}

# 1
run emu "$mmuemu" "$guest"
[ "$(status emu)" = 139 ] || fail "emu: status $(status emu), expected 139"
case $arch in
x86_64) run ref "$guest" ;;
riscv64) if command -v qemu-riscv64 >/dev/null; then run ref qemu-riscv64 "$guest"; fi ;;
*) if command -v qemu-aarch64 >/dev/null; then run ref qemu-aarch64 "$guest"; fi ;;
esac
if [ -f "$tmp/ref.status" ]; then
	[ "$(status ref)" = 139 ] || fail "ref: status $(status ref), expected 139"
	cmp -s "$tmp/ref.out" "$tmp/emu.out" || fail "emu and ref stdout differ"
fi

# 2
cat >"$tmp/want" <<'OUT'
old page reads 0x1234
touched R; reading the old page after munmap
old page now has 1 nonzero entries
write(1) from the leaf at 1 GiB: -14
write(1) from the leaf at 2 GiB: -14
write(1) from the leaf at 3 GiB: -14
reading the leaf at 1 GiB directly
OUT
for opts in "" "--trace=syscall" "--check"; do
	tag=noflush${opts:+-${opts#--}}
	tag=${tag%%=*}
	# shellcheck disable=SC2086
	run "$tag" "$mmuemu" --no-tlb-flush --mem=1536M $opts "$guest"
	no_host_bytes "$tag"
	if [ "$opts" = --check ]; then
		# --check stops the guest at the refused fill and names the entry.
		[ "$(status "$tag")" = 125 ] || fail "$tag: status $(status "$tag"), expected 125"
		grep -q "outside guest memory" "$tmp/$tag.err" ||
			fail "$tag: --check does not name the bad entry"
		continue
	fi
	[ "$(status "$tag")" = 135 ] || fail "$tag: status $(status "$tag"), expected 135 (SIGBUS)"
	diff -u "$tmp/want" "$tmp/$tag.out" || fail "$tag: stdout differs"
	grep -q "SIGBUS (BUS_ADRERR: non-existent physical address" "$tmp/$tag.err" ||
		fail "$tag: no SIGBUS report"
	grep -q "points outside guest physical memory" "$tmp/$tag.err" ||
		fail "$tag: the walk does not mark the bad leaf"
done

# 3
run trace "$mmuemu" --trace=syscall "$guest" trace
no_host_bytes trace
page=$(sed -n 's/^page //p' "$tmp/trace.err")
end=$(printf '0x%x' $((page + 4096 - 5)))
b32=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
cat >"$tmp/want" <<OUT
openat(AT_FDCWD, "/nonexistent-mmuemu/0123456789ab"..., 0x0, 00) = -ENOENT (No such file or directory)
openat(AT_FDCWD, "/nonexistent-mmuemu/0123456789ab", 0x0, 00) = -ENOENT (No such file or directory)
openat(AT_FDCWD, "/nonexistent-\\"q\\\\\\n\\t\\1\\377", 0x0, 00) = -ENOENT (No such file or directory)
openat(AT_FDCWD, $end, 0x0, 00) = -EFAULT (Bad address)
openat(AT_FDCWD, "$b32"..., 0x0, 00) = -EFAULT (Bad address)
openat(AT_FDCWD, "$b32"..., 0x0, 00) = -EFAULT (Bad address)
OUT
grep -a "openat(" "$tmp/trace.err" | sed 's/^syscall #[0-9]*: //' >"$tmp/got"
diff -u "$tmp/want" "$tmp/got" || fail "trace: openat lines differ"
[ "$(status trace)" = 0 ] || fail "trace: status $(status trace)"
if [ "$arch" = x86_64 ]; then
	run traceref "$guest" trace
	cmp -s "$tmp/trace.out" "$tmp/traceref.out" || fail "trace: results differ from native"
fi
[ $failed = 0 ] && echo "ok: physbound $arch"
exit $failed
