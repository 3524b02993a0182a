# Install rules: headers, the CMake package (targets, config, version) and
# a pkg-config file. Header-only, so the version file is ARCH_INDEPENDENT.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(VPNWIRE_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/vpnwire" CACHE STRING "Where vpnwireConfig.cmake goes")

set(_vpnwire_install_targets vpnwire)
if(TARGET vpnwire_openssl)
  list(APPEND _vpnwire_install_targets vpnwire_openssl)
endif()
install(TARGETS ${_vpnwire_install_targets} EXPORT vpnwireTargets FILE_SET HEADERS)
install(EXPORT vpnwireTargets NAMESPACE vpnwire:: DESTINATION "${VPNWIRE_INSTALL_CMAKEDIR}")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/vpnwireConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/vpnwireConfig.cmake" INSTALL_DESTINATION "${VPNWIRE_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/vpnwireConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/vpnwireConfig.cmake" "${PROJECT_BINARY_DIR}/vpnwireConfigVersion.cmake"
  DESTINATION "${VPNWIRE_INSTALL_CMAKEDIR}")

configure_file("${PROJECT_SOURCE_DIR}/cmake/vpnwire.pc.in" "${PROJECT_BINARY_DIR}/vpnwire.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/vpnwire.pc" DESTINATION "${CMAKE_INSTALL_DATADIR}/pkgconfig")
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/vpnwire")
