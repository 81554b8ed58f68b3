#!/usr/bin/env bash
# A throw-away NATS server for tests and demos, in a directory of its own.
#
#   scripts/nats-throwaway.sh start DIR PORT   start nats-server on 127.0.0.1:PORT in the
#                                              background (nothing to do if it already runs);
#                                              the last line on stdout is the client URL
#   scripts/nats-throwaway.sh stop DIR         stop it (SIGTERM, SIGKILL after 5 s)
#   scripts/nats-throwaway.sh status DIR       exit 0 if it runs, 1 if not
#
# Writes DIR/nats.conf, logs to DIR/nats.log, keeps the PID in DIR/nats.pid. No
# authentication: for local tests only.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR PORT | stop DIR | status DIR" >&2
  exit 2
}

# Progress goes to stderr: stdout carries only the URL, for `url=$(... start ...)`.
say() { echo "nats-throwaway: $*" >&2; }
die() { say "$*"; exit 1; }

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# The PID in DIR/nats.pid, if that process is alive and is our server: a stale file may name a
# PID the system has since given to something else. Zombies count as gone.
our_pid() {
  local pid
  pid="$(cat "$dir/nats.pid" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/nats.conf" || return 1
  echo "$pid"
}

find_nats() {
  local b
  for b in "${NATS_SERVER:-}" /usr/bin/nats-server /usr/sbin/nats-server; do
    [ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return; }
  done
  command -v nats-server || die "no nats-server: install the Debian package nats-server"
}

cmd="${1:-}"
[ $# -ge 2 ] || usage
case "$2" in
  *[[:space:]\"\\]*) die "DIR must not contain spaces, quotes or \\: $2" ;;
esac

case "$cmd" in
  start)
    [ $# -eq 3 ] || usage
    port="$3"
    [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number: $port"
    nats="$(find_nats)"
    mkdir -p "$2"
    dir="$(cd "$2" && pwd)"

    if pid="$(our_pid)"; then
      say "already running (pid $pid)"
      echo "nats://127.0.0.1:$port"
      exit 0
    fi
    # Otherwise the wait below would take someone else's server for ours.
    ! port_open "$port" || die "port $port is already in use"

    # max_payload has no command-line flag in nats-server 2.9: hence a config file. The default
    # (1 MB) is smaller than one chat file attachment may be (2 MB); 8 MB is the most
    # nats-server takes without warning that large payloads are discouraged.
    cat >"$dir/nats.conf" <<EOF
host: 127.0.0.1
port: $port
max_payload: 8MB
pid_file: "$dir/nats.pid"
EOF
    "$nats" -t -c "$dir/nats.conf" >/dev/null 2>&1 || {
      "$nats" -t -c "$dir/nats.conf" >&2 || true
      die "invalid $dir/nats.conf"
    }

    say "starting on 127.0.0.1:$port (log: $dir/nats.log)"
    # Its own session: the server outlives this script and the terminal's signals.
    setsid "$nats" -c "$dir/nats.conf" >>"$dir/nats.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$dir/nats.pid"

    for _ in $(seq 100); do
      if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 20 "$dir/nats.log" >&2 || true
        die "nats-server exited"
      fi
      if port_open "$port"; then
        echo "nats://127.0.0.1:$port"
        exit 0
      fi
      sleep 0.1
    done
    tail -n 20 "$dir/nats.log" >&2 || true
    kill "$pid" 2>/dev/null || true
    die "nats-server did not accept connections on port $port within 10 s"
    ;;

  stop)
    [ $# -eq 2 ] || usage
    [ -d "$2" ] || exit 0
    dir="$(cd "$2" && pwd)"
    if pid="$(our_pid)"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do
        our_pid >/dev/null || break
        sleep 0.1
      done
      if our_pid >/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
      fi
      say "stopped"
    fi
    rm -f "$dir/nats.pid"
    ;;

  status)
    [ $# -eq 2 ] || usage
    [ -d "$2" ] || exit 1
    dir="$(cd "$2" && pwd)"
    our_pid >/dev/null || exit 1
    ;;

  *) usage ;;
esac
