#!/bin/sh
# random.sh MMUEMU GUEST - run the random-instruction GUEST under mmuemu with seed after
# seed for PRIV_RANDOM_SECONDS (default 60) seconds (PRIV_RANDOM_SEED: the first seed).
# mmuemu must end by exiting (it reports a guest's death by signal as an exit status), with
# no sanitizer report or assertion on stderr and not with 125 (--check). A run that spins
# in a random loop is stopped after 1 s and counted.
set -u
mmuemu=$1 guest=$2
secs=${PRIV_RANDOM_SECONDS:-60}
seed=${PRIV_RANDOM_SEED:-1}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
end=$(($(date +%s) + secs))
runs=0 spins=0 fail=0
# One run, at most 1 s: prints "exit N", "signal N" (mmuemu itself killed: a host crash,
# since mmuemu reports a guest's death by its exit status) or "spin".
run1() {
	perl -e '
		my $pid = fork // die;
		if (!$pid) { open STDOUT, ">", "/dev/null"; exec @ARGV or exit 127 }
		my $spin = 0;
		local $SIG{ALRM} = sub { $spin = 1; kill 9, $pid };
		alarm 1;
		waitpid($pid, 0);
		my $s = $?;
		print $spin ? "spin\n" : ($s & 127) ? "signal " . ($s & 127) . "\n" : "exit " . ($s >> 8) . "\n";
	' "$@"
}
while [ "$(date +%s)" -lt "$end" ]; do
	res=$(run1 "$mmuemu" "$guest" "$seed" 2>"$tmp/err" </dev/null)
	runs=$((runs + 1))
	if grep -q "Sanitizer\|runtime error:\|assertion\|Assertion" "$tmp/err"; then
		echo "seed $seed: sanitizer or assertion report"; cat "$tmp/err"; fail=1; break
	fi
	case $res in
	spin) spins=$((spins + 1)) ;;
	"exit 125") echo "seed $seed: --check failed"; cat "$tmp/err"; fail=1; break ;;
	exit*) ;;
	*) echo "seed $seed: mmuemu died: $res"; cat "$tmp/err"; fail=1; break ;;
	esac
	seed=$((seed + 1))
done
echo "$runs runs of 64 random pages each ($spins stopped spinning), seeds up to $seed"
exit $fail
