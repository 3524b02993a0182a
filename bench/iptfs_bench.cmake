# The IP-TFS benchmark runs real ESP crypto (the OpenSSL backend) on both sides.
if(TARGET vpnwire::openssl)
  target_link_libraries(${VPNWIRE_BENCH_TARGET} PRIVATE vpnwire::openssl)
else()
  message(STATUS "iptfs_bench: OpenSSL 3 not found; the IP-TFS benchmark is not built")
  set_target_properties(${VPNWIRE_BENCH_TARGET} PROPERTIES EXCLUDE_FROM_ALL TRUE)
endif()
