"""Conan 2 recipe for vpnwire, a header-only library.

Built from this checkout (`conan create packaging/conan`); the package holds
the headers and the same vpnwireConfig.cmake / vpnwire.pc names that
`cmake --install` produces, so consumers write the same CMake either way.
"""
import os

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"


class VpnwireConan(ConanFile):
    name = "vpnwire"
    description = "Header-only C++20 wire formats and data-path engines for L2TP/IPsec VPNs"
    license = "MIT"
    url = "https://example.invalid/vpnwire"
    homepage = "https://example.invalid/vpnwire"
    topics = ("l2tp", "ipsec", "esp", "ppp", "vpn", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    # One option per backend component of cmake/vpnwireBackends.cmake:
    # (component, option, Conan requirement, its CMakeDeps target, header glob).
    _backends = (
        ("openssl", "with_openssl", "openssl/[>=3 <4]", "openssl::crypto", "*/crypto/openssl*.hpp"),
        ("ipsec-mb", "with_ipsec_mb", "intel-ipsec-mb/[>=1.3 <2]", "intel-ipsec-mb::intel-ipsec-mb",
         "*/esp/crypto/ipsec_mb*.hpp"),
    )
    options = {"with_openssl": [True, False], "with_ipsec_mb": [True, False]}
    default_options = {"with_openssl": False, "with_ipsec_mb": False}
    no_copy_source = True

    def export_sources(self):
        root = os.path.join(self.recipe_folder, "..", "..")
        copy(self, "include/*", root, self.export_sources_folder)
        copy(self, "LICENSE", root, self.export_sources_folder)

    def set_version(self):
        root = os.path.join(self.recipe_folder, "..", "..")
        text = load(self, os.path.join(root, "include", "vpnwire", "version.hpp"))
        parts = {}
        for line in text.splitlines():
            for part in ("MAJOR", "MINOR", "PATCH"):
                key = f"#define VPNWIRE_VERSION_{part} "
                if line.startswith(key):
                    parts[part] = line[len(key):].strip()
        self.version = self.version or f"{parts['MAJOR']}.{parts['MINOR']}.{parts['PATCH']}"

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        # Boost.Endian is header-only; no compiled Boost library is needed.
        self.requires("boost/1.83.0", options={"header_only": True})
        for _, option, requirement, _, _ in self._backends:
            if self.options.get_safe(option):
                self.requires(requirement)

    def package_id(self):
        self.info.settings.clear()

    def validate(self):
        check_min_cppstd(self, 20)

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        excludes = tuple(glob for _, option, _, _, glob in self._backends if not self.options.get_safe(option))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"),
             os.path.join(self.package_folder, "include"), excludes=excludes)

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("cmake_file_name", "vpnwire")
        self.cpp_info.set_property("pkg_config_name", "vpnwire")
        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "vpnwire::vpnwire")
        core.requires = ["boost::headers"]
        core.bindirs = []
        core.libdirs = []
        # The same names as cmake --install: target vpnwire::<id> and
        # pkg-config module vpnwire-<component> per backend.
        for component, option, _, dependency, _ in self._backends:
            if not self.options.get_safe(option):
                continue
            backend = self.cpp_info.components[component]
            backend.set_property("cmake_target_name", "vpnwire::" + component.replace("-", "_"))
            backend.set_property("pkg_config_name", "vpnwire-" + component)
            backend.requires = ["core", dependency]
            backend.bindirs = []
            backend.libdirs = []
