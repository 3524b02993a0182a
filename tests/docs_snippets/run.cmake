# The docs_snippets test: configures project/ into BINARY (which extracts the
# blocks), compiles every snippet, going on past failures, and fails naming
# each block that did not compile (its errors point at the markdown lines).
cmake_minimum_required(VERSION 3.24) # script mode: the policies of this version
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE}/tests/docs_snippets/project" -B "${BINARY}" -G "${GENERATOR}"
                        "-DCMAKE_CXX_COMPILER=${CXX}" -DCMAKE_CXX_FLAGS= -DCMAKE_BUILD_TYPE=
                        "-DVPNWIRE_SOURCE_DIR=${SOURCE}" "-DPYTHON=${PYTHON}" "-DVPNWIRE_WITH_OPENSSL=${WITH_OPENSSL}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the docs snippets failed (a malformed marker or an unknown context?)")
endif()
set(keep_going "")
if(GENERATOR MATCHES "Ninja")
  set(keep_going -k 0)
elseif(GENERATOR MATCHES "Makefiles")
  set(keep_going -k)
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BINARY}" --parallel -- ${keep_going}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message("${out}")
  # The objects that failed (Ninja: "FAILED: <obj>"; Make: "*** [<obj>] Error"),
  # not every object the output mentions. Brackets go first: a '[' in a list
  # element hides the ';' after it.
  string(REPLACE "[" " " failures "${out}")
  string(REGEX MATCHALL "(FAILED: |\\*\\*\\* )[^\n]*CMakeFiles/[A-Za-z0-9_]+\\.dir/snippets/[A-Za-z0-9_]+\\.cpp\\.o"
         objs "${failures}")
  set(failed "")
  foreach(o IN LISTS objs)
    string(REGEX REPLACE ".*/snippets/([A-Za-z0-9_]+)\\.cpp\\.o" "\\1" n "${o}")
    file(STRINGS "${BINARY}/snippets/${n}.cpp" first LIMIT_COUNT 1)
    string(REGEX REPLACE ".* from ([^ ]+) .*" "\\1" where "${first}")
    list(APPEND failed "${where}")
  endforeach()
  list(REMOVE_DUPLICATES failed)
  message(FATAL_ERROR "docs snippets that do not compile with -Werror: ${failed}\n"
                      "Fix the block, or mark a fragment (tests/docs_snippets/README.md).")
endif()
message(STATUS "every docs snippet compiles")
