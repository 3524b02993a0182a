# Install rules: the headers, the CMake package (core targets, one targets
# file per backend component, config, version) and pkg-config files.
# Header-only, so the version file is ARCH_INDEPENDENT.
#
# The package is the same whichever optional dependencies the installing host
# has: every backend not switched off (VPNWIRE_WITH_<ID>=OFF) is installed, and
# vpnwireConfig.cmake looks its dependency up only when a consumer asks for
# the component: find_package(vpnwire REQUIRED COMPONENTS openssl).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(VPNWIRE_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/vpnwire" CACHE STRING "Where vpnwireConfig.cmake goes")
set(VPNWIRE_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_DATADIR}/pkgconfig" CACHE STRING "Where the .pc files go")

install(TARGETS vpnwire EXPORT vpnwireTargets FILE_SET HEADERS)
install(EXPORT vpnwireTargets NAMESPACE vpnwire:: DESTINATION "${VPNWIRE_INSTALL_CMAKEDIR}")

# pkg-config files get an absolute, normalised prefix, computed when installing
# (cmake --install --prefix may differ from the configured prefix).
set(_vpnwire_pc_dir "${PROJECT_BINARY_DIR}/pkgconfig")
install(CODE "set(_vpnwire_pc_dir \"${_vpnwire_pc_dir}\")\nset(_vpnwire_pc_includedir \"${CMAKE_INSTALL_INCLUDEDIR}\")")
install(CODE [[
  cmake_path(SET _vpnwire_pc_prefix NORMALIZE "${CMAKE_INSTALL_PREFIX}")
  string(REGEX REPLACE "(.)/$" "\\1" _vpnwire_pc_prefix "${_vpnwire_pc_prefix}")
  if(IS_ABSOLUTE "${_vpnwire_pc_includedir}")
    set(_vpnwire_pc_inc "${_vpnwire_pc_includedir}")
  else()
    set(_vpnwire_pc_inc "\${prefix}/${_vpnwire_pc_includedir}")
  endif()
  file(GLOB _vpnwire_pc_templates "${_vpnwire_pc_dir}/*.pc.in")
  foreach(_t IN LISTS _vpnwire_pc_templates)
    file(READ "${_t}" _c)
    string(REPLACE "%PREFIX%" "${_vpnwire_pc_prefix}" _c "${_c}")
    string(REPLACE "%INCLUDEDIR%" "${_vpnwire_pc_inc}" _c "${_c}")
    string(REGEX REPLACE "\\.in$" "" _out "${_t}")
    file(WRITE "${_out}" "${_c}")
  endforeach()
]])

# vpnwire_pc(<name> <description> <requires> <libs>): one .pc file.
function(vpnwire_pc name description requires libs)
  set(VPNWIRE_PC_NAME "${name}")
  set(VPNWIRE_PC_DESCRIPTION "${description}")
  set(VPNWIRE_PC_REQUIRES "${requires}")
  set(VPNWIRE_PC_LIBS "${libs}")
  configure_file("${PROJECT_SOURCE_DIR}/cmake/vpnwire.pc.in" "${_vpnwire_pc_dir}/${name}.pc.in" @ONLY)
  install(FILES "${_vpnwire_pc_dir}/${name}.pc" DESTINATION "${VPNWIRE_INSTALL_PKGCONFIGDIR}")
endfunction()
file(REMOVE_RECURSE "${_vpnwire_pc_dir}")
vpnwire_pc(vpnwire "${PROJECT_DESCRIPTION}" "" "")

# The backends: headers, targets file, dependency lookup and .pc, each.
set(VPNWIRE_INSTALLED_COMPONENTS "")
set(_vpnwire_summary "core (vpnwire::vpnwire)")
foreach(_b IN LISTS VPNWIRE_BACKENDS)
  string(REPLACE "-" "_" _id "${_b}")
  string(TOUPPER "${_id}" _ID)
  if(NOT VPNWIRE_${_ID}_INSTALL)
    if(VPNWIRE_${_ID}_HEADERS)
      string(APPEND _vpnwire_summary ", not ${_b} (VPNWIRE_WITH_${_ID}=OFF)")
    endif()
    continue()
  endif()
  list(APPEND VPNWIRE_INSTALLED_COMPONENTS "${_b}")
  install(TARGETS ${VPNWIRE_${_ID}_TARGET} EXPORT vpnwire-${_b}-targets FILE_SET HEADERS)
  install(EXPORT vpnwire-${_b}-targets NAMESPACE vpnwire:: DESTINATION "${VPNWIRE_INSTALL_CMAKEDIR}")
  install(FILES "${VPNWIRE_${_ID}_DEPFILE}" DESTINATION "${VPNWIRE_INSTALL_CMAKEDIR}")
  set(_requires "vpnwire = ${PROJECT_VERSION}")
  foreach(_r IN LISTS VPNWIRE_${_ID}_PC_REQUIRES)
    string(APPEND _requires ", ${_r}")
  endforeach()
  vpnwire_pc(vpnwire-${_b} "vpnwire ${_b} backend (${VPNWIRE_${_ID}_WHAT})" "${_requires}" "${VPNWIRE_${_ID}_PC_LIBS}")
  if(VPNWIRE_${_ID}_FOUND)
    string(APPEND _vpnwire_summary ", ${_b} (vpnwire::${_id})")
  else()
    string(APPEND _vpnwire_summary ", ${_b} (vpnwire::${_id}; ${VPNWIRE_${_ID}_WHAT} not found on this host:"
                                   " installed anyway, looked up when a consumer requests the component)")
  endif()
endforeach()
message(STATUS "vpnwire: install components: ${_vpnwire_summary}")

# Component metadata read by vpnwireConfig.cmake: what each needs, in words.
set(VPNWIRE_CONFIG_COMPONENT_HINTS "")
foreach(_b IN LISTS VPNWIRE_INSTALLED_COMPONENTS)
  string(REPLACE "-" "_" _id "${_b}")
  string(TOUPPER "${_id}" _ID)
  string(APPEND VPNWIRE_CONFIG_COMPONENT_HINTS
         "set(_vpnwire_hint_${_id} \"${VPNWIRE_${_ID}_WHAT} (on Debian/Ubuntu: apt-get install ${VPNWIRE_${_ID}_DEBIAN})\")\n")
endforeach()

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/vpnwireConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/vpnwireConfig.cmake" INSTALL_DESTINATION "${VPNWIRE_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/vpnwireConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/vpnwireConfig.cmake" "${PROJECT_BINARY_DIR}/vpnwireConfigVersion.cmake"
  DESTINATION "${VPNWIRE_INSTALL_CMAKEDIR}")

install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/vpnwire")
