#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test: installs what is missing (build and test
# dependencies: PostgreSQL, Chromium, clang, npm packages), builds, then runs
#   1. the unit and integration tests again under AddressSanitizer + UBSan (scripts/sanitize.sh),
#   2. every fuzzer for a short time (scripts/fuzz.sh),
#   3. the whole suite with ctest on a private PostgreSQL cluster (unit tests, the store contract suite
#      on SQLite and PostgreSQL, the Node suites through the official SDK, real headless Chromium,
#      multi-instance, benchmarks' smoke run), ending with ctest's summary.
# Exits non-zero if anything fails. Services listen on 127.0.0.1 only and are stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$PWD"  # cache hits across checkouts in other folders (CI clones)

# Elapsed time per phase, so a slow CI run shows where its minutes went.
t0=$SECONDS
phase() { echo "test: [$((SECONDS - t0)) s] $*"; }

phase "set-up"
scripts/setup.sh --test
phase "build"
scripts/build.sh build RelWithDebInfo

if [ "${CONNECTHUB_SKIP_SANITIZE:-0}" != 1 ]; then phase "sanitizers"; scripts/sanitize.sh; fi
if [ "${CONNECTHUB_SKIP_FUZZ:-0}" != 1 ]; then phase "fuzzers"; scripts/fuzz.sh "${CONNECTHUB_FUZZ_SECONDS:-10}"; fi
phase "ctest"

pgdir=$(mktemp -d /tmp/connecthub-pg.XXXXXX)
cleanup() {
  scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap cleanup EXIT
CONNECTHUB_TEST_PG_URL=$(scripts/pg.sh start "$pgdir" | tail -n 1)
export CONNECTHUB_TEST_PG_URL
echo "test: PostgreSQL at $CONNECTHUB_TEST_PG_URL"

# Reconfigure so ctest sees the PostgreSQL URL, then run everything.
cmake -S . -B build >/dev/null
cd build
status=0
ctest --output-on-failure --timeout 900 -j "${JOBS:-2}" || status=$?
phase "done (ctest exit $status)"
exit "$status"
