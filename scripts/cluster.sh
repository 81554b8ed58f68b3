#!/usr/bin/env bash
# A throw-away local Parley cluster for tests and demos: PostgreSQL (the shared store), NATS
# (the bus between nodes), N Parley nodes and HAProxy in front of them, all on 127.0.0.1 and
# all kept in one directory (data, logs, PID files).
#
#   scripts/cluster.sh start DIR [NODES]   start everything (NODES defaults to 3)
#   scripts/cluster.sh stop DIR            stop everything; never fails
#   scripts/cluster.sh kill-node DIR I     SIGKILL node I (for crash tests)
#   scripts/cluster.sh start-node DIR I    start node I again with its first command line
#   scripts/cluster.sh status DIR          what is alive (exit 1 if anything is not)
#
# Environment (start): PARLEY_BIN (default: build/parley of this repository), BASE_PORT
# (default 18080), PARLEY_ARGS (extra flags for every node's `serve`, split on spaces).
# Ports: HAProxy BASE_PORT, node I BASE_PORT+I, PostgreSQL BASE_PORT+50, NATS BASE_PORT+51.
#
# `start` writes DIR/cluster.env, KEY=VALUE lines that a shell can source:
# CLUSTER_URL, PG_URL, NATS_URL, NODES, NODE1_URL ... A DIR from an earlier run keeps its
# database; remove the directory for a fresh start.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
HAPROXY="${HAPROXY:-/usr/sbin/haproxy}"

usage() {
  cat >&2 <<EOF
usage: $0 start DIR [NODES] | stop DIR | kill-node DIR I | start-node DIR I | status DIR
EOF
  exit 2
}

say() { echo "cluster: $*" >&2; }
die() { say "$*"; exit 1; }

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# The PID in FILE if that process is alive, not a zombie, and has NEEDLE in its command line:
# a stale PID file may name a PID the system has since given to another process.
our_pid() {
  local file="$1" needle="$2" pid state
  pid="$(cat "$file" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state="$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [ "$state" != Z ] || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$needle" || return 1
  echo "$pid"
}

# What identifies each process of this cluster (the trailing space: node1 is not node10).
node_needle() { echo "--data-dir $dir/node$1 "; }
haproxy_needle() { echo "-f $dir/haproxy.cfg "; }

# KEY=VALUE from DIR/cluster.env, without sourcing it.
env_get() {
  [ -f "$dir/cluster.env" ] || return 0
  sed -n "s/^$1=//p" "$dir/cluster.env" | tail -n 1
}

