#!/usr/bin/env bash
# Chat load benchmark: bench/chat_loadgen against a fresh `parley serve` per step.
# Usage: bench/chats.sh [chats] [seconds]      (figures: docs/benchmarks.md)
set -euo pipefail
# The load comes from one address and a few users: the per-client request limits would
# measure the limiter, not the server.
NO_CLIENT_LIMITS="--requests-per-second-per-address 0 --requests-per-second-per-user 0 --chats-per-minute-per-address 0"
cd "$(dirname "$0")/.."
chats=${1:-10000}
seconds=${2:-10}
port=18191
run_step() {  # durability rate [supervisors]
  local data pid
  data=$(mktemp -d)
  ./build/parley serve --demo --data-dir "$data" --listen 127.0.0.1:$port --durability "$1" --log-level warn $NO_CLIENT_LIMITS &
  pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
  echo "## durability=$1, $chats chats, $2 customer messages/s offered, ${3:-0} supervisors"
  local cpu0 cpu1
  cpu0=$(awk '{print $14+$15}' /proc/$pid/stat)
  timeout 300 ./build/bench/chat_loadgen --port $port --chats "$chats" --agents 100 --rate "$2" --seconds "$seconds" \
    --connections 256 --supervisors "${3:-0}" --pid $pid
  cpu1=$(awk '{print $14+$15}' /proc/$pid/stat)
  echo "server CPU       $(( (cpu1 - cpu0) / $(getconf CLK_TCK) )) s for the whole step"
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$data"
  echo
}
echo "# $(nproc) cores; the load generator runs on one thread beside the server"
for rate in 2500 5000 7500 10000; do run_step disk $rate; done
run_step process 10000
run_step disk 5000 $((chats / 10 < 100 ? chats / 10 : 100))
