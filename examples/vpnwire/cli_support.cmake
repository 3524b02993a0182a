# vpnwire_cli_support: the INTERFACE target carrying the vpnwire CLI's own
# headers (examples/vpnwire/, header-only) and, when found, the OpenSSL
# backend. Included from examples/vpnwire/CMakeLists.txt and from
# fuzz/CMakeLists.txt (the CLI's fuzz targets build even with the examples
# off, as in the clang-fuzz preset); the first include defines the target.
#
# The CLI reads pcap and pcapng itself (capture_format.hpp: libpcap refuses
# pcapng files whose interfaces differ in link type). libpcap, when found,
# is only an independent reader for the tests: vpnwire_cli_pcap.
if(TARGET vpnwire_cli_support)
  return()
endif()

add_library(vpnwire_cli_support INTERFACE)
target_include_directories(vpnwire_cli_support INTERFACE "${CMAKE_CURRENT_LIST_DIR}")
target_link_libraries(vpnwire_cli_support INTERFACE vpnwire::vpnwire)
# ESP decryption uses the OpenSSL backend; without OpenSSL the CLI still
# decodes everything and reports ESP payloads as encrypted.
if(TARGET vpnwire_openssl)
  target_link_libraries(vpnwire_cli_support INTERFACE vpnwire_openssl)
  target_compile_definitions(vpnwire_cli_support INTERFACE VPNWIRE_CLI_HAVE_OPENSSL=1)
endif()

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  # GLOBAL: the target may be defined from fuzz/ and used from tests/.
  pkg_check_modules(VPNWIRE_PCAP QUIET IMPORTED_TARGET GLOBAL libpcap)
endif()
if(TARGET PkgConfig::VPNWIRE_PCAP)
  add_library(vpnwire_cli_pcap INTERFACE)
  target_link_libraries(vpnwire_cli_pcap INTERFACE PkgConfig::VPNWIRE_PCAP)
else()
  find_library(VPNWIRE_PCAP_LIBRARY NAMES pcap)
  find_path(VPNWIRE_PCAP_INCLUDE_DIR NAMES pcap/pcap.h)
  if(VPNWIRE_PCAP_LIBRARY AND VPNWIRE_PCAP_INCLUDE_DIR)
    add_library(vpnwire_cli_pcap INTERFACE)
    target_link_libraries(vpnwire_cli_pcap INTERFACE "${VPNWIRE_PCAP_LIBRARY}")
    target_include_directories(vpnwire_cli_pcap INTERFACE "${VPNWIRE_PCAP_INCLUDE_DIR}")
  endif()
endif()
