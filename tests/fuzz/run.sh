#!/usr/bin/env bash
# Builds the libFuzzer harnesses (build/fuzz: clang, ASan/UBSan, apart from
# build/native) and runs each for a bounded time from the committed seeds in
# tests/fuzz/corpus/<harness>/; new inputs go to build/fuzz/corpus/, never
# into the repo. A crash, leak, sanitizer report or timeout fails (exit != 0)
# and leaves the input in build/fuzz/artifacts/. FUZZ_SECONDS: time per harness.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-50}
if [ ! -f build/fuzz/CMakeCache.txt ]; then
  CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DELMO_FUZZ=ON >/dev/null
fi
cmake --build build/fuzz -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
mkdir -p build/fuzz/artifacts
for harness in fuzz_model_load fuzz_char_ids fuzz_embed; do
  mkdir -p "build/fuzz/corpus/$harness"
  log="build/fuzz/$harness.log"
  echo "-- $harness: ${seconds} s"
  if ! "build/fuzz/$harness" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=20 \
      -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$harness-" \
      "build/fuzz/corpus/$harness" "tests/fuzz/corpus/$harness" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "$harness FAILED (log: $log)"
    exit 1
  fi
  # libFuzzer's last status line (cov: edges, ft: features, corp: inputs) and its run count.
  grep -E '^#[0-9]+\s+DONE' "$log" | tail -n 1 || true
  grep -E '^stat::number_of_executed_units' "$log" || true
done
