#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run.sh - time the bench guest natively, under qemu-user and under mmuemu.
#
# usage: bench/run.sh [MMUEMU BENCH_X86_64 BENCH_ARM64]
#   Defaults: build/emu/mmuemu, build/bench/bench-x86_64, build/bench/bench-arm64.
#   Environment: RUNS (default 5) timed runs per row; MM_ROUNDS, COMPUTE_ROUNDS, MAPS_COUNT
#   sizes ("maps 65523": that many one-page mmaps, the x native column is the ratio).
#
# Each workload runs on every runner this host has: native (the host's own architecture),
# qemu-x86_64, qemu-aarch64, and mmuemu for both. With hyperfine installed it does the
# timing (3 warm-up runs); otherwise the mean of RUNS runs timed with date +%s%N. The table
# gives the mean wall time, the ratio to the native run and the ratio to qemu-user running
# the same architecture. Runs whose output differs from the others' are flagged.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mmuemu=${1:-$root/build/emu/mmuemu}
bin_x86_64=${2:-$root/build/bench/bench-x86_64}
bin_arm64=${3:-$root/build/bench/bench-arm64}
runs=${RUNS:-5}
mm_rounds=${MM_ROUNDS:-2000}
compute_rounds=${COMPUTE_ROUNDS:-20000000}
maps_count=${MAPS_COUNT:-65523}

for f in "$mmuemu" "$bin_x86_64" "$bin_arm64"; do
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
rows=()
[ "$host" = x86_64 ] && rows+=("native|x86_64|$bin_x86_64")
[ "$host" = aarch64 ] && rows+=("native|arm64|$bin_arm64")
have qemu-x86_64 && rows+=("qemu-user|x86_64|qemu-x86_64 $bin_x86_64")
rows+=("mmuemu|x86_64|$mmuemu $bin_x86_64")
have qemu-aarch64 && rows+=("qemu-user|arm64|qemu-aarch64 $bin_arm64")
rows+=("mmuemu|arm64|$mmuemu $bin_arm64")

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
