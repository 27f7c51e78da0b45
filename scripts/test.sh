#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Installs what is missing, builds with AddressSanitizer and UBSan, and runs
# every test (unit, integration, end-to-end) with ctest.
#   scripts/test.sh [ctest arguments, e.g. -L unit]
# then, when run without arguments, a 60-second fuzz run of each harness.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --test
if [ -f tests/e2e/package.json ]; then
  (cd tests/e2e && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=warn; \
   else npm install --no-audit --no-fund --loglevel=warn; fi)
fi

# The optimised build that scripts/run.sh makes: GCC warns about more at -O2,
# and -Werror must hold there too.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPLENUM_TESTS=OFF
cmake --build build -j"$(nproc)"

build=build-asan
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DPLENUM_SANITIZE=ON -DPLENUM_BENCH=ON
cmake --build "$build" -j"$(nproc)"
(cd "$build" && ctest --output-on-failure --timeout 900 -j2 "$@")

# A short run of every fuzz harness with libFuzzer (clang): 60 s each, from
# the seed corpora in tests/fuzz/corpus. Skipped when only a subset was asked
# for (arguments given).
if [ $# -eq 0 ]; then
  fuzz=build-fuzz
  CC=clang cmake -S . -B "$fuzz" -DCMAKE_BUILD_TYPE=Debug -DPLENUM_FUZZ=ON -DPLENUM_BENCH=OFF
  cmake --build "$fuzz" -j"$(nproc)" --target fuzz_request fuzz_document fuzz_roster
  (cd "$fuzz" && ctest --output-on-failure -L fuzz -j2)
fi
