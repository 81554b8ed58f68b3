#!/usr/bin/env bash
# REST benchmark: wrk against Parley's GET /api/v2/me (session cookie) and against a bare Beast
# server answering a constant (the ceiling of this box), back to back in one run.
# Usage: bench/run.sh [seconds] [connections]
set -euo pipefail
# The load comes from one address and a few users: the per-client request limits would
# measure the limiter, not the server.
NO_CLIENT_LIMITS="--requests-per-second-per-address 0 --requests-per-second-per-user 0 --chats-per-minute-per-address 0"
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-64}
threads=2
parley_port=18181
bare_port=18182
data=$(mktemp -d)
trap 'kill $parley_pid $bare_pid 2>/dev/null || true; rm -rf "$data"' EXIT

./build/parley serve --demo --data-dir "$data" --listen 127.0.0.1:$parley_port --log-level warn $NO_CLIENT_LIMITS &
parley_pid=$!
./build/bench/bare_server $bare_port &
bare_pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:$parley_port/healthz >/dev/null && break; sleep 0.1; done

cookie=$(curl -s -D - -o /dev/null -u agent1:password http://127.0.0.1:$parley_port/api/v2/me |
  sed -n 's/^Set-Cookie: \(JSESSIONID=[^;]*\).*/\1/p')
[ -n "$cookie" ] || { echo "no session cookie"; exit 1; }

run() {  # name url [header]
  local out
  out=$(wrk -t$threads -c"$connections" -d"${duration}s" --latency ${3:+-H "$3"} "$2")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  echo "$1 $rps $p50 $p99"
}

echo "# wrk -t$threads -c$connections -d${duration}s, $(nproc) cores"
parley=$(run parley "http://127.0.0.1:$parley_port/api/v2/me" "Cookie: $cookie")
bare=$(run bare "http://127.0.0.1:$bare_port/")
printf "%-8s %12s %10s %10s\n" target req/s p50 p99
for line in "$parley" "$bare"; do printf "%-8s %12s %10s %10s\n" $line; done
awk -v p="$(echo "$parley" | cut -d' ' -f2)" -v b="$(echo "$bare" | cut -d' ' -f2)" \
  'BEGIN { printf "parley/ceiling = %.1f%%\n", 100 * p / b }'
