#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests and demos, in a directory of its own.
#
#   scripts/pg-throwaway.sh start DIR PORT   initdb in DIR/pg (first time only), start it on
#                                            127.0.0.1:PORT, create the database `parley`; the
#                                            last line on stdout is the connection URL
#   scripts/pg-throwaway.sh stop DIR         fast shutdown (nothing to do if not running)
#   scripts/pg-throwaway.sh status DIR       exit 0 if it runs, 1 if not
#
# Trust authentication, user `parley`, no password: for local tests only. The server log is
# DIR/pg.log. PostgreSQL refuses to run as root, so as root the server runs as the system
# user `parley-db` (created if missing). PG_BIN overrides /usr/lib/postgresql/15/bin.
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
DB_USER=parley-db

usage() {
  echo "usage: $0 start DIR PORT | stop DIR | status DIR" >&2
  exit 2
}

# Progress goes to stderr: stdout carries only the URL, for `url=$(... start ...)`.
say() { echo "pg-throwaway: $*" >&2; }
die() { say "$*"; exit 1; }

# Runs a server-side command (initdb, pg_ctl) as the unprivileged user when we are root.
# From inside the data's parent directory, so the command never starts in an unreadable cwd.
as_db() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$dir" && runuser -u "$DB_USER" -- "$@")
  else
    (cd "$dir" && "$@")
  fi
}

# pg_ctl's -o string goes through /bin/sh: keep the directory free of anything it would split.
check_dir() {
  case "$1" in
    *[[:space:]\'\"\\\$\`]*) die "DIR must not contain spaces, quotes, \\, \$ or \`: $1" ;;
  esac
}

is_running() {
  [ -f "$dir/pg/PG_VERSION" ] && as_db "$PG_BIN/pg_ctl" status -D "$dir/pg" >/dev/null 2>&1
}

cmd="${1:-}"
[ $# -ge 2 ] || usage
check_dir "$2"

case "$cmd" in
  start)
    [ $# -eq 3 ] || usage
    port="$3"
    [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number: $port"
    [ -x "$PG_BIN/initdb" ] || die "no $PG_BIN/initdb: install postgresql-15 (or set PG_BIN)"
    mkdir -p "$2"
    dir="$(cd "$2" && pwd)"

    if [ "$(id -u)" -eq 0 ]; then
      if ! getent passwd "$DB_USER" >/dev/null; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$DB_USER"
      fi
      # The server user must reach DIR/pg (and write its log beside it). Bits are only added:
      # DIR may be a shared directory whose other modes matter.
      chmod a+rx "$dir"
      runuser -u "$DB_USER" -- test -x "$dir" \
        || die "$DB_USER cannot reach $dir: choose a DIR whose parents are world-traversable (e.g. under /tmp)"
    fi

    if is_running; then
      say "already running in $dir/pg"
    else
      if [ ! -f "$dir/pg/PG_VERSION" ]; then
        # A half-made data directory (an earlier initdb failed) would make initdb refuse.
        rm -rf "$dir/pg"
        mkdir -m 700 "$dir/pg"
        touch "$dir/pg.log"
        [ "$(id -u)" -ne 0 ] || chown "$DB_USER:" "$dir/pg" "$dir/pg.log"
        say "initdb in $dir/pg"
        if ! as_db "$PG_BIN/initdb" -D "$dir/pg" --auth=trust -U parley --encoding=UTF8 \
               --no-sync >"$dir/initdb.log" 2>&1; then
          cat "$dir/initdb.log" >&2
          die "initdb failed"
        fi
      fi
      [ "$(id -u)" -ne 0 ] || { touch "$dir/pg.log"; chown "$DB_USER:" "$dir/pg.log"; }
      say "starting on 127.0.0.1:$port (log: $dir/pg.log)"
      # The socket lives in the data directory: never in /var/run/postgresql, which belongs to
      # the system's own cluster and may not exist or be writable.
      if ! as_db "$PG_BIN/pg_ctl" start -D "$dir/pg" -l "$dir/pg.log" -w -t 30 \
             -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=100" \
             >/dev/null; then
        tail -n 20 "$dir/pg.log" >&2 || true
        die "pg_ctl start failed (port $port in use?)"
      fi
    fi

    # The database, once; the client side needs no special user (trust over TCP).
    psql=("$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U parley)
    exists="$("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'parley'")" \
      || die "cannot connect on 127.0.0.1:$port (is another server on that port?)"
    if [ "$exists" != 1 ]; then
      "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U parley parley
    fi
    echo "postgres://parley@127.0.0.1:$port/parley"
    ;;

  stop)
    [ $# -eq 2 ] || usage
    [ -d "$2" ] || exit 0
    dir="$(cd "$2" && pwd)"
    if is_running; then
      as_db "$PG_BIN/pg_ctl" stop -D "$dir/pg" -m fast -w >/dev/null || true
      say "stopped"
    fi
    ;;

  status)
    [ $# -eq 2 ] || usage
    [ -d "$2" ] || exit 1
    dir="$(cd "$2" && pwd)"
    is_running || exit 1
    ;;

  *) usage ;;
esac
