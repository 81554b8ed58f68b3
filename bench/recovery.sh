#!/usr/bin/env bash
# Recovery time: how long `parley serve` takes from start to answering requests with a big
# store — LIVE live chats and ENDED finished ones, MESSAGES messages each (defaults: 10,000
# live + 10,000 ended, 50 messages each: 1,000,000 stored messages). Prints the seed time, the
# store size, the time to the first 200 from /healthz (and to a signed-in request), and RSS.
#   bash bench/recovery.sh [LIVE] [ENDED] [MESSAGES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
live="${1:-10000}"
ended="${2:-10000}"
messages="${3:-50}"
runs="${4:-3}"
[ -x build/bench/seed_store ] || { echo "missing build/bench/seed_store: make build"; exit 1; }
dir="$(mktemp -d)"
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
pid=""
./build/bench/seed_store "$dir/data" "$live" "$ended" "$messages"
echo "store: $(du -sh "$dir/data" | cut -f1) ($(ls -la "$dir/data" | awk '/parley.db$/ {print $5}') bytes in parley.db)"
port=18700
for run in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  ./build/parley serve --data-dir "$dir/data" --listen 127.0.0.1:$port --demo --log-level warn \
    --requests-per-second-per-address 0 >"$dir/log" 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    kill -0 $pid 2>/dev/null || { cat "$dir/log"; exit 1; }
    sleep 0.02
  done
  ready=$(date +%s.%N)
  curl -fs -u agent1:password "http://127.0.0.1:$port/api/v2/me" >/dev/null
  signed=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  printf 'run %d: serving after %.2f s (a signed-in answer after %.2f s), RSS %d MiB\n' "$run" \
    "$(echo "$ready - $start" | bc)" "$(echo "$signed - $start" | bc)" $((rss / 1024))
  kill -TERM $pid
  wait $pid 2>/dev/null || true
  pid=""
done
