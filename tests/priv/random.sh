#!/bin/sh
# random.sh MMUEMU GUEST - run the random-instruction GUEST under mmuemu with seed after
# seed for PRIV_RANDOM_SECONDS (default 60) seconds. Every run must end as a guest ends:
# exit 0, or a guest signal status (128 + 1..64, 139 for an unhandled fault). A run that
# spins in a random loop is stopped after 1 s and counted. Any other status (125: --check,
# 134/255: mmuemu aborted), or a sanitizer report on stderr, fails the test.
set -u
mmuemu=$1 guest=$2
secs=${PRIV_RANDOM_SECONDS:-60}
seed=${PRIV_RANDOM_SEED:-1}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
end=$(($(date +%s) + secs))
runs=0 spins=0 fail=0
while [ "$(date +%s)" -lt "$end" ]; do
	timeout -s KILL 1 "$mmuemu" "$guest" "$seed" >"$tmp/out" 2>"$tmp/err"
	st=$?
	runs=$((runs + 1))
	if grep -q "Sanitizer\|runtime error:" "$tmp/err"; then
		echo "seed $seed: sanitizer report"; cat "$tmp/err"; fail=1; break
	fi
	case $st in
	0) ;;
	137) spins=$((spins + 1)) ;;
	125|134|255) echo "seed $seed: mmuemu status $st"; cat "$tmp/err"; fail=1; break ;;
	*) if [ "$st" -le 128 ] || [ "$st" -gt 192 ]; then
		echo "seed $seed: status $st"; cat "$tmp/err"; fail=1; break
	   fi ;;
	esac
	seed=$((seed + 1))
done
echo "$runs runs ($spins stopped spinning), last seed $seed"
exit $fail
