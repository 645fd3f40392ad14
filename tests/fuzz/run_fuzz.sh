#!/usr/bin/env bash
# run_fuzz.sh HARNESS SECONDS REGRESSIONS_DIR [SEED_DIR_OR_FILE...]
# Replays every file of REGRESSIONS_DIR, then fuzzes for SECONDS from the seeds. A crash
# leaves its reproducer in the build directory (copy it into REGRESSIONS_DIR to keep it)
# and fails the test. Exit 77 (skipped) when the harness could not be built (no clang).
set -uo pipefail
harness=$1 secs=$2 regressions=$3
shift 3
if [ ! -x "$harness" ]; then
	echo "skip: $harness was not built (clang with libFuzzer missing)"
	exit 77
fi
name=$(basename "$harness")
out=$(pwd)/fuzz-out/$name
rm -rf "$out" && mkdir -p "$out/corpus" "$out/seeds"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
opts=(-close_fd_mask=2 -max_len=65536 -timeout=20 -rss_limit_mb=2048 "-artifact_prefix=$out/")

shopt -s nullglob
regs=("$regressions"/*)
if [ ${#regs[@]} -gt 0 ]; then
	echo "replaying ${#regs[@]} regression inputs"
	if ! "$harness" "${opts[@]}" "${regs[@]}" >"$out/replay.log" 2>&1; then
		tail -40 "$out/replay.log"
		echo "FAIL: a regression input crashes again"
		exit 1
	fi
fi
for s in "$@"; do
	if [ -d "$s" ]; then cp "$s"/* "$out/seeds/" 2>/dev/null; else cp "$s" "$out/seeds/"; fi
done
echo "fuzzing $name for ${secs}s"
"$harness" "${opts[@]}" -max_total_time="$secs" -print_final_stats=1 \
	"$out/corpus" "$out/seeds" >"$out/fuzz.log" 2>&1
rc=$?
grep -E '^stat::number_of_executed_units|^Done' "$out/fuzz.log"
if [ $rc != 0 ]; then
	grep -v '^#' "$out/fuzz.log" | tail -60
	echo "FAIL: crash; reproducer: $(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* 2>/dev/null)"
	exit 1
fi
echo "ok"
