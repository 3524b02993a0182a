# Functions that the tests/, bench/ and fuzz/ folders use to add targets in
# one line each, with the project's warnings and dependencies.

# vpnwire_add_test(<name> SOURCES <files...> [LIBS <targets...>] [LABELS <labels...>]
#                  [TIMEOUT <seconds>] [ARGS <args...>])
# One GoogleTest executable and one ctest entry of the same name.
function(vpnwire_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE vpnwire::vpnwire vpnwire_warnings GTest::gtest GTest::gtest_main ${T_LIBS})
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
