#!/usr/bin/env bash
# CometD fan-out benchmark: 1,000 websocket Bayeux sessions (10 agents x 100 sessions), a
# publisher at a ladder of rates (each publish op -> 100 deliveries), against Parley (an agent
# state change: POST /api/v2/me/channels/chat NotReady) and against Faye 1.4 (a server-side
# publish behind POST /publish), back to back in one run; then the server RSS per idle
# connected session with 10,000 sessions (100 agents x 100). Everything on 127.0.0.1.
# Usage: bench/fanout.sh [seconds per rate] [rates, publish ops/s]
# PARLEY_ARGS adds server options (e.g. PARLEY_ARGS="--io-threads 1"). A rung during which
# other processes used over 0.25 core is run again (3 times at most), after waiting for quiet.
set -euo pipefail
# The load comes from one address and a few users: the per-client request limits would
# measure the limiter, not the server.
NO_CLIENT_LIMITS="--requests-per-second-per-address 0 --requests-per-second-per-user 0 --chats-per-minute-per-address 0"
cd "$(dirname "$0")/.."
duration=${1:-5}
rates=${2:-100,250,500,1000,2000}
users=10
per_user=100
idle_users=100
parley_port=18281
faye_port=18282
loadgen=./build/bench/fanout_loadgen
[ -x "$loadgen" ] || { echo "missing $loadgen: cmake --build build --target fanout_loadgen"; exit 1; }
[ -x ./build/parley ] || { echo "missing ./build/parley: cmake --build build --target parley"; exit 1; }
[ -d bench/faye/node_modules/faye ] || (cd bench/faye && npm ci --no-audit --no-fund --loglevel=error)
ulimit -n "$(ulimit -Hn)"  # 10,000 sessions: the load generator and the servers inherit this
[ "$(ulimit -n)" -ge 10100 ] || { echo "need 10,100 file descriptors, have $(ulimit -n)"; exit 1; }

data=$(mktemp -d)
out=$(mktemp -d)
server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap 'stop_server; rm -rf "$data" "$out"' EXIT
# One binary for the whole run, even if build/parley is rebuilt meanwhile.
cp build/parley "$out/parley-server"

wait_healthy() {  # port
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "server on port $1 did not start"
  exit 1
}
start_parley() {
  # shellcheck disable=SC2086
  "$out/parley-server" serve --demo --data-dir "$data" --listen 127.0.0.1:$parley_port --durability process \
    --log-level warn $NO_CLIENT_LIMITS ${PARLEY_ARGS:-} >>"$out/parley.log" 2>&1 &
  server_pid=$!
  wait_healthy $parley_port
}
start_faye() {
  node bench/faye/server.js $faye_port >>"$out/faye.log" 2>&1 &
  server_pid=$!
  wait_healthy $faye_port
}
api() {  # user:password method path body -> fails unless statusCode 0
  local answer
  answer=$(curl -s -m 10 -u "$1" -X "$2" -H 'Content-Type: application/json' -d "$4" \
    "http://127.0.0.1:$parley_port$3")
  case "$answer" in *'"statusCode":0'*) ;; *) echo "$2 $3 as ${1%%:*}: $answer"; exit 1 ;; esac
}
run_loadgen() {  # name args... ; the load generator bounds its own run, timeout is a backstop
  local name=$1
  shift
  timeout 1500 "$loadgen" "$@" --server-pid "$server_pid" | tee "$out/$name" ||
    echo "load generator or server failed (exit ${PIPESTATUS[0]}); server alive: $(kill -0 "$server_pid" 2>/dev/null && echo yes || echo no)"
}

echo "# CometD fan-out: $users users x $per_user websocket sessions, rates $rates publish ops/s," \
  "${duration}s each; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# parley binary of $(date -r build/parley '+%F %T') (HEAD $(git rev-parse --short HEAD 2>/dev/null || echo '?'))${PARLEY_ARGS:+ $PARLEY_ARGS}," \
  "faye $(node -p 'require("./bench/faye/node_modules/faye/package.json").version'), node $(node --version)"

# --- Parley: agents bench001..bench100 (the first 10 publish), created through the admin API ---
start_parley
for k in $(seq $idle_users); do
  user=$(printf 'bench%03d' "$k")
  api admin:password POST /api/v2/users "{\"userName\":\"$user\",\"password\":\"pw\",\"roles\":[\"ROLE_AGENT\"]}"
  if [ "$k" -le $users ]; then
    api "$user:pw" POST /api/v2/me '{"operationName":"StartContactCenterSession","channels":["chat"]}'
  fi
done
run_loadgen parley --target parley --port $parley_port --users $users --sessions-per-user $per_user \
  --rates "$rates" --duration "$duration"
stop_server

# --- Faye: the same sessions and ladder, channel /u/<k> ---
start_faye
run_loadgen faye --target faye --port $faye_port --users $users --sessions-per-user $per_user \
  --rates "$rates" --duration "$duration"
stop_server

# --- RSS per idle connected session: fresh server processes, 10,000 sessions ---
start_parley  # same data dir: the 100 agents are there
run_loadgen parley_idle --target parley --port $parley_port --users $idle_users --sessions-per-user $per_user \
  --idle --hold 5
stop_server
start_faye
run_loadgen faye_idle --target faye --port $faye_port --users $idle_users --sessions-per-user $per_user \
  --idle --hold 5
stop_server

