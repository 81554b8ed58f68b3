#!/usr/bin/env bash
# Installs the Debian package built by `make package` on this machine, starts the service
# and checks that it serves, then removes the package again. Needs root (or sudo).
# Where systemd runs, the unit itself is started; in a container without systemd, the
# unit's ExecStart runs as the unit's user instead.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
deb="$(ls "$here"/build/parley_*.deb 2>/dev/null | head -1)"
[ -n "$deb" ] || { echo "no package: run 'make package' first" >&2; exit 1; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

fail() { echo "package test: FAILED: $*" >&2; exit 1; }

echo "package test: installing $(basename "$deb")"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null

# What the package must have put in place.
for f in /usr/bin/parley /etc/parley/parley.toml /lib/systemd/system/parley.service \
         /usr/share/parley/web/index.html /usr/share/parley/web/node_modules/cometd/cometd.js; do
  [ -e "$f" ] || fail "$f is missing"
done
getent passwd parley >/dev/null || fail "no parley system user"
[ "$(stat -c %U /var/lib/parley)" = parley ] || fail "/var/lib/parley is not owned by parley"
dpkg-query -W -f='${Conffiles}\n' parley | grep -q /etc/parley/parley.toml || fail "parley.toml is not a conffile"
if command -v systemd-analyze >/dev/null; then
  # Checks the unit's syntax and sandboxing options (warnings about a missing systemd are fine).
  $SUDO systemd-analyze verify /lib/systemd/system/parley.service 2>&1 | grep -v "systemd is not running\|Failed to" || true
fi

listen="$(sed -n 's/^listen *= *"\(.*\)"/\1/p' /etc/parley/parley.toml)"
base="http://$listen"
pid=""
if [ -d /run/systemd/system ]; then
  $SUDO systemctl restart parley.service
else
  exec_start="$(sed -n 's/^ExecStart=//p' /lib/systemd/system/parley.service)"
  user="$(sed -n 's/^User=//p' /lib/systemd/system/parley.service)"
  echo "package test: no systemd here; running ExecStart as $user: $exec_start"
  $SUDO runuser -u "$user" -- $exec_start >/tmp/parley-package-test.log 2>&1 &
  pid=$!
fi

ok=""
for _ in $(seq 1 100); do
  if curl -fsS "$base/healthz" >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.1
done
[ -n "$ok" ] || { cat /tmp/parley-package-test.log 2>/dev/null || true; fail "the service did not answer $base/healthz"; }
curl -fsS "$base/" | grep -q "Parley" || fail "the landing page is not served"
curl -fsS "$base/web/vendor/cometd/cometd.js" >/dev/null || fail "the CometD client is not served"
curl -fsS "$base/api/v2/openapi.json" | grep -q '"openapi"' || fail "the OpenAPI document is not served"
[ -f /var/lib/parley/parley.db ] || fail "the store was not created in /var/lib/parley"
echo "package test: the service answers on $base and keeps its store in /var/lib/parley"

if [ -n "$pid" ]; then
  $SUDO kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
else
  $SUDO systemctl stop parley.service
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq parley >/dev/null
[ ! -e /usr/bin/parley ] || fail "purge left /usr/bin/parley"
echo "package test: passed (installed, served, stopped, purged; /var/lib/parley is kept)"
