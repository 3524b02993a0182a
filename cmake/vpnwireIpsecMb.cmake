# The optional intel-ipsec-mb backend (include/vpnwire/esp/crypto/ipsec_mb*.hpp):
# target vpnwire_ipsec_mb / vpnwire::ipsec_mb, defined only when libIPSec_MB and
# intel-ipsec-mb.h are found (Debian: libipsec-mb-dev). Included by the top-level
# CMakeLists.txt after the core header list is made and before the core target
# takes it: the ipsec_mb headers never belong to the core target (they cannot
# compile without the library), like the openssl*.hpp backends.
#
# Sets VPNWIRE_HAVE_IPSEC_MB. With VPNWIRE_NOEXCEPT_CHECK it also adds
# vpnwire_ipsec_mb_noexcept_check: every public header plus the ipsec_mb ones in
# one translation unit with the flags of vpnwire_noexcept_check.

set(_vpnwire_ipsec_mb_headers ${_vpnwire_headers})
list(FILTER _vpnwire_ipsec_mb_headers INCLUDE REGEX "/crypto/ipsec_mb[^/]*\\.hpp$")
if(_vpnwire_ipsec_mb_headers)
  list(REMOVE_ITEM _vpnwire_headers ${_vpnwire_ipsec_mb_headers})
endif()

find_path(VPNWIRE_IPSEC_MB_INCLUDE_DIR intel-ipsec-mb.h)
find_library(VPNWIRE_IPSEC_MB_LIBRARY NAMES IPSec_MB)
if(VPNWIRE_IPSEC_MB_INCLUDE_DIR AND VPNWIRE_IPSEC_MB_LIBRARY)
  set(VPNWIRE_HAVE_IPSEC_MB ON)
else()
  set(VPNWIRE_HAVE_IPSEC_MB OFF)
  message(STATUS "vpnwire: intel-ipsec-mb not found (apt-get install libipsec-mb-dev); vpnwire::ipsec_mb not defined")
endif()

if(VPNWIRE_HAVE_IPSEC_MB)
  if(NOT TARGET vpnwire::IPSec_MB)
    add_library(vpnwire::IPSec_MB UNKNOWN IMPORTED)
    set_target_properties(vpnwire::IPSec_MB PROPERTIES IMPORTED_LOCATION "${VPNWIRE_IPSEC_MB_LIBRARY}"
                                                       INTERFACE_INCLUDE_DIRECTORIES "${VPNWIRE_IPSEC_MB_INCLUDE_DIR}")
  endif()
  add_library(vpnwire_ipsec_mb INTERFACE)
  add_library(vpnwire::ipsec_mb ALIAS vpnwire_ipsec_mb)
  target_sources(vpnwire_ipsec_mb INTERFACE FILE_SET HEADERS BASE_DIRS include FILES ${_vpnwire_ipsec_mb_headers})
  target_link_libraries(vpnwire_ipsec_mb INTERFACE vpnwire vpnwire::IPSec_MB)
  set_target_properties(vpnwire_ipsec_mb PROPERTIES EXPORT_NAME ipsec_mb)
  if(PROJECT_IS_TOP_LEVEL)
    set_target_properties(vpnwire_ipsec_mb PROPERTIES VERIFY_INTERFACE_HEADER_SETS ON)
  endif()

  # After the rest of the top-level file (vpnwire_warnings and the option exist then).
  function(_vpnwire_ipsec_mb_noexcept_check)
    if(NOT VPNWIRE_NOEXCEPT_CHECK OR NOT TARGET vpnwire_noexcept_check)
      return()
    endif()
    set(_cpp "${PROJECT_BINARY_DIR}/vpnwire_ipsec_mb_all_headers.cpp")
    set(_content "// Generated: every public vpnwire header and the intel-ipsec-mb backend.\n")
    foreach(_h IN LISTS _vpnwire_headers _vpnwire_ipsec_mb_headers)
      string(REPLACE "include/" "" _rel "${_h}")
      string(APPEND _content "#include \"${_rel}\"\n")
    endforeach()
    string(APPEND _content "int main() { return 0; }\n")
    file(CONFIGURE OUTPUT "${_cpp}" CONTENT "${_content}")
    add_executable(vpnwire_ipsec_mb_noexcept_check "${_cpp}")
    target_link_libraries(vpnwire_ipsec_mb_noexcept_check PRIVATE vpnwire_ipsec_mb vpnwire_warnings)
    target_compile_options(vpnwire_ipsec_mb_noexcept_check PRIVATE -fno-exceptions -fno-rtti -Wconversion
                           -Wsign-conversion -Wold-style-cast -Wcast-qual -Wundef)
  endfunction()
  cmake_language(DEFER CALL _vpnwire_ipsec_mb_noexcept_check)
endif()
