# esp_burst_bench needs the intel-ipsec-mb backend and OpenSSL; DPDK
# (librte_ipsec with the crypto_aesni_mb / crypto_aesni_gcm vdevs) is an
# optional baseline. Only DPDK's include directories and libraries are taken
# from pkg-config: its -march=corei7 would lower the code generation of the
# whole binary.
if(TARGET vpnwire::ipsec_mb AND TARGET vpnwire::openssl)
  target_link_libraries(${VPNWIRE_BENCH_TARGET} PRIVATE vpnwire::ipsec_mb vpnwire::openssl)
else()
  message(STATUS "esp_burst_bench: needs intel-ipsec-mb and OpenSSL 3; not built")
  set_target_properties(${VPNWIRE_BENCH_TARGET} PROPERTIES EXCLUDE_FROM_ALL TRUE)
  if(TEST ${VPNWIRE_BENCH_TARGET}_smoke)
    set_tests_properties(${VPNWIRE_BENCH_TARGET}_smoke PROPERTIES DISABLED TRUE)
  endif()
  return()
endif()
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(VPNWIRE_BURST_DPDK QUIET libdpdk)
endif()
if(VPNWIRE_BURST_DPDK_FOUND)
  target_include_directories(${VPNWIRE_BENCH_TARGET} SYSTEM PRIVATE ${VPNWIRE_BURST_DPDK_INCLUDE_DIRS})
  target_link_libraries(${VPNWIRE_BENCH_TARGET} PRIVATE ${VPNWIRE_BURST_DPDK_LINK_LIBRARIES})
  # DPDK's inline functions need SSE4.2 (what its -march=corei7 would give).
  target_compile_options(${VPNWIRE_BENCH_TARGET} PRIVATE -include rte_config.h -msse4.2)
  # rte_ipsec's SA type helpers and the session API are experimental in 22.11.
  target_compile_definitions(${VPNWIRE_BENCH_TARGET} PRIVATE VPNWIRE_BENCH_DPDK=1 ALLOW_EXPERIMENTAL_API)
else()
  message(STATUS "esp_burst_bench: libdpdk not found (apt-get install dpdk-dev); rte_ipsec baseline skipped")
endif()