set_dir() {
  case "$1" in
    *[[:space:]\'\"\\\$\`]*) die "DIR must not contain spaces, quotes, \\, \$ or \`: $1" ;;
  esac
  dir="$1"
}

check_node_index() {
  [[ "$1" =~ ^[1-9][0-9]*$ ]] || die "node index must be a positive number: $1"
  [ -f "$dir/node$1.cmd" ] || die "no node $1 in $dir (no node$1.cmd)"
}

# The end of node I's log, from its latest start only (the log is kept across restarts).
log_tail() {
  tac "$dir/node$1.log" 2>/dev/null | sed '/^--- .* start$/q' | tac | tail -n 30 >&2 || true
}

# Starts node I from DIR/nodeI.cmd and waits for its /healthz; on failure prints its log.
launch_node() {
  local i="$1" port="$2" pid deadline
  local -a cmd
  eval "cmd=($(<"$dir/node$i.cmd"))"
  mkdir -p "$dir/node$i"
  echo "--- $(date -u +%FT%TZ) start" >>"$dir/node$i.log"
  # Its own session: the node outlives this script and the terminal's signals. Not a group
  # leader here, so setsid execs in place and $! is the node's own PID.
  setsid "${cmd[@]}" >>"$dir/node$i.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/node$i.pid"
  say "node$i starting on 127.0.0.1:$port (pid $pid, log: $dir/node$i.log)"
  deadline=$((SECONDS + 30))
  while :; do
    if ! our_pid "$dir/node$i.pid" "$(node_needle "$i")" >/dev/null; then
      log_tail "$i"
      say "node$i exited during startup"
      return 1
    fi
    if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz" 2>/dev/null; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      log_tail "$i"
      say "node$i did not answer GET /healthz with 200 within 30 s"
      return 1
    fi
    sleep 0.2
  done
}

# SIGTERM to every PID given, SIGKILL to those still alive 5 s later. Arguments: pairs of
# PID file and needle.
stop_pids() {
  local -a files=() needles=()
  local k pid
  while [ $# -gt 0 ]; do files+=("$1"); needles+=("$2"); shift 2; done
  for k in "${!files[@]}"; do
    if pid="$(our_pid "${files[$k]}" "${needles[$k]}")"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for _ in $(seq 50); do
    local alive=0
    for k in "${!files[@]}"; do
      our_pid "${files[$k]}" "${needles[$k]}" >/dev/null && alive=1
    done
    ((alive)) || break
    sleep 0.1
  done
  for k in "${!files[@]}"; do
    if pid="$(our_pid "${files[$k]}" "${needles[$k]}")"; then
      say "$(basename "${files[$k]}" .pid) ignored SIGTERM for 5 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "${files[$k]}"
  done
}

stop_all() {
  local -a args=()
  local f i
  if [ -f "$dir/haproxy.pid" ]; then
    stop_pids "$dir/haproxy.pid" "$(haproxy_needle)"
  fi
  for f in "$dir"/node*.pid; do
    [ -e "$f" ] || continue
    i="${f##*/node}"
    i="${i%.pid}"
    args+=("$f" "$(node_needle "$i")")
  done
  ((${#args[@]} == 0)) || stop_pids "${args[@]}"
  bash "$here/scripts/nats-throwaway.sh" stop "$dir" || true
  bash "$here/scripts/pg-throwaway.sh" stop "$dir" || true
  rm -f "$dir/cluster.env"
}

cmd="${1:-}"
[ $# -ge 2 ] || usage
set_dir "$2"

case "$cmd" in
  start)
    [ $# -le 3 ] || usage
    nodes="${3:-3}"
    base="${BASE_PORT:-18080}"
    if ! [[ "$nodes" =~ ^[1-9][0-9]*$ ]] || ((nodes > 49)); then die "NODES must be 1 to 49: $nodes"; fi
    if ! [[ "$base" =~ ^[1-9][0-9]*$ ]] || ((base + 51 > 65535)); then die "bad BASE_PORT: $base"; fi
    bin="${PARLEY_BIN:-$here/build/parley}"
    # The command line is stored and reused from elsewhere: the binary's path must be absolute.
    if [[ "$bin" == */* ]]; then
      bin="$(cd "$(dirname "$bin")" 2>/dev/null && pwd)/$(basename "$bin")" || true
    else
      bin="$(command -v "$bin")" || true
    fi
    [ -x "$bin" ] || die "no Parley binary at ${PARLEY_BIN:-$here/build/parley}: run 'make build' or set PARLEY_BIN"
    [ -x "$HAPROXY" ] || die "no $HAPROXY: install the Debian package haproxy"
    command -v curl >/dev/null || die "no curl: install the Debian package curl"
    read -r -a extra <<<"${PARLEY_ARGS:-}"

    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    for f in "$dir"/haproxy.pid "$dir"/node*.pid; do
      [ -e "$f" ] || continue
      pid="$(cat "$f" 2>/dev/null || true)"
      if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        die "a cluster already runs in $dir: 'scripts/cluster.sh stop $dir' first"
      fi
    done
    # A port held by someone else would make the health waits below succeed against it.
    for p in "$base" $(seq $((base + 1)) $((base + nodes))); do
      ! port_open "$p" || die "port $p is already in use (set BASE_PORT to move the cluster)"
    done
    rm -f "$dir/cluster.env"

    # A half-started cluster is stopped again (its logs stay) so that a retry starts clean.
    started=0
    on_exit() {
      ((started)) && return
      say "start failed: stopping what was started (logs in $dir)"
      stop_all
    }
    trap on_exit EXIT
    trap 'exit 130' INT TERM

    pg_url="$(bash "$here/scripts/pg-throwaway.sh" start "$dir" $((base + 50)) | tail -n 1)"
    nats_url="$(bash "$here/scripts/nats-throwaway.sh" start "$dir" $((base + 51)) | tail -n 1)"

    say "creating the schema (log: $dir/migrate.log)"
    if ! "$bin" migrate --store "$pg_url" >"$dir/migrate.log" 2>&1; then
      cat "$dir/migrate.log" >&2
      die "'$bin migrate' failed"
    fi

    # One node after the other, each answering before the next starts: the order the nodes
    # come up in is the same on every run, and a failure points at one node's log.
    servers=""
    for i in $(seq "$nodes"); do
      port=$((base + i))
      node_cmd=("$bin" serve --listen "127.0.0.1:$port" --data-dir "$dir/node$i"
        --store "$pg_url" --bus "$nats_url" --node-name "node$i" --demo
        --trusted-proxies 127.0.0.1 --public-base-url "http://127.0.0.1:$base" "${extra[@]}")
      printf '%q ' "${node_cmd[@]}" >"$dir/node$i.cmd"
      echo >>"$dir/node$i.cmd"
      launch_node "$i" "$port" || exit 1
      servers+="    server node$i 127.0.0.1:$port cookie node$i check"$'\n'
    done

    awk -v bind="127.0.0.1:$base" -v servers="${servers%$'\n'}" '
      { gsub(/@HAPROXY_BIND@/, bind) }
      $0 == "@SERVERS@" { print servers; next }
      { print }' "$here/deploy/haproxy.cfg.in" >"$dir/haproxy.cfg"
    "$HAPROXY" -c -q -f "$dir/haproxy.cfg" || die "invalid $dir/haproxy.cfg"
    say "HAProxy starting on 127.0.0.1:$base (log: $dir/haproxy.log)"
    "$HAPROXY" -f "$dir/haproxy.cfg" -D -p "$dir/haproxy.pid" >>"$dir/haproxy.log" 2>&1 </dev/null \
      || { cat "$dir/haproxy.log" >&2; die "haproxy did not start"; }
    ok=0
    for _ in $(seq 50); do
      if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$base/healthz" 2>/dev/null; then
        ok=1
        break
      fi
      sleep 0.2
    done
    ((ok)) || { tail -n 20 "$dir/haproxy.log" >&2 || true; die "no 200 from GET /healthz through HAProxy within 10 s"; }
    # Up means one node holds the desk and has loaded it ("role":"owner" in its /healthz).
    owner=""
    for _ in $(seq 150); do
      for i in $(seq "$nodes"); do
        if curl -fsS --max-time 2 "http://127.0.0.1:$((base + i))/healthz" 2>/dev/null | grep -q '"role":"owner"'; then
          owner="node$i"
          break 2
        fi
      done
      sleep 0.2
    done
    [ -n "$owner" ] || die "no node took the desk within 30 s (see $dir/node*.log)"
    say "$owner holds the desk"

    {
      echo "CLUSTER_URL=http://127.0.0.1:$base"
      echo "PG_URL=$pg_url"
      echo "NATS_URL=$nats_url"
      echo "NODES=$nodes"
      for i in $(seq "$nodes"); do echo "NODE${i}_URL=http://127.0.0.1:$((base + i))"; done
    } >"$dir/cluster.env"
    started=1

    cat <<EOF
Parley cluster of $nodes node(s) is up:
  http://127.0.0.1:$base/  (HAProxy; nodes on ports $((base + 1))-$((base + nodes)))
  store  $pg_url
  bus    $nats_url
Settings in $dir/cluster.env, logs in $dir/*.log.
Stop it with: scripts/cluster.sh stop $dir
EOF
    ;;

  stop)
    [ $# -eq 2 ] || usage
    [ -d "$dir" ] || exit 0
    dir="$(cd "$dir" && pwd)"
    stop_all
    say "stopped"
    ;;

  kill-node)
    [ $# -eq 3 ] || usage
    dir="$(cd "$dir" 2>/dev/null && pwd)" || die "no directory $2"
    i="$3"
    check_node_index "$i"
    pid="$(our_pid "$dir/node$i.pid" "$(node_needle "$i")")" || die "node$i is not running"
    kill -KILL "$pid"
    # Gone for sure before returning: a test's next step may depend on it.
    for _ in $(seq 50); do
      our_pid "$dir/node$i.pid" "$(node_needle "$i")" >/dev/null || break
      sleep 0.1
    done
    say "node$i (pid $pid) killed"
    ;;

  start-node)
    [ $# -eq 3 ] || usage
    dir="$(cd "$dir" 2>/dev/null && pwd)" || die "no directory $2"
    i="$3"
    check_node_index "$i"
    ! our_pid "$dir/node$i.pid" "$(node_needle "$i")" >/dev/null || die "node$i is already running"
    url="$(env_get "NODE${i}_URL")"
    [ -n "$url" ] || die "no NODE${i}_URL in $dir/cluster.env: is the cluster started?"
    port="${url##*:}"
    ! port_open "$port" || die "port $port is already in use"
    launch_node "$i" "$port"
    say "node$i is up"
    ;;

  status)
    [ $# -eq 2 ] || usage
    dir="$(cd "$dir" 2>/dev/null && pwd)" || die "no directory $2"
    down=0
    line() { printf '%-11s %s\n' "$1" "$2"; }
    if pid="$(our_pid "$dir/haproxy.pid" "$(haproxy_needle)")"; then
      line haproxy "running (pid $pid) $(env_get CLUSTER_URL)"
    else
      line haproxy "stopped"; down=1
    fi
    nodes="$(env_get NODES)"
    if [ -z "$nodes" ]; then
      nodes="$(find "$dir" -maxdepth 1 -name 'node*.cmd' | wc -l)"
    fi
    for i in $(seq "$nodes"); do
      url="$(env_get "NODE${i}_URL")"
      if pid="$(our_pid "$dir/node$i.pid" "$(node_needle "$i")")"; then
        health="not answering /healthz"
        if [ -n "$url" ] && curl -fsS -o /dev/null --max-time 2 "$url/healthz" 2>/dev/null; then
          health="healthy"
        fi
        line "node$i" "running (pid $pid) $url $health"
      else
        line "node$i" "stopped"; down=1
      fi
    done
    if bash "$here/scripts/nats-throwaway.sh" status "$dir"; then
      line nats "running $(env_get NATS_URL)"
    else
      line nats "stopped"; down=1
    fi
    if bash "$here/scripts/pg-throwaway.sh" status "$dir"; then
      line postgresql "running $(env_get PG_URL)"
    else
      line postgresql "stopped"; down=1
    fi
    exit "$down"
    ;;

  *) usage ;;
esac
