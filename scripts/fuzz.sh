#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (-fsanitize=fuzzer,address,undefined; the
# connecthub libraries are instrumented too) in build-fuzz, then runs each for SECONDS (default 10)
# on its seed corpus fuzz/corpus/<target>/ with -max_len=4096. Exits non-zero if any target crashes
# (sanitizer report, abort, timeout or out-of-memory); the crashing input is left in
# build-fuzz/artifacts/<target>/ and can be replayed with: build-fuzz/<target> <file>.
#
#   scripts/fuzz.sh [SECONDS]
# Environment: FUZZ_TARGETS="fuzz_catalog fuzz_query_path" (default: every fuzz/fuzz_*.cc),
#   BUILD_DIR (default build-fuzz), JOBS (build jobs, default 2).
# New inputs found while fuzzing go to build-fuzz/corpus/<target>/, not to the seed corpus in git.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
dir=${BUILD_DIR:-build-fuzz}
jobs=${JOBS:-2}

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (apt-get install -y clang libclang-rt-14-dev)" >&2
  exit 1
fi
targets=${FUZZ_TARGETS:-$(for f in fuzz/fuzz_*.cc; do basename "$f" .cc; done)}

CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONNECTHUB_FUZZ=ON >/dev/null
# shellcheck disable=SC2086
cmake --build "$dir" -j "$jobs" --target $targets

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in $targets; do
  corpus="$dir/corpus/$t"
  artifacts="$dir/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  seeds=()
  [ -d "fuzz/corpus/$t" ] && seeds=("fuzz/corpus/$t")
  dict=()
  [ -f "fuzz/$t.dict" ] && dict=("-dict=fuzz/$t.dict")
  echo "=== $t (${secs}s)"
  if "$dir/$t" -max_len=4096 -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "${dict[@]}" "$corpus" "${seeds[@]}" >"$dir/$t.log" 2>&1; then
    grep -E '^(stat::number_of_executed_runs|stat::new_units_added|Done)' "$dir/$t.log" | tr '\n' ' '
    echo
  else
    echo "!!! $t failed; log: $dir/$t.log, crashing input(s) in $artifacts/"
    grep -E 'ERROR: |runtime error:|SUMMARY:|Test unit written to' "$dir/$t.log" | head -n 10 || tail -n 30 "$dir/$t.log"
    failed+=("$t")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: ok ($targets)" | tr '\n' ' '
echo
