# find_package for every dependency. A missing one fails configure with the
# Debian package that provides it (scripts/install-deps.sh installs them all).

macro(vpnwire_require _found _what _debian)
  if(NOT ${_found})
    message(FATAL_ERROR "vpnwire: ${_what} not found. On Debian/Ubuntu: apt-get install ${_debian}"
                        " (or run scripts/install-deps.sh).")
  endif()
endmacro()

# Boost.Endian is the only part of Boost the library uses (header-only).
find_package(Boost 1.74 QUIET)
vpnwire_require(Boost_FOUND "Boost headers >= 1.74 (Boost.Endian)" "libboost-dev")
if(NOT TARGET Boost::headers)
  add_library(Boost::headers INTERFACE IMPORTED)
  set_target_properties(Boost::headers PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${Boost_INCLUDE_DIRS}")
endif()

# The optional backends' dependencies (OpenSSL, intel-ipsec-mb) are looked up
# by cmake/vpnwireBackends.cmake.

if(VPNWIRE_BUILD_TESTS)
  find_package(GTest QUIET)
  vpnwire_require(GTest_FOUND "GoogleTest" "libgtest-dev libgmock-dev")
endif()
if(VPNWIRE_BUILD_BENCH)
  find_package(benchmark QUIET)
  vpnwire_require(benchmark_FOUND "Google Benchmark" "libbenchmark-dev")
endif()
if(VPNWIRE_BUILD_TESTS OR VPNWIRE_BUILD_BENCH OR VPNWIRE_BUILD_EXAMPLES)
  find_package(PkgConfig QUIET)
endif()
