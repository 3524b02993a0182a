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
    options = {"with_openssl": [True, False]}
    default_options = {"with_openssl": False}
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
        if self.options.with_openssl:
            self.requires("openssl/[>=3 <4]")

    def package_id(self):
        self.info.settings.clear()

    def validate(self):
        check_min_cppstd(self, 20)

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        excludes = () if self.options.with_openssl else ("*/crypto/openssl*.hpp",)
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
        if self.options.with_openssl:
            ossl = self.cpp_info.components["openssl"]
            ossl.set_property("cmake_target_name", "vpnwire::openssl")
            ossl.requires = ["core", "openssl::crypto"]
            ossl.bindirs = []
            ossl.libdirs = []
