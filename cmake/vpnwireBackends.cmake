# Optional backends: header-only targets that each add one third-party
# dependency to the core library (vpnwire::vpnwire needs the Boost headers only).
#
# A backend is one vpnwire_backend() entry at the end of this file:
#
#   vpnwire_backend(<component>
#     HEADERS     <regex>      its public headers (paths relative to include/)
#     PACKAGE     <args...>    find_package() arguments of its dependency ...
#     LINK        <targets...> ... and the imported targets it links, or
#     LIBRARY     <name>       a plain library without a CMake package or .pc file,
#     LIBRARY_HEADER <file>    found with find_library()/find_path()
#     PKG_CONFIG  <modules...> the Requires: of vpnwire-<component>.pc (PACKAGE only)
#     WHAT        <text>       the dependency in words, for messages
#     DEBIAN      <package>)   the Debian package that provides it
#
# From that entry come, with <id> = <component> with '-' spelled '_':
#   - the INTERFACE target vpnwire::<id> in a build that found the dependency;
#   - the cache option VPNWIRE_WITH_<ID>: AUTO (default) looks the dependency up
#     quietly, ON requires it, OFF drops the backend (not built, not installed);
#   - install rules (unless OFF): the headers, vpnwire-<component>-targets.cmake,
#     the CMake component <component> of find_package(vpnwire), and
#     vpnwire-<component>.pc. They do not depend on the dependency being found
#     on the installing host: it is looked up where the package is consumed,
#     and only when the component is requested;
#   - vpnwire-<component>-dependency.cmake, the generated lookup, used both by
#     this build and by the installed vpnwireConfig.cmake;
#   - exclusion of its headers from the core target, the umbrella-header check
#     (tests/consumer/packaging_check.py reads this table) and, when not found,
#     from the header checks.
#
# Inputs: _vpnwire_headers (every public header, relative to the source dir).
# Outputs: _vpnwire_headers without the backends' headers; VPNWIRE_BACKENDS
# (component names); for each id: VPNWIRE_<ID>_{COMPONENT,HEADERS,FOUND,INSTALL,
# MODE,TARGET,DEPFILE,PC_REQUIRES,PC_LIBS,WHAT,DEBIAN}; VPNWIRE_HAVE_<ID> (found).

