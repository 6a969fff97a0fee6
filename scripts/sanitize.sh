#!/usr/bin/env bash
# Builds connecthub with AddressSanitizer + UndefinedBehaviorSanitizer (CONNECTHUB_SANITIZE=ON) in its
# own build folder and runs the unit tests and the Node black-box suites against that binary (ctest
# sets CONNECTHUB_BIN to it). Browser suites are skipped (Chromium under ASan load is too slow to be
# useful). Any sanitizer report fails the script, wherever it happened: in a unit test, in the server
# while serving, at its exit (leaks), or in an admin CLI run. Reports are written to files under
# BUILD_DIR/sanitizer-reports/ (ASan/UBSan log_path) and printed at the end.
#
#   scripts/sanitize.sh                 build-asan, every unit test and Node suite
#   scripts/sanitize.sh -R 'node\.bad'  extra arguments go to ctest (e.g. a subset)
# Environment: BUILD_DIR (default build-asan), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build-asan}
jobs=${JOBS:-2}

# web/dist (the hub page) is embedded as it is; scripts/build.sh rebuilds it.
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONNECTHUB_SANITIZE=ON >/dev/null
cmake --build "$dir" -j "$jobs" --target connecthub unit_tests

reports="$PWD/$dir/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
# abort_on_error: a report kills the process (non-zero exit, noticed by the test that ran it);
# log_path: the report is also kept as a file, so a report nobody waited for (a leak at the server's
# exit, a CLI run) still fails this script.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
# Node's own allocator is not instrumented; ASan only applies to the connecthub processes it starts.

status=0
# Browser suites need Chromium (slow under ASan); client, example and bench binaries are not built here
# (their ctest entries, and the <target>_NOT_BUILT placeholders CMake adds for them, are skipped).
(cd "$dir" && ctest --output-on-failure --timeout 900 -j "$jobs" -E '^(browser|client|example_backend|bench)\.|_NOT_BUILT$' "$@") || status=$?

shopt -s nullglob
found=("$reports"/*)
if [ "${#found[@]}" -gt 0 ]; then
  echo
  echo "sanitize: ${#found[@]} sanitizer report(s):"
  for f in "${found[@]}"; do
    echo "===== $f"
    head -n 80 "$f"
  done
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "sanitize: FAILED" >&2
  exit "$status"
fi
echo "sanitize: ok (no sanitizer reports)"
