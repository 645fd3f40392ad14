#!/bin/sh
# messages.sh MMUEMU MSG_GUEST - what mmuemu says on stderr when a guest ends by a signal or
# asks for a syscall it does not serve (msg_guest.c), in TAP:
#  - a real-time signal is named SIGRTMIN+n / SIGRTMAX-n (kernel numbering, SIGRTMIN = 32);
#  - death by SIGPIPE is silent (status 141), as under Linux and qemu-user;
#  - each unknown syscall is named once and returns ENOSYS;
#  - a SIGBUS report begins "bus error at", not "segfault at".
set -u
mmuemu=$1 guest=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

check() {	# check DESCRIPTION COMMAND...
	n=$((n + 1))
	desc=$1
	shift
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		echo "# stderr:"; sed 's/^/#   /' "$tmp/err"
		failed=1
	fi
}

run() {	# run ARGS...: status in $status, stdout in $tmp/out, stderr in $tmp/err
	"$mmuemu" "$guest" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

echo "1..9"

run rt 40
check "kill(self, 40): status 168" [ "$status" = 168 ]
check "signal 40 is SIGRTMIN+8" grep -q "killed by SIGRTMIN+8 " "$tmp/err"
run rt 60
check "signal 60 is SIGRTMAX-4" grep -q "killed by SIGRTMAX-4 " "$tmp/err"

run pipe
check "write to a closed pipe: status 141" [ "$status" = 141 ]
check "SIGPIPE says nothing on stderr" [ ! -s "$tmp/err" ]

run nosys
check "unknown syscalls return ENOSYS" grep -qx "syscall 1000: -1 ENOSYS" "$tmp/out"
named_once() {
	[ "$(grep -c 'syscall 1000 ' "$tmp/err")" = 1 ] &&
		[ "$(grep -c 'syscall 5000 ' "$tmp/err")" = 1 ] && [ "$(wc -l <"$tmp/err")" = 2 ]
}
check "each unknown number named once" named_once

run sigbus
check "a read past the end of the file: status 135" [ "$status" = 135 ]
check "the SIGBUS report says bus error" \
	grep -q "^mmuemu: msg_guest[^:]*: bus error at [0-9a-f]* ip " "$tmp/err"

exit $failed
