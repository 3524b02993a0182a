# Baselines of bench/ip_bench.cpp: DPDK's rte_ip_frag (Debian dpdk-dev) and
# libtins' IPv4Reassembler (libtins-dev). Each is optional: without it the
# benchmark binary still builds and runs vpnwire alone.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(VPNWIRE_DPDK QUIET IMPORTED_TARGET libdpdk)
  pkg_check_modules(VPNWIRE_TINS QUIET IMPORTED_TARGET libtins)
endif()
if(VPNWIRE_DPDK_FOUND)
  target_link_libraries(${VPNWIRE_BENCH_TARGET} PRIVATE PkgConfig::VPNWIRE_DPDK)
  target_compile_definitions(${VPNWIRE_BENCH_TARGET} PRIVATE VPNWIRE_BENCH_DPDK=1)
  # DPDK's headers are not clean under the project's warning set.
  target_compile_options(${VPNWIRE_BENCH_TARGET} PRIVATE -Wno-pedantic)
else()
  message(STATUS "ip_bench: libdpdk not found (apt-get install dpdk-dev); DPDK baseline skipped")
endif()
if(VPNWIRE_TINS_FOUND)
  target_link_libraries(${VPNWIRE_BENCH_TARGET} PRIVATE PkgConfig::VPNWIRE_TINS)
  target_compile_definitions(${VPNWIRE_BENCH_TARGET} PRIVATE VPNWIRE_BENCH_TINS=1)
else()
  message(STATUS "ip_bench: libtins not found (apt-get install libtins-dev); libtins baseline skipped")
endif()
