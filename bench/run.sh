#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run.sh - time the bench guest natively, under qemu-user and under mmuemu.
#
# usage: bench/run.sh [MMUEMU [ARCH:REFERENCE:BENCH...]]
#   One ARCH:REFERENCE:BENCH per architecture (bench/meson.build passes them: REFERENCE is
#   meson's guest_reference, "native" or "qemu-ARCH"). Defaults: build/emu/mmuemu, and for
#   every architecture `mmuemu --arch-info` lists, build/bench/bench-ARCH with the reference
#   qemu-MACHINE (its uname machine).
#   Environment: RUNS (default 5) timed runs per row; MM_ROUNDS, COMPUTE_ROUNDS, MAPS_COUNT
#   sizes ("maps 65523": that many one-page mmaps, the x native column is the ratio).
#
# Each workload runs on every runner this host has: native (the host's own architecture),
# each architecture's qemu-user reference, and mmuemu for every architecture. With hyperfine installed it does the
# timing (3 warm-up runs); otherwise the mean of RUNS runs timed with date +%s%N. The table
# gives the mean wall time, the ratio to the native run and the ratio to qemu-user running
# the same architecture. Runs whose output differs from the others' are flagged.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mmuemu=${1:-$root/build/emu/mmuemu}
shift $(($# > 0 ? 1 : 0))
if [ ! -x "$mmuemu" ]; then
	echo "bench: $mmuemu is missing (build first: make build)" >&2
	exit 1
fi
# arch_info ARCH KEY: from `mmuemu --arch-info=ARCH`.
arch_info() {
	"$mmuemu" --arch-info="$1" | sed -n "s/^$2=//p"
}
if [ $# = 0 ]; then
	for a in $("$mmuemu" --arch-info | sed -n 's/^arch=//p'); do
		set -- "$@" "$a:qemu-$(arch_info "$a" uname_machine):$root/build/bench/bench-$a"
	done
fi
runs=${RUNS:-5}
mm_rounds=${MM_ROUNDS:-2000}
compute_rounds=${COMPUTE_ROUNDS:-20000000}
maps_count=${MAPS_COUNT:-65523}

for spec in "$@"; do
	f=${spec#*:*:}
	if [ ! -x "$f" ]; then
		echo "bench: $f is missing (build first: make build)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmuemu-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

host=$(uname -m)
have() { command -v "$1" >/dev/null; }

# Rows: "label|arch|command words". qemu rows come before mmuemu rows of their arch.
# The native row first: the architecture whose uname machine is the host's.
rows=()
for spec in "$@"; do
	a=${spec%%:*} bin=${spec#*:*:}
	[ "$host" = "$(arch_info "$a" uname_machine)" ] && rows+=("native|$a|$bin")
done
for spec in "$@"; do
	a=${spec%%:*} ref=${spec#*:} bin=${spec#*:*:}
	ref=${ref%%:*}
	# A reference of "native" on another host is still qemu-user for its machine.
	[ "$ref" = native ] && ref=qemu-$(arch_info "$a" uname_machine)
	have "$ref" && rows+=("qemu-user|$a|$ref $bin")
	rows+=("mmuemu|$a|$mmuemu $bin")
done

# time_ms COMMAND...: mean wall time in milliseconds.
time_ms() {
	if have hyperfine; then
		hyperfine --style none --warmup 3 --runs "$runs" --export-csv "$tmp/h.csv" \
			"$*" >/dev/null 2>&1 || return 1
		# command,mean,stddev,median,... in seconds
		awk -F, 'NR == 2 { printf "%.2f\n", $2 * 1000 }' "$tmp/h.csv"
		return
	fi
	local i t0 t1 total=0
	"$@" >/dev/null 2>&1 || return 1          # warm-up
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		total=$((total + t1 - t0))
	done
	awk -v ns="$total" -v n="$runs" 'BEGIN { printf "%.2f\n", ns / n / 1e6 }'
}

ratio() {
	if [ -z "$2" ]; then echo -; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; fi
}

echo "# mmuemu bench on $host: mean of $runs runs ($(have hyperfine && echo hyperfine || echo date +%s%N))"
printf '%-8s %-10s %-7s %12s %10s %10s  %s\n' workload runner arch "mean ms" "x native" "x qemu" output
status=0
for workload in "compute $compute_rounds" "mm $mm_rounds" "maps $maps_count"; do
	native='' ref_out=''
	declare -A qemu=()
	for row in "${rows[@]}"; do
		IFS='|' read -r label arch cmd <<<"$row"
		# shellcheck disable=SC2086 # cmd is words by design
		out=$($cmd $workload 2>&1)
		rc=$?
		note=$out
		if [ $rc != 0 ]; then
			note="FAILED (exit $rc): $out"
			status=1
		elif [ -z "$ref_out" ]; then
			ref_out=$out
		elif [ "$out" != "$ref_out" ]; then
			note="$out  DIFFERS from '$ref_out'"
			status=1
		fi
		# shellcheck disable=SC2086
		ms=$(time_ms $cmd $workload) || ms=
		if [ -z "$ms" ]; then
			printf '%-8s %-10s %-7s %12s %10s %10s  %s\n' "${workload%% *}" "$label" "$arch" - - - "$note"
			continue
		fi
		[ "$label" = native ] && native=$ms
		[ "$label" = qemu-user ] && qemu[$arch]=$ms
		printf '%-8s %-10s %-7s %12s %10s %10s  %s\n' "${workload%% *}" "$label" "$arch" "$ms" \
			"$(ratio "$ms" "$native")" "$(ratio "$ms" "${qemu[$arch]:-}")" "$note"
	done
done
exit $status
