# The L2TP benchmark decrypts hidden AVPs through the OpenSSL backend and
# compares header parsing with DPDK's rte_l2tpv2.h overlay when DPDK is installed.
target_link_libraries(${VPNWIRE_BENCH_TARGET} PRIVATE vpnwire::openssl)
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(VPNWIRE_L2TP_DPDK QUIET IMPORTED_TARGET libdpdk)
endif()
if(VPNWIRE_L2TP_DPDK_FOUND)
  # Headers only (no DPDK library is linked): the include dirs as SYSTEM, and rte_config.h.
  target_include_directories(${VPNWIRE_BENCH_TARGET} SYSTEM PRIVATE ${VPNWIRE_L2TP_DPDK_INCLUDE_DIRS})
  target_compile_options(${VPNWIRE_BENCH_TARGET} PRIVATE -include rte_config.h)
  target_compile_definitions(${VPNWIRE_BENCH_TARGET} PRIVATE VPNWIRE_BENCH_HAVE_DPDK=1)
else()
  target_compile_definitions(${VPNWIRE_BENCH_TARGET} PRIVATE VPNWIRE_BENCH_HAVE_DPDK=0)
endif()
