#!/usr/bin/env bash
# Installs what connecthub needs to build, run and test, from Debian's packages and npm.
# Idempotent: installs only what is missing. Runs as root (or with sudo available) on Debian 12.
#   scripts/setup.sh            build + run dependencies
#   scripts/setup.sh --test     also test dependencies (PostgreSQL, Chromium, test npm packages)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

pkgs=(build-essential cmake ninja-build ccache pkg-config git
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
      libsodium-dev libsqlite3-dev sqlite3 libpq-dev libssl-dev libjemalloc-dev ca-certificates
      libcli11-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
      nodejs npm)
if [ "$want_test" = 1 ]; then
  pkgs+=(libpq-dev postgresql chromium wrk curl clang libclang-rt-14-dev python3)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine may have Node from elsewhere (e.g. a newer build); keep it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]:-}"
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm_ci() {  # npm ci only when package-lock.json changed since the last install
  local dir=$1
  [ -f "$dir/package-lock.json" ] || return 0
  local stamp="$dir/node_modules/.connecthub-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    echo "setup: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
}
if [ -d web ]; then npm_ci web; fi
if [ "$want_test" = 1 ]; then npm_ci tests/node; npm_ci tests/browser; fi
echo "setup: ok"
