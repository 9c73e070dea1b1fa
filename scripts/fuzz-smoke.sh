#!/usr/bin/env bash
# Builds the libFuzzer targets (preset fuzz, clang-14, ASan + UBSan) and runs each
# one for a short while from an empty corpus plus its seeds (tests/fuzz/corpus/NAME/,
# if present). Any crash, leak, UB report or timeout fails; the input that caused it
# is kept in build/fuzz/artifacts/.
#   scripts/fuzz-smoke.sh [SECONDS]      seconds per target, default 25
#   SOFY_FUZZ_BUILD_DIR=DIR              build there instead of build/fuzz
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-25}
shopt -s nullglob
sources=(tests/fuzz/*.cpp)
if [ ${#sources[@]} -eq 0 ]; then
  echo "fuzz: no fuzz targets in tests/fuzz"
  exit 0
fi

bdir=${SOFY_FUZZ_BUILD_DIR:-build/fuzz}
cmake --preset fuzz -B "$bdir" >/dev/null
cmake --build "$bdir" -j2

artifacts=$bdir/artifacts
mkdir -p "$artifacts"
failed=0
for src in "${sources[@]}"; do
  name=$(basename "$src" .cpp)
  exe=$bdir/tests/fuzz/fuzz_$name
  corpus=$(mktemp -d)
  seeds=()
  [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
  log="$bdir/fuzz_$name.log"
  # New inputs go to the first (temporary) corpus dir; the seed dir is only read.
  if "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$artifacts/$name-" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if grep -q "nothing is fuzzed" "$log"; then
      # A target built as a stub (its sources were not found) must not pass for a fuzz run.
      echo "fuzz: $name: FAILED: built as a stub, nothing was fuzzed:"
      grep "nothing is fuzzed" "$log"
      failed=1
    else
      echo "fuzz: $name: ${runs:-?} inputs in ${secs} s, no findings"
    fi
  else
    echo "fuzz: $name: FAILED (log: $log, inputs: $artifacts/$name-*)"
    tail -n 40 "$log"
    failed=1
  fi
  rm -rf "$corpus"
done
exit $failed
