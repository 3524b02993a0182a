# Overlay port building from this checkout (packaging/vcpkg/ports/vpnwire is
# three levels below the source root). A registry port would use
# vcpkg_from_github with REF and SHA512 instead; everything below stays the same.
set(VCPKG_BUILD_TYPE release) # header-only: one configuration is enough
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
  FEATURES
    openssl CMAKE_REQUIRE_FIND_PACKAGE_OpenSSL
  INVERTED_FEATURES
    openssl CMAKE_DISABLE_FIND_PACKAGE_OpenSSL
)

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    ${FEATURE_OPTIONS}
    -DVPNWIRE_BUILD_TESTS=OFF
    -DVPNWIRE_BUILD_BENCH=OFF
    -DVPNWIRE_BUILD_EXAMPLES=OFF
    -DVPNWIRE_BUILD_FUZZ=OFF
    -DVPNWIRE_NOEXCEPT_CHECK=OFF
    -DVPNWIRE_INSTALL=ON
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/vpnwire)
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/lib" "${CURRENT_PACKAGES_DIR}/debug")
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/doc")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
