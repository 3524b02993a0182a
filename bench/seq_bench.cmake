# Links DPDK (Debian: dpdk-dev) into seq_bench for the rte_reorder baseline.
# Only the include directories and libraries are taken from pkg-config: its
# -march=corei7 would lower the code generation of the whole binary.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(VPNWIRE_SEQ_DPDK QUIET libdpdk)
endif()
find_package(Threads REQUIRED)
target_link_libraries(${VPNWIRE_BENCH_TARGET} PRIVATE Threads::Threads)
if(VPNWIRE_SEQ_DPDK_FOUND)
  target_include_directories(${VPNWIRE_BENCH_TARGET} SYSTEM PRIVATE ${VPNWIRE_SEQ_DPDK_INCLUDE_DIRS})
  target_link_libraries(${VPNWIRE_BENCH_TARGET} PRIVATE ${VPNWIRE_SEQ_DPDK_LINK_LIBRARIES})
  # rte_reorder_seqn() is marked experimental in DPDK 22.11.
  target_compile_definitions(${VPNWIRE_BENCH_TARGET} PRIVATE VPNWIRE_BENCH_HAVE_DPDK=1 ALLOW_EXPERIMENTAL_API)
else()
  message(WARNING "libdpdk not found: seq_bench runs without the DPDK rte_reorder baseline")
endif()
