# Tests of the burst API (esp/burst.hpp) and of the intel-ipsec-mb backend
# (esp/crypto/ipsec_mb.hpp). Included from tests/esp/CMakeLists.txt.
if(VPNWIRE_HAVE_OPENSSL)
  set(_burst_libs vpnwire::openssl)
  if(TARGET vpnwire::ipsec_mb)
    list(APPEND _burst_libs vpnwire::ipsec_mb)
  endif()
  vpnwire_add_test(esp_burst_test SOURCES burst_test.cpp LIBS ${_burst_libs})
  if(TARGET vpnwire::ipsec_mb)
    target_compile_definitions(esp_burst_test PRIVATE VPNWIRE_TEST_IPSEC_MB=1)
    vpnwire_add_test(esp_burst_ipsec_mb_test SOURCES burst_ipsec_mb_test.cpp LIBS vpnwire::openssl vpnwire::ipsec_mb)
  endif()
endif()
