#!/usr/bin/env bash
# The full test suite, exactly as CI runs it (.ci/run calls this script):
#   1. install missing Debian packages;
#   2. g++ build: unit, interop, consumer and corpus-replay tests, benchmark smoke runs;
#   3. clang build under ASan+UBSan: every test again (but the packaging and docs
#      compile tests, which run no vpnwire code, and the corpus replays, which
#      stage 7 runs under the same sanitizers), plus canaries proving that a
#      sanitizer report fails the test run;
#   4. clang build under TSan: the concurrent engines' tests (label tsan);
#   5. a newcomer's plain commands, exactly (no preset, no options, default generator,
#      fresh build directory), with g++ and with clang:
#      cmake -S . -B build && cmake --build build && ctest --test-dir build;
#   6. every public header compiled alone and all of them with -fno-exceptions -fno-rtti,
#      and clang-tidy over all of them;
#   7. libFuzzer builds of every fuzz target, each fuzzed briefly from its corpus;
#   8. self-checks: CI must fail on a header that does not compile alone;
#      docs/rfc-compliance.md is up to date; clang-format is clean.
# Exits non-zero on the first failure. Set VPNWIRE_STAGES="dev asan" to run a subset.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${VPNWIRE_JOBS:-$(nproc)}
stages=${VPNWIRE_STAGES:-"deps format docs dev asan tsan plain noexcept tidy fuzz selfcheck"}
declare -a summary=()
t_all=$(date +%s)

stage() { # stage NAME COMMAND...
  local name=$1
  shift
  if [[ " $stages " != *" $name "* ]]; then return 0; fi
  echo
  echo "=== stage $name ==="
  local t0
  t0=$(date +%s)
  "$@"
  summary+=("$(printf '%-10s %4ss' "$name" $(($(date +%s) - t0)))")
}

# CI builds carry no more debug information than a failure report needs: none
# for g++ (a failing test prints its own message), line tables for the clang
# sanitizer and fuzzer builds (file:line in every report). Full -g roughly
# doubles the compile time of the template-heavy pipeline code; the presets
# keep it for developers.
build_and_test() { # build_and_test PRESET DEBUG_FLAGS [ctest args...]
  local preset=$1 debug=$2
  shift 2
  local extra=()
  # The sanitizer build leaves out the corpus-replay binaries: the fuzz stage's
  # libFuzzer binaries (ASan+UBSan) execute every corpus input before they
  # fuzz, so the corpus runs under the same sanitizers there (the dev stage
  # still replays it with g++).
  if [ "$preset" = asan-ubsan ]; then extra=(-DVPNWIRE_FUZZ_REPLAY=OFF); fi
  cmake --preset "$preset" -DVPNWIRE_WERROR=ON -DCMAKE_CXX_FLAGS_DEBUG="$debug" "${extra[@]}" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs" "$@"
}

stage_tsan() {
  cmake --preset tsan -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only >/dev/null
  # Build only the binaries of tests labelled tsan (test name == target name).
  mapfile -t targets < <(ctest --test-dir build/tsan -N -L tsan | sed -n 's/^ *Test *#[0-9]*: //p')
  if [ ${#targets[@]} -eq 0 ]; then
    echo "no tsan-labelled tests yet"
    return 0
  fi
  cmake --build build/tsan -j "$jobs" --target "${targets[@]}"
  ctest --preset tsan -j "$jobs"
}

stage_plain() {
  # What a newcomer types (README), on a fresh directory per compiler. Only the
  # environment differs: CXX picks the compiler; the parallel levels and
  # CTEST_OUTPUT_ON_FAILURE change no result. No -Werror here: that is a
  # developer setting (the presets), never a default.
  local cxx dir t0
  for cxx in g++ clang++; do
    dir=build/plain-$cxx
    rm -rf "$dir"
    t0=$(date +%s)
    echo "--- plain build with $cxx in $dir"
    (
      export CXX=$cxx CMAKE_BUILD_PARALLEL_LEVEL=$jobs CTEST_PARALLEL_LEVEL=$jobs CTEST_OUTPUT_ON_FAILURE=1
      cmake -S . -B "$dir" && cmake --build "$dir" && ctest --test-dir "$dir"
    )
    echo "--- plain build with $cxx: $(($(date +%s) - t0))s"
  done
}

stage_noexcept() {
  cmake --preset noexcept -DCMAKE_CXX_FLAGS_DEBUG=-g0 >/dev/null
  cmake --build --preset noexcept -j "$jobs"
}

stage_tidy() {
  # clang-tidy over every public header at once (the noexcept stage's generated
  # translation unit), with the checks and WarningsAsErrors of .clang-tidy.
  cmake --preset noexcept >/dev/null
  clang-tidy --quiet --config-file=.clang-tidy -p build/noexcept build/noexcept/vpnwire_all_headers.cpp
  echo "clang-tidy: clean"
}

stage_fuzz() {
  cmake --preset clang-fuzz -DVPNWIRE_FUZZ_SECONDS="${VPNWIRE_FUZZ_SECONDS:-2}" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" >/dev/null
  cmake --build --preset clang-fuzz -j "$jobs"
  ctest --preset clang-fuzz -j "$jobs" -L fuzz-run
}

stage_format() {
  mapfile -t files < <(git ls-files '*.hpp' '*.cpp' '*.h' | grep -v '^tests/data/')
  clang-format --dry-run -Werror "${files[@]}"
  echo "clang-format: ${#files[@]} files clean"
}

stage deps scripts/install-deps.sh
stage format stage_format
stage docs python3 scripts/gen-rfc-compliance.py --check
stage dev build_and_test dev -g0
stage asan build_and_test asan-ubsan -gline-tables-only -LE "bench|consumer|docs"
stage tsan stage_tsan
stage plain stage_plain
stage noexcept stage_noexcept
stage tidy stage_tidy
stage fuzz stage_fuzz
stage selfcheck scripts/ci-selfcheck.sh

echo
echo "=== summary ==="
printf '%s\n' "${summary[@]}"
echo "total      $(($(date +%s) - t_all))s"
