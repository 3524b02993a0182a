# Compiles SOURCE (-fsyntax-only) with -DVPNWIRE_EXPECT_COMPILE_FAILURE=EXPECT_FAILURE.
#  EXPECT_FAILURE=0: must compile.
#  EXPECT_FAILURE=1: must fail, for the right reason: the compiler names a
#  deleted function or constructor (or what the source's "// reason:
#  <regex>" line says), and the name on its "// expect: <name>" line.
# Variables: CXX, SOURCE, EXPECT_FAILURE, INCLUDES ('|'-separated), FLAGS.
string(REPLACE "|" ";" _includes "${INCLUDES}")
set(_args -std=c++20 -fsyntax-only)
foreach(_dir IN LISTS _includes)
  if(_dir)
    list(APPEND _args "-I${_dir}")
  endif()
endforeach()
separate_arguments(_flags UNIX_COMMAND "${FLAGS}")
execute_process(
  COMMAND "${CXX}" ${_flags} ${_args} "-DVPNWIRE_EXPECT_COMPILE_FAILURE=${EXPECT_FAILURE}" "${SOURCE}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT EXPECT_FAILURE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${SOURCE} must compile with an lvalue, but:\n${out}${err}")
  endif()
  message(STATUS "compiles with an lvalue")
  return()
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled with a temporary: a dangling view would go unnoticed")
endif()
file(STRINGS "${SOURCE}" _expect_line REGEX "^// expect: ")
string(REGEX REPLACE "^// expect: *" "" _expect "${_expect_line}")
# The kind of error: a deleted overload unless the source names another
# ("// reason: <regex>", e.g. a static_assert).
# g++: "use of deleted function"; clang++: "call to deleted function|constructor".
set(_reason "(use of|call to) deleted (function|constructor|member function)")
file(STRINGS "${SOURCE}" _reason_line REGEX "^// reason: ")
if(_reason_line)
  string(REGEX REPLACE "^// reason: *" "" _reason "${_reason_line}")
endif()
if(NOT err MATCHES "${_reason}")
  message(FATAL_ERROR "${SOURCE} failed to compile, but not for the reason expected (${_reason}):\n${err}")
endif()
if(NOT err MATCHES "${_expect}")
  message(FATAL_ERROR "${SOURCE} failed for the reason expected, but not on ${_expect}:\n${err}")
endif()
message(STATUS "refused as required: ${_expect}")
