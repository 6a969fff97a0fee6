#!/usr/bin/env bash
# Configures and builds. Usage: scripts/build.sh [BUILD_DIR] [BUILD_TYPE] [extra cmake args...]
# Defaults: build/ and RelWithDebInfo. Uses ccache and two jobs (the machine has 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
type=${2:-RelWithDebInfo}
shift $(( $# > 2 ? 2 : $# ))
if [ -d web ] && [ -f web/package.json ]; then
  (cd web && npm run --silent build)
fi
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
cmake --build "$dir" -j "${JOBS:-2}"
