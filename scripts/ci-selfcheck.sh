#!/usr/bin/env bash
# Proves that CI catches a public header that does not compile alone: copies
# the library into a scratch tree, adds a header that uses std::vector
# without including <vector> (it compiles only after something else included
# it), and requires the header-verification build to FAIL on it, then to pass
# once the include is added. (The sanitizer half of this proof is the
# sanitizer_canary_* tests of the asan-ubsan preset.)
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r CMakeLists.txt CMakePresets.json cmake include LICENSE "$scratch"/
cat >"$scratch/include/vpnwire/core/zz_selfcheck.hpp" <<'HDR'
#pragma once
namespace vpnwire_selfcheck { inline std::vector<int> v; }
HDR
cmake -S "$scratch" -B "$scratch/build" -G Ninja -DCMAKE_CXX_COMPILER=g++ -DVPNWIRE_BUILD_TESTS=OFF \
  -DVPNWIRE_BUILD_BENCH=OFF -DVPNWIRE_BUILD_EXAMPLES=OFF -DVPNWIRE_NOEXCEPT_CHECK=OFF >/dev/null
if cmake --build "$scratch/build" --target vpnwire_verify_interface_header_sets >"$scratch/log" 2>&1; then
  echo "selfcheck FAILED: a header that does not compile alone was not caught"
  exit 1
fi
grep -q "zz_selfcheck.hpp" "$scratch/log" || { echo "selfcheck FAILED: the build failed for another reason"; cat "$scratch/log"; exit 1; }
sed -i '1a #include <vector>' "$scratch/include/vpnwire/core/zz_selfcheck.hpp"
cmake --build "$scratch/build" --target vpnwire_verify_interface_header_sets >"$scratch/log" 2>&1 ||
  { echo "selfcheck FAILED: the fixed header still fails"; cat "$scratch/log"; exit 1; }
echo "selfcheck: a non-self-contained header fails the build; the fixed one passes"
