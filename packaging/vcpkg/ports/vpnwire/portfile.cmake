# Overlay port building from this checkout (packaging/vcpkg/ports/vpnwire is
# three levels below the source root). A registry port would use
# vcpkg_from_github with REF and SHA512 instead; everything below stays the same.
set(VCPKG_BUILD_TYPE release) # header-only: one configuration is enough
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)

# One feature per backend component (cmake/vpnwireBackends.cmake): ON requires
# the dependency vcpkg just built and installs the component; OFF leaves it out.
vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
  FEATURES
    openssl VPNWIRE_WITH_OPENSSL
    ipsec-mb VPNWIRE_WITH_IPSEC_MB
)

# BUILD_TESTING=OFF: the packager's configure (docs/packaging.md); tests,
# fuzzers, benchmarks, examples, checks and -Werror are then all off.
vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    ${FEATURE_OPTIONS}
    -DBUILD_TESTING=OFF
    -DVPNWIRE_INSTALL=ON
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/vpnwire)
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/lib" "${CURRENT_PACKAGES_DIR}/debug")
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/doc")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
