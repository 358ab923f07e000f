#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and
# runs the fuzz child and the lazy-step gc child against it; any sanitizer report or a
# death by signal fails. Usage: bash scripts/fuzz-asan.sh [calls per seed, default 3000]
set -euo pipefail
cd "$(dirname "$0")/.."
calls="${1:-3000}"
node ../../node_modules/cmake-js/bin/cmake-js compile --parallel 2 --out build-asan \
  --CDDLRM_SANITIZE=ON --CDCMAKE_BUILD_TYPE=RelWithDebInfo --log-level warn
addon="$PWD/build-asan/Release/dlrm_gaudi.node"
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for seed in 1 2 3 4; do node src/fuzz-child.mjs "$addon" "$seed" "$calls"; done
node --expose-gc src/lazy-gc-child.mjs "$addon"
echo "fuzz-asan: clean"
