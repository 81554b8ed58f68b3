#!/usr/bin/env bash
# Scale-out benchmark: bench/chat_loadgen against one Parley on SQLite, then clusters of 1, 2
# and 3 nodes (PostgreSQL + NATS, scripts/cluster.sh), each step at the same offered load, the
# load generator's connections spread over the nodes in turn (no load balancer in the path:
# HAProxy would take a share of the same two cores). Prints throughput, latency and the CPU
# time each process used in the message phase (sign-ins and chat creation excluded).
# Usage: bench/cluster.sh [chats] [rate] [seconds]      (figures: docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
chats=${1:-2000}
rate=${2:-2500}
seconds=${3:-10}
base=19080
NO_CLIENT_LIMITS="--requests-per-second-per-address 0 --requests-per-second-per-user 0 --chats-per-minute-per-address 0"
work=$(mktemp -d)
chmod 755 "$work"  # the throw-away PostgreSQL runs as an unprivileged user when started by root
trap 'bash scripts/cluster.sh stop "$work/cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

loadgen() {  # ports cpu-list pid
  timeout 300 ./build/bench/chat_loadgen --ports "$1" --chats "$chats" --agents 100 --rate "$rate" \
    --seconds "$seconds" --connections 256 --cpu "$2" --pid "$3"
}

echo "# $(nproc) cores; $chats chats, $rate customer messages/s offered, $seconds s per step"
echo
echo "## one node, SQLite (the embedded default)"
./build/parley serve --demo --data-dir "$work/single" --listen 127.0.0.1:$((base + 1)) --log-level warn \
  $NO_CLIENT_LIMITS &
pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:$((base + 1))/healthz >/dev/null && break; sleep 0.1; done
loadgen $((base + 1)) "parley=$pid" "$pid"
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true

for nodes in 1 2 3; do
  echo
  echo "## cluster of $nodes node(s): PostgreSQL + NATS"
  rm -rf "$work/cluster"
  BASE_PORT=$base PARLEY_ARGS="--log-level warn $NO_CLIENT_LIMITS" \
    bash scripts/cluster.sh start "$work/cluster" "$nodes" >/dev/null 2>&1
  ports="" cpu=""
  for i in $(seq "$nodes"); do
    ports+="${ports:+,}$((base + i))"
    cpu+="${cpu:+,}node$i=$(cat "$work/cluster/node$i.pid")"
  done
  cpu+=",nats=$(cat "$work/cluster/nats.pid")"
  # PostgreSQL: the postmaster and one process per connection (the nodes connect at start).
  postmaster=$(head -n 1 "$work/cluster/pg/postmaster.pid")
  for p in "$postmaster" $(pgrep -P "$postmaster"); do cpu+=",postgresql=$p"; done
  loadgen "$ports" "$cpu" "$(cat "$work/cluster/node1.pid")"
  for i in $(seq "$nodes"); do
    printf '  node%s %s\n' "$i" "$(curl -s "http://127.0.0.1:$((base + i))/healthz")"
  done
  bash scripts/cluster.sh stop "$work/cluster" >/dev/null 2>&1
done
