# vpnwire_cli_support: the INTERFACE target carrying the vpnwire CLI's own
# headers (examples/vpnwire/, header-only), libpcap and, when found, the
# OpenSSL backend. Included from examples/vpnwire/CMakeLists.txt and from
# fuzz/CMakeLists.txt (the CLI's fuzz targets build even with the examples
# off, as in the clang-fuzz preset); the first include defines the target.
#
# Set VPNWIRE_CLI_SUPPORT_OPTIONAL before including to get a status message
# instead of an error when libpcap is missing (no target is defined then).
if(TARGET vpnwire_cli_support)
  return()
endif()

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  # GLOBAL: the target may be defined from fuzz/ and used from examples/.
  pkg_check_modules(VPNWIRE_PCAP QUIET IMPORTED_TARGET GLOBAL libpcap)
endif()
if(TARGET PkgConfig::VPNWIRE_PCAP)
  set(_vpnwire_pcap PkgConfig::VPNWIRE_PCAP)
else()
  find_library(VPNWIRE_PCAP_LIBRARY NAMES pcap)
  find_path(VPNWIRE_PCAP_INCLUDE_DIR NAMES pcap/pcap.h)
  if(NOT VPNWIRE_PCAP_LIBRARY OR NOT VPNWIRE_PCAP_INCLUDE_DIR)
    if(VPNWIRE_CLI_SUPPORT_OPTIONAL)
      message(STATUS "vpnwire CLI support: libpcap not found; skipping what needs it")
      return()
    endif()
    message(FATAL_ERROR "vpnwire CLI: libpcap not found. On Debian/Ubuntu: apt-get install libpcap-dev")
  endif()
  add_library(vpnwire_pcap_lib UNKNOWN IMPORTED GLOBAL)
  set_target_properties(vpnwire_pcap_lib PROPERTIES IMPORTED_LOCATION "${VPNWIRE_PCAP_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${VPNWIRE_PCAP_INCLUDE_DIR}")
  set(_vpnwire_pcap vpnwire_pcap_lib)
endif()

# The CLI's own code is header-only too, so tests/cli and fuzz/cli_*.cpp can
# compile the option parser, the JSON writer and the pipeline directly.
add_library(vpnwire_cli_support INTERFACE)
target_include_directories(vpnwire_cli_support INTERFACE "${CMAKE_CURRENT_LIST_DIR}")
target_link_libraries(vpnwire_cli_support INTERFACE vpnwire::vpnwire ${_vpnwire_pcap})
# ESP decryption uses the OpenSSL backend; without OpenSSL the CLI still
# decodes everything and reports ESP payloads as encrypted.
if(TARGET vpnwire_openssl)
  target_link_libraries(vpnwire_cli_support INTERFACE vpnwire_openssl)
  target_compile_definitions(vpnwire_cli_support INTERFACE VPNWIRE_CLI_HAVE_OPENSSL=1)
endif()
