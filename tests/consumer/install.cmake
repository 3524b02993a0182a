# Installs the build BINARY into a fresh PREFIX (nothing left from an earlier run).
cmake_minimum_required(VERSION 3.24) # script mode: the policies of this version
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BINARY}" --prefix "${PREFIX}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BINARY} failed")
endif()