# --- the table ---
echo
awk -v half="$((per_user * 1000 / 2))" '
  function get(line, key,   m) { return match(line, " " key "=[^ ]*") ? substr(line, RSTART + length(key) + 2, RLENGTH - length(key) - 2) : "" }
  function num(line, key) { return get(line, key) + 0 }
  function sustained(line) {  # achieved >= 95% of offered, nothing lost or refused
    return line != "" && num(line, "dps") >= 0.95 * num(line, "offered_dps") && num(line, "lost") == 0 &&
           num(line, "failed_ops") == 0 && num(line, "unsent_ops") == 0
  }
  # A rung disturbed by other processes is run again: the last attempt counts.
  FILENAME ~ /parley$/ && /^STEP/ { if (np == 0 || get(p[np], "rate") != get($0, "rate")) ++np; p[np] = $0 }
  FILENAME ~ /faye$/ && /^STEP/ { if (nf == 0 || get(f[nf], "rate") != get($0, "rate")) ++nf; f[nf] = $0 }
  /^IDLE/ { idle[get($0, "target")] = $0 }
  /^DONE/ { late[get($0, "target")] = get($0, "late") }
  END {
    printf "%6s %9s | %-46s | %-46s\n", "", "", "Parley", "Faye 1.4"
    printf "%6s %9s | %8s %7s %7s %7s %6s %6s | %8s %7s %7s %7s %6s %6s\n", "ops/s", "offered/s",
      "deliv/s", "p50 ms", "p99 ms", "p99.9", "lost", "RSS MiB", "deliv/s", "p50 ms", "p99 ms", "p99.9", "lost", "RSS MiB"
    for (i = 1; i <= np; ++i) {
      printf "%6s %9s | %8s %7s %7s %7s %6s %6.1f%s| %8s %7s %7s %7s %6s %6.1f%s\n", get(p[i], "rate"), get(p[i], "offered_dps"),
        get(p[i], "dps"), get(p[i], "p50_ms"), get(p[i], "p99_ms"), get(p[i], "p999_ms"), get(p[i], "lost"),
        num(p[i], "server_rss_kib") / 1024, sustained(p[i]) ? " " : "*",
        get(f[i], "dps"), get(f[i], "p50_ms"), get(f[i], "p99_ms"), get(f[i], "p999_ms"), get(f[i], "lost"),
        num(f[i], "server_rss_kib") / 1024, sustained(f[i]) ? " " : "*"
      if (num(p[i], "dps") > ppeak) ppeak = num(p[i], "dps")
      if (num(f[i], "dps") > fpeak) fpeak = num(f[i], "dps")
      if (sustained(p[i]) && num(p[i], "dps") > pmax) pmax = num(p[i], "dps")
      if (sustained(f[i]) && num(f[i], "dps") > fmax) fmax = num(f[i], "dps")
      if (num(p[i], "offered_dps") == half + 0) phalf = get(p[i], "p99_ms")
      if (num(p[i], "other_cpu") > other) other = num(p[i], "other_cpu")
      if (num(f[i], "other_cpu") > other) other = num(f[i], "other_cpu")
    }
    print "(* = not sustained: under 95% of offered, or lost/refused/unsent publishes)"
    printf "\nCPU (cores of %d) per rate, server / load generator / anything else on the box (attempt):\n", 2
    for (i = 1; i <= np; ++i)
      printf "%6s ops/s  Parley %s / %s / %s (%s)   Faye %s / %s / %s (%s)\n", get(p[i], "rate"),
        get(p[i], "server_cpu"), get(p[i], "gen_cpu"), get(p[i], "other_cpu"), get(p[i], "attempt"),
        get(f[i], "server_cpu"), get(f[i], "gen_cpu"), get(f[i], "other_cpu"), get(f[i], "attempt")
    if (other > 0.25)
      printf "WARNING: other processes used up to %.2f cores during the run: the figures above are depressed\n", other
    printf "deliveries that came after the drain window of their rate (counted as lost above): Parley %s, Faye %s\n",
      late["parley"], late["faye"]
    printf "\nmax sustained deliveries/s: Parley %d, Faye %d, Parley/Faye = %s\n", pmax, fmax,
      (fmax > 0 ? sprintf("%.2f", pmax / fmax) : "n/a")
    printf "peak deliveries/s (any rung, losses or not): Parley %d, Faye %d, Parley/Faye = %s\n", ppeak, fpeak,
      (fpeak > 0 ? sprintf("%.2f", ppeak / fpeak) : "n/a")
    printf "goal >= 100000 deliveries/s: %s; p99 at %d deliveries/s: %s ms (goal <= 25)\n",
      (pmax >= 100000 ? "met" : "NOT met"), half, (phalf == "" ? "n/a" : phalf)
    for (t = 1; t <= 2; ++t) if ((target = t == 1 ? "parley" : "faye") in idle)
      printf "idle sessions, %s: %d sessions, RSS %d -> %d KiB = %.1f KiB/session (goal <= 20 for Parley), idle server CPU %s\n",
        target, get(idle[target], "sessions"), get(idle[target], "rss_before_kib"), get(idle[target], "rss_after_kib"),
        get(idle[target], "kib_per_session"), get(idle[target], "idle_server_cpu")
  }' "$out/parley" "$out/faye" "$out/parley_idle" "$out/faye_idle"
if grep -qiE 'error|critical|assert|abort' "$out/parley.log"; then
  echo "parley log:"
  tail -20 "$out/parley.log"
fi
