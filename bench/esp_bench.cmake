# The ESP benchmark runs the OpenSSL backend and raw EVP side by side.
if(TARGET vpnwire::openssl)
  target_link_libraries(${VPNWIRE_BENCH_TARGET} PRIVATE vpnwire::openssl)
else()
  message(STATUS "esp_bench: OpenSSL 3 not found; the ESP benchmark is not built")
  set_target_properties(${VPNWIRE_BENCH_TARGET} PROPERTIES EXCLUDE_FROM_ALL TRUE)
endif()
