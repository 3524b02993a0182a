# The packager's commands of docs/packaging.md, on a host "without libssl-dev"
# (CMAKE_DISABLE_FIND_PACKAGE_OpenSSL): configure must say what it installs,
# there must be nothing to build (no tests, fuzzers, benchmarks, examples or
# checks), and the install must hold the openssl component all the same.
cmake_minimum_required(VERSION 3.24) # script mode: the policies of this version
file(REMOVE_RECURSE "${BINARY}" "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE}" -B "${BINARY}" -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}"
                        -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=TRUE
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the packager's configure failed")
endif()
if(NOT out MATCHES "vpnwire: install components: core \\(vpnwire::vpnwire\\), openssl \\(vpnwire::openssl; OpenSSL 3 libcrypto not found on this host: installed anyway")
  message(FATAL_ERROR "configure did not say that the openssl component is installed without OpenSSL")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BINARY}" -- -n RESULT_VARIABLE rc OUTPUT_VARIABLE out)
string(REGEX MATCHALL "(Building|Linking) CXX [^\n]*" compiled "${out}")
if(NOT rc EQUAL 0 OR compiled)
  message(FATAL_ERROR "the packager's build compiles something: ${compiled}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BINARY}" --prefix "${PREFIX}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the packager's install failed")
endif()
foreach(f include/vpnwire/crypto/openssl_digest.hpp include/vpnwire/esp/crypto/openssl.hpp
          share/cmake/vpnwire/vpnwire-openssl-targets.cmake share/pkgconfig/vpnwire-openssl.pc)
  if(NOT EXISTS "${PREFIX}/${f}")
    message(FATAL_ERROR "the install without OpenSSL lacks ${f}")
  endif()
endforeach()
