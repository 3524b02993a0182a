# Builds SRC with nothing but the compiler and the flags pkg-config reports
# for MODULE in the installed vpnwire (PREFIX), with the consumer warning set
# and -Werror, then runs it.
cmake_minimum_required(VERSION 3.24) # script mode: the policies of this version
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/share/pkgconfig")
execute_process(COMMAND "${PKG_CONFIG}" --cflags --libs "${MODULE}" RESULT_VARIABLE rc OUTPUT_VARIABLE flags
                ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config does not know ${MODULE} under ${PREFIX}: ${err}")
endif()
message(STATUS "pkg-config --cflags --libs ${MODULE}: ${flags}")
separate_arguments(flags UNIX_COMMAND "${flags}")
# The include path is the normalised install prefix, not a path through share/pkgconfig/../..
cmake_path(SET _inc NORMALIZE "${PREFIX}/include")
string(REGEX REPLACE "/$" "" _inc "${_inc}")
if(NOT "-I${_inc}" IN_LIST flags OR flags MATCHES "/\\.\\./")
  message(FATAL_ERROR "expected -I${_inc}, normalised, in: ${flags}")
endif()
# Source first, libraries after it (the order a linker needs).
execute_process(COMMAND "${CXX}" -std=c++20 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror "${SRC}" ${flags}
                        -o "${OUT}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling ${SRC} with the pkg-config flags of ${MODULE} failed")
endif()
execute_process(COMMAND "${OUT}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the pkg-config consumer ${OUT} failed")
endif()
