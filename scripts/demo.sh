#!/usr/bin/env bash
# The main demo: installs what is missing, builds the examples in release
# mode and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DVPNWIRE_BUILD_TESTS=OFF \
  -DVPNWIRE_BUILD_BENCH=OFF -DVPNWIRE_BUILD_EXAMPLES=ON -DVPNWIRE_NOEXCEPT_CHECK=OFF >/dev/null
cmake --build build/demo -j "$(nproc)"
echo
build/demo/examples/checksum_demo
