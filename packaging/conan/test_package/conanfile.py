import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout


class TestPackageConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        # Request the components the package was built with, as a consumer would.
        options = self.dependencies[self.tested_reference_str.split("/")[0]].options
        components = [c for c, o in (("openssl", "with_openssl"), ("ipsec-mb", "with_ipsec_mb")) if options.get_safe(o)]
        tc = CMakeToolchain(self)
        tc.cache_variables["VPNWIRE_COMPONENTS"] = ";".join(components)
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if can_run(self):
            self.run(os.path.join(self.cpp.build.bindir, "test_package"), env="conanrun")
