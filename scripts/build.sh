#!/usr/bin/env bash
# Configures and builds. Usage: scripts/build.sh [BUILD_DIR] [BUILD_TYPE] [extra cmake args...]
# Defaults: build/ and RelWithDebInfo. Builds the hub page (web/) first: the binary embeds it.
# Uses ccache and two jobs (the machine has 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
dir=${1:-build}
type=${2:-RelWithDebInfo}
shift $(( $# > 2 ? 2 : $# ))
if [ -f web/package.json ]; then
  (cd web && npm run --silent build)
fi
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
cmake --build "$dir" -j "${JOBS:-2}"