function(vpnwire_backend component)
  cmake_parse_arguments(B "" "HEADERS;LIBRARY;LIBRARY_HEADER;WHAT;DEBIAN" "PACKAGE;LINK;PKG_CONFIG" ${ARGN})
  string(REPLACE "-" "_" id "${component}")
  string(TOUPPER "${id}" ID)

  set(_mine "")
  set(_rest "")
  foreach(_h IN LISTS _vpnwire_headers)
    string(REGEX REPLACE "^include/" "" _rel "${_h}")
    if(_rel MATCHES "${B_HEADERS}")
      list(APPEND _mine "${_h}")
    else()
      list(APPEND _rest "${_h}")
    endif()
  endforeach()
  set(_vpnwire_headers "${_rest}" PARENT_SCOPE)

  set(VPNWIRE_WITH_${ID} AUTO CACHE STRING
      "Backend vpnwire::${id} (${B_WHAT}): AUTO (if found), ON (required) or OFF")
  set_property(CACHE VPNWIRE_WITH_${ID} PROPERTY STRINGS AUTO ON OFF)
  # Any CMake boolean is accepted for ON/OFF (vcpkg features pass ON/OFF).
  string(TOUPPER "${VPNWIRE_WITH_${ID}}" _mode)
  if(NOT _mode STREQUAL "AUTO")
    if(_mode)
      set(_mode ON)
    else()
      set(_mode OFF)
    endif()
  endif()

  # The lookup, written once and used here and by the installed package.
  set(_depfile "${PROJECT_BINARY_DIR}/vpnwire-${component}-dependency.cmake")
  set(_code "# Generated from the vpnwire_backend(${component}) entry of cmake/vpnwireBackends.cmake.\n")
  string(APPEND _code "# Looks up what vpnwire::${id} needs (${B_WHAT}); sets vpnwire_dependency_found.\n")
  if(B_PACKAGE)
    if(B_LIBRARY OR NOT B_LINK)
      message(FATAL_ERROR "vpnwire_backend(${component}): PACKAGE needs LINK and excludes LIBRARY")
    endif()
    list(JOIN B_PACKAGE " " _args)
    string(APPEND _code "find_package(${_args} QUIET)\nset(vpnwire_dependency_found TRUE)\n"
                        "foreach(_vpnwire_t IN ITEMS ${B_LINK})\n"
                        "  if(NOT TARGET \${_vpnwire_t})\n    set(vpnwire_dependency_found FALSE)\n  endif()\n"
                        "endforeach()\n")
    set(_link ${B_LINK})
    set(_pc_libs "")
  elseif(B_LIBRARY AND B_LIBRARY_HEADER)
    set(_link "vpnwire_deps::${B_LIBRARY}")
    string(APPEND _code
      "find_path(VPNWIRE_${ID}_INCLUDE_DIR NAMES ${B_LIBRARY_HEADER})\n"
      "find_library(VPNWIRE_${ID}_LIBRARY NAMES ${B_LIBRARY})\n"
      "set(vpnwire_dependency_found FALSE)\n"
      "if(VPNWIRE_${ID}_INCLUDE_DIR AND VPNWIRE_${ID}_LIBRARY)\n"
      "  if(NOT TARGET ${_link})\n"
      "    add_library(${_link} UNKNOWN IMPORTED)\n"
      "    set_target_properties(${_link} PROPERTIES IMPORTED_LOCATION \"\${VPNWIRE_${ID}_LIBRARY}\"\n"
      "                          INTERFACE_INCLUDE_DIRECTORIES \"\${VPNWIRE_${ID}_INCLUDE_DIR}\")\n"
      "  endif()\n"
      "  set(vpnwire_dependency_found TRUE)\n"
      "endif()\n")
    set(_pc_libs "-l${B_LIBRARY}")
  else()
    message(FATAL_ERROR "vpnwire_backend(${component}): give PACKAGE and LINK, or LIBRARY and LIBRARY_HEADER")
  endif()
  file(CONFIGURE OUTPUT "${_depfile}" CONTENT "${_code}" @ONLY)

  if(_mode STREQUAL "ON" AND NOT _mine)
    message(FATAL_ERROR "vpnwire: VPNWIRE_WITH_${ID}=ON but this source tree has no ${component} headers"
                        " (include/ matching ${B_HEADERS})")
  endif()
  set(_found FALSE)
  if(_mine AND NOT _mode STREQUAL "OFF")
    include("${_depfile}")
    set(_found ${vpnwire_dependency_found})
    if(_mode STREQUAL "ON" AND NOT _found)
      message(FATAL_ERROR "vpnwire: VPNWIRE_WITH_${ID}=ON but ${B_WHAT} was not found."
                          " On Debian/Ubuntu: apt-get install ${B_DEBIAN} (or run scripts/install-deps.sh).")
    endif()
  endif()

  set(_target "")
  if(_mine AND _found)
    # The build-tree target, usable by the project's own tests and by parent
    # projects (add_subdirectory / FetchContent).
    set(_target vpnwire_${id})
    add_library(${_target} INTERFACE)
    add_library(vpnwire::${id} ALIAS ${_target})
    target_sources(${_target} INTERFACE FILE_SET HEADERS BASE_DIRS include FILES ${_mine})
    target_link_libraries(${_target} INTERFACE vpnwire ${_link})
    set_target_properties(${_target} PROPERTIES EXPORT_NAME ${id})
  elseif(_mine AND NOT _mode STREQUAL "OFF" AND VPNWIRE_INSTALL)
    # Not found on this host, installed all the same: the package looks the
    # dependency up where it is consumed. The target has another name so that
    # `if(TARGET vpnwire_${id})` keeps meaning "usable in this build".
    set(_target vpnwire_${id}_install_only)
    add_library(${_target} INTERFACE)
    target_sources(${_target} INTERFACE FILE_SET HEADERS BASE_DIRS include FILES ${_mine})
    target_link_libraries(${_target} INTERFACE "$<INSTALL_INTERFACE:vpnwire::vpnwire;${_link}>")
    set_target_properties(${_target} PROPERTIES EXPORT_NAME ${id})
  endif()

  set(VPNWIRE_HAVE_${ID} ${_found} PARENT_SCOPE)
  set(VPNWIRE_${ID}_MODE ${_mode} PARENT_SCOPE)
  set(VPNWIRE_${ID}_COMPONENT "${component}" PARENT_SCOPE)
  set(VPNWIRE_${ID}_HEADERS "${_mine}" PARENT_SCOPE)
  set(VPNWIRE_${ID}_FOUND ${_found} PARENT_SCOPE)
  set(VPNWIRE_${ID}_TARGET "${_target}" PARENT_SCOPE)
  set(VPNWIRE_${ID}_DEPFILE "${_depfile}" PARENT_SCOPE)
  set(VPNWIRE_${ID}_PC_REQUIRES "${B_PKG_CONFIG}" PARENT_SCOPE)
  set(VPNWIRE_${ID}_PC_LIBS "${_pc_libs}" PARENT_SCOPE)
  set(VPNWIRE_${ID}_WHAT "${B_WHAT}" PARENT_SCOPE)
  set(VPNWIRE_${ID}_DEBIAN "${B_DEBIAN}" PARENT_SCOPE)
  set(VPNWIRE_${ID}_INSTALL FALSE PARENT_SCOPE)
  if(_target)
    set(VPNWIRE_${ID}_INSTALL TRUE PARENT_SCOPE)
  endif()
  set(_all ${VPNWIRE_BACKENDS} ${component})
  set(VPNWIRE_BACKENDS "${_all}" PARENT_SCOPE)
endfunction()

set(VPNWIRE_BACKENDS "")

# ---------------------------------------------------------------------------
# The backends. Adding one is one entry here (plus its vcpkg feature and Conan
# option in packaging/, which tests/consumer/packaging_check.py checks).

# ESP ciphers and HMACs, and the L2TP MD5 digest, through OpenSSL 3 EVP.
vpnwire_backend(openssl
  HEADERS "^vpnwire/(.*/)?crypto/openssl[^/]*\\.hpp$"
  PACKAGE OpenSSL 3 COMPONENTS Crypto
  LINK OpenSSL::Crypto
  PKG_CONFIG "libcrypto >= 3"
  WHAT "OpenSSL 3 libcrypto"
  DEBIAN libssl-dev)

# ESP over bursts through Intel's multi-buffer crypto library.
vpnwire_backend(ipsec-mb
  HEADERS "^vpnwire/esp/crypto/ipsec_mb[^/]*\\.hpp$"
  LIBRARY IPSec_MB
  LIBRARY_HEADER intel-ipsec-mb.h
  WHAT "intel-ipsec-mb (libIPSec_MB)"
  DEBIAN libipsec-mb-dev)
