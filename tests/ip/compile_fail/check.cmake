# Compiles rvalue_owners.cpp with -DVPNWIRE_CASE=${CASE}: case 0 must
# compile; any other case must fail with a diagnostic about a deleted
# function that mentions ${NAME}. Run as
#   cmake -DCXX=... -DSOURCE=... -DINCLUDE=... -DCASE=n -DNAME=parse_ipv4 -P check.cmake
execute_process(
  COMMAND "${CXX}" -std=c++20 -fsyntax-only "-I${INCLUDE}" "-DVPNWIRE_CASE=${CASE}" "${SOURCE}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(CASE EQUAL 0)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the control case does not compile:\n${err}")
  endif()
  message(STATUS "control case compiles")
  return()
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "case ${CASE} (${NAME} on a temporary) compiled, but must not")
endif()
# g++: "use of deleted function"; clang++: "call to deleted (member) function".
if(NOT err MATCHES "(use of deleted function|call to deleted (member )?function)")
  message(FATAL_ERROR "case ${CASE} failed for another reason than a deleted function:\n${err}")
endif()
if(NOT err MATCHES "${NAME}")
  message(FATAL_ERROR "case ${CASE}: the diagnostic does not name ${NAME}:\n${err}")
endif()
message(STATUS "case ${CASE}: ${NAME} on a temporary is refused")
