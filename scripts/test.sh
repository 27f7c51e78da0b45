#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Installs what is missing, builds with AddressSanitizer and UBSan, and runs
# every test (unit, integration, end-to-end) with ctest.
#   scripts/test.sh [ctest arguments, e.g. -L unit]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --test
if [ -f tests/e2e/package.json ]; then
  (cd tests/e2e && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=warn; \
   else npm install --no-audit --no-fund --loglevel=warn; fi)
fi

build=build-asan
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DPLENUM_SANITIZE=ON -DPLENUM_BENCH=ON
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure --timeout 900 -j2 "$@"
