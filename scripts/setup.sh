#!/usr/bin/env bash
# Installs every system package the build, the tests and the benchmarks need.
# Idempotent: packages already present are skipped, and `apt-get update` runs at most once.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev openssl libyaml-cpp-dev clang
  libsqlite3-dev libsodium-dev libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nodejs npm wrk
  chromium
  libpq-dev libnats-dev postgresql-15 postgresql-client-15 nats-server haproxy
)

missing=()
for p in "${packages[@]}"; do
  # nodejs/npm may come from another repository on developer machines: a working binary counts.
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # The cluster tests start throw-away PostgreSQL servers of their own (scripts/pg-throwaway.sh):
  # a fresh install need not create and start the system-wide one.
  if ! dpkg-query -W -f='${Status}' postgresql-common 2>/dev/null | grep -q "install ok installed" &&
    [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    $SUDO mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: system packages present"
fi

# Node packages, each pinned by its package-lock.json: the browser libraries the pages load
# (web/, served by Parley itself), the black-box tests' clients, and Playwright for the
# browser tests (which drive Debian's chromium: Playwright's own browser download is not used).
here="$(cd "$(dirname "$0")/.." && pwd)"
for dir in web tests/e2e tests/browser; do
  if [ -f "$here/$dir/package.json" ] && [ ! -d "$here/$dir/node_modules" ]; then
    (cd "$here/$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
  fi
done
