#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test: installs what is missing (build and test
# dependencies), builds, and runs the whole suite with ctest (unit tests, store contract suite,
# black-box Node suites against the real server). Prints ctest's summary; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/build.sh build RelWithDebInfo
cd build
ctest --output-on-failure --timeout 600 -j "${JOBS:-2}"
