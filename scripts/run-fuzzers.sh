#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS at the same time, on its checked-in seed
# corpus (tests/fuzz/corpus/<target>) plus a scratch corpus under build-fuzz/. A crash makes
# the target exit non-zero and leaves its input as build-fuzz/crash-*: the script fails and
# prints the reproducer command. Usage: run-fuzzers.sh SECONDS TARGET...
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
seconds="$1"
shift
out="$here/build-fuzz"
status=0
run_one() {
  local t="$1"
  mkdir -p "$out/corpus/$t"
  if "$out/tests/fuzz/${t}_fuzz" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/crash-$t-" "$out/corpus/$t" "$here/tests/fuzz/corpus/$t" >"$out/$t.log" 2>&1; then
    echo "fuzz $t: $(grep -E '^stat::number_of_executed_units' "$out/$t.log" | awk '{print $2}') runs, no crash"
  else
    echo "fuzz $t: FAILED — see $out/$t.log; reproduce with: $out/tests/fuzz/${t}_fuzz $out/crash-$t-*"
    tail -30 "$out/$t.log"
    return 1
  fi
}
# All at once: each target gets its SECONDS of wall time, sharing the cores.
pids=()
for t in "$@"; do
  run_one "$t" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
