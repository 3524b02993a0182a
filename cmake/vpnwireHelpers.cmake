# Functions that the tests/, bench/ and fuzz/ folders use to add targets in
# one line each, with the project's warnings and dependencies.

# One precompiled <gtest/gtest.h>, built once and shared by every test binary
# (REUSE_FROM): every test includes it, and parsing it is about 0.9 s of a
# test's 2-3 s compile with g++ or clang. It holds GoogleTest only (what each
# test includes first anyway), never vpnwire's headers, which stay compiled
# from source in every test. Same compile flags as the tests (the build type's
# and the presets' flags are global; the tests differ only in -D macros, which
# GoogleTest does not read). VPNWIRE_TEST_PCH=OFF builds the tests without it.
function(_vpnwire_test_pch)
  if(TARGET vpnwire_test_pch)
    return()
  endif()
  add_library(vpnwire_test_pch OBJECT "${PROJECT_SOURCE_DIR}/tests/support/test_pch.cpp")
  target_link_libraries(vpnwire_test_pch PRIVATE vpnwire::vpnwire vpnwire_warnings GTest::gtest)
  target_precompile_headers(vpnwire_test_pch PRIVATE <gtest/gtest.h>)
endfunction()

# vpnwire_add_test(<name> SOURCES <files...> [LIBS <targets...>] [LABELS <labels...>]
#                  [TIMEOUT <seconds>] [ARGS <args...>] [NO_PCH])
# One GoogleTest executable and one ctest entry of the same name. NO_PCH for a
# test whose meaning depends on what its first lines include (the shared
# precompiled header is included before them).
function(vpnwire_add_test name)
  cmake_parse_arguments(T "NO_PCH" "TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE vpnwire::vpnwire vpnwire_warnings GTest::gtest GTest::gtest_main ${T_LIBS})
  if(VPNWIRE_TEST_PCH AND NOT T_NO_PCH)
    _vpnwire_test_pch()
    target_precompile_headers(${name} REUSE_FROM vpnwire_test_pch)
  endif()
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/tests/support")
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
  set(_labels unit ${T_LABELS})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${_labels}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "VPNWIRE_SOURCE_DIR=${PROJECT_SOURCE_DIR};VPNWIRE_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()

# vpnwire_add_bench(<name> SOURCES <files...> [LIBS <targets...>])
# One Google Benchmark executable; with tests enabled also a smoke ctest
# (label bench) that runs every benchmark once, briefly, with no timing check.
function(vpnwire_add_bench name)
  cmake_parse_arguments(B "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${B_SOURCES})
  target_link_libraries(${name} PRIVATE vpnwire::vpnwire vpnwire_warnings benchmark::benchmark ${B_LIBS})
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/bench")
  if(VPNWIRE_BUILD_TESTS)
    add_test(NAME ${name}_smoke COMMAND ${name} --benchmark_min_time=0.001 --benchmark_repetitions=1)
    set_tests_properties(${name}_smoke PROPERTIES LABELS "bench" TIMEOUT 600)
  endif()
endfunction()
