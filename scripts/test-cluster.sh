#!/usr/bin/env bash
# The scale-out tests, against a throw-away PostgreSQL and NATS of their own:
#   1. the PostgreSQL store's unit tests and the randomized visibility test through it;
#   2. tests/cluster/: the three-node journey behind HAProxy, and the command line on a
#      cluster's store;
#   3. the crash test killing random nodes of a three-node cluster (short form);
#   4. black-box suites with every server a two-node cluster (the node the tests talk to
#      forwards every request to the node holding the desk).
# Usage: scripts/test-cluster.sh [e2e directories...]   (default: chats/ supervision/)
#   PARLEY_BIN: the server binary (default build/parley)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
export PARLEY_BIN="${PARLEY_BIN:-$here/build/parley}"
suites=("$@")
((${#suites[@]})) || suites=(chats/ supervision/)

work="$(mktemp -d)"
chmod 755 "$work"  # PostgreSQL runs as an unprivileged user when this runs as root
cleanup() {
  bash scripts/nats-throwaway.sh stop "$work" >/dev/null 2>&1 || true
  bash scripts/pg-throwaway.sh stop "$work" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Ports well away from the ones cluster.sh and the black-box tests pick.
pg_port=$((41000 + RANDOM % 2000))
pg_url="$(bash scripts/pg-throwaway.sh start "$work" "$pg_port" | tail -n 1)"
nats_url="$(bash scripts/nats-throwaway.sh start "$work" $((pg_port + 1)) | tail -n 1)"
pg_server="${pg_url%/*}"

echo "== PostgreSQL store: unit tests and the randomized visibility test through it"
PARLEY_TEST_PG_URL="$pg_url" PARLEY_RANDOM_SEQUENCES_PG="${PARLEY_RANDOM_SEQUENCES_PG:-1000}" \
  ./build/tests/unit/unit_tests --gtest_filter='PgStore*:*ThroughPostgres:ClusterWire*' --gtest_brief=1

echo "== three nodes behind HAProxy: the journey; the command line on a cluster's store"
node --test tests/cluster/

echo "== crash test: SIGKILL of random nodes (the desk holder among them) under load"
node tests/crash/crash_test.mjs --cluster 3 ${CRASH_CLUSTER_ARGS:---kills 6 --seconds 45}

echo "== black-box suites, every server a two-node cluster: ${suites[*]}"
(cd tests/e2e && PARLEY_TEST_PG="$pg_server" PARLEY_TEST_NATS="$nats_url" \
  node --test --test-concurrency=2 "${suites[@]}")
