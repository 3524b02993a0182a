#!/usr/bin/env python3
"""Checks the package manager files against the source of truth.

vcpkg and Conan cannot run here (no access to their registries), so this test
checks what can be checked offline: the vcpkg manifest is valid JSON with the
version of include/vpnwire/version.hpp and the boost-endian dependency; the
portfile fixes up the same CMake config path that cmake --install uses; the
Conan recipe and test_package compile as Python and declare a header-library.
"""
import json
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
version_hpp = (root / "include/vpnwire/version.hpp").read_text()
parts = [re.search(rf"#define VPNWIRE_VERSION_{p} (\d+)", version_hpp).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
version = ".".join(parts)

port = root / "packaging/vcpkg/ports/vpnwire"
manifest = json.loads((port / "vcpkg.json").read_text())
assert manifest["name"] == "vpnwire", manifest["name"]
assert manifest["version-semver"] == version, (manifest["version-semver"], version)
deps = [d if isinstance(d, str) else d["name"] for d in manifest["dependencies"]]
assert "boost-endian" in deps, deps
portfile = (port / "portfile.cmake").read_text()
install_cmake = (root / "cmake/vpnwireInstall.cmake").read_text()
# CMAKE_INSTALL_DATADIR is "share" by default (GNUInstallDirs)
assert "${CMAKE_INSTALL_DATADIR}/cmake/vpnwire" in install_cmake, "install path changed"
assert "CONFIG_PATH share/cmake/vpnwire" in portfile, "portfile fixes up another path"
assert "set(VCPKG_BUILD_TYPE release)" in portfile
assert (port / "usage").read_text().count("vpnwire::vpnwire") >= 1

for f in ("packaging/conan/conanfile.py", "packaging/conan/test_package/conanfile.py"):
    compile((root / f).read_text(), f, "exec")  # syntax check, nothing written
recipe = (root / "packaging/conan/conanfile.py").read_text()
assert 'package_type = "header-library"' in recipe
assert '"cmake_target_name", "vpnwire::vpnwire"' in recipe
print(f"packaging files consistent with version {version}")

# The umbrella header includes every public header except detail/ and the
# optional OpenSSL backends.
umbrella = (root / "include/vpnwire/vpnwire.hpp").read_text()
for h in sorted((root / "include/vpnwire").rglob("*.hpp")):
    rel = h.relative_to(root / "include").as_posix()
    if "/detail/" in rel or "/crypto/openssl" in rel or rel == "vpnwire/vpnwire.hpp":
        continue
    assert f'#include "{rel}"' in umbrella, f"vpnwire.hpp does not include {rel}"
print("umbrella header complete")
