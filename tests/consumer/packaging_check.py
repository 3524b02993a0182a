#!/usr/bin/env python3
"""Checks the package manager files against the source of truth.

vcpkg and Conan cannot run here (no access to their registries), so this test
checks what can be checked offline:
  - the vcpkg manifest is valid JSON with the version of include/vpnwire/version.hpp
    and the boost-endian dependency; the portfile fixes up the CMake config path
    that cmake --install uses and configures like a packager (BUILD_TESTING=OFF);
  - the backend table (cmake/vpnwireBackends.cmake) is the one list of optional
    components: each backend has a vcpkg feature mapped to VPNWIRE_WITH_<ID>, a
    usage paragraph, a Conan option and component with the same target and
    pkg-config names and the same headers, a test_package request, and a section
    in docs/packaging.md; and nothing else claims to be a backend;
  - the Conan recipe and test_package compile as Python and declare a header-library;
  - the umbrella header includes every public header but detail/ and the backends.
"""
import ast
import fnmatch
import json
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
include = root / "include"
errors = []


def check(cond, msg):
    if not cond:
        errors.append(msg)


version_hpp = (root / "include/vpnwire/version.hpp").read_text()
parts = [re.search(rf"#define VPNWIRE_VERSION_{p} (\d+)", version_hpp).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
version = ".".join(parts)

# The backend table: vpnwire_backend(<component> HEADERS "<regex>" ...) entries.
table = (root / "cmake/vpnwireBackends.cmake").read_text()
table = table[table.index("endfunction()"):]
backends = {}
for m in re.finditer(r'^vpnwire_backend\(([\w-]+)(.*?)\)\s*$', table, re.M | re.S):
    regex = re.search(r'HEADERS "([^"]+)"', m.group(2)).group(1).replace("\\\\", "\\")
    backends[m.group(1)] = re.compile(regex)
check(set(backends) >= {"openssl", "ipsec-mb"}, f"backend table lacks openssl or ipsec-mb: {sorted(backends)}")
headers = sorted(h.relative_to(include).as_posix() for h in include.rglob("*.hpp"))


def backend_of(rel):
    owners = [b for b, rx in backends.items() if rx.search(rel)]
    check(len(owners) <= 1, f"{rel} belongs to several backends: {owners}")
    return owners[0] if owners else None


# vcpkg
port = root / "packaging/vcpkg/ports/vpnwire"
manifest = json.loads((port / "vcpkg.json").read_text())
check(manifest["name"] == "vpnwire", manifest["name"])
check(manifest["version-semver"] == version, f"vcpkg version {manifest['version-semver']} != {version}")
deps = [d if isinstance(d, str) else d["name"] for d in manifest["dependencies"]]
check("boost-endian" in deps, f"vcpkg dependencies lack boost-endian: {deps}")
portfile = (port / "portfile.cmake").read_text()
install_cmake = (root / "cmake/vpnwireInstall.cmake").read_text()
# CMAKE_INSTALL_DATADIR is "share" by default (GNUInstallDirs)
check("${CMAKE_INSTALL_DATADIR}/cmake/vpnwire" in install_cmake, "install path changed")
check("CONFIG_PATH share/cmake/vpnwire" in portfile, "portfile fixes up another path")
check("set(VCPKG_BUILD_TYPE release)" in portfile, "portfile builds debug too")
check("-DBUILD_TESTING=OFF" in portfile, "portfile does not configure like a packager (BUILD_TESTING=OFF)")
usage = (port / "usage").read_text()
check("vpnwire::vpnwire" in usage, "usage lacks vpnwire::vpnwire")
check(set(manifest.get("features", {})) == set(backends),
      f"vcpkg features {sorted(manifest.get('features', {}))} != backends {sorted(backends)}")

# Conan
recipe_text = (root / "packaging/conan/conanfile.py").read_text()
test_recipe_text = (root / "packaging/conan/test_package/conanfile.py").read_text()
for name, text in (("conanfile.py", recipe_text), ("test_package/conanfile.py", test_recipe_text)):
    compile(text, name, "exec")  # syntax check, nothing written
check('package_type = "header-library"' in recipe_text, "the recipe is not a header-library")
check('"cmake_target_name", "vpnwire::vpnwire"' in recipe_text, "the recipe's core target is not vpnwire::vpnwire")
recipe = ast.parse(recipe_text)
conan_backends = conan_options = None
for node in ast.walk(recipe):
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        if node.targets[0].id == "_backends":
            conan_backends = {b[0]: b for b in ast.literal_eval(node.value)}
        elif node.targets[0].id == "options":
            conan_options = ast.literal_eval(node.value)
check(conan_backends is not None and set(conan_backends) == set(backends),
      f"Conan _backends {sorted(conan_backends or {})} != backends {sorted(backends)}")
check('"vpnwire::" + component.replace("-", "_")' in recipe_text, "Conan backend target names differ from CMake's")
check('"vpnwire-" + component' in recipe_text, "Conan backend pkg-config names differ from the .pc files")

docs = (root / "docs/packaging.md").read_text()
for b, rx in backends.items():
    ident = b.replace("-", "_")
    feature = manifest.get("features", {}).get(b)
    check(feature and feature.get("dependencies"), f"vcpkg feature {b} has no dependency")
    check(re.search(rf"^\s*{re.escape(b)}\s+VPNWIRE_WITH_{ident.upper()}\s*$", portfile, re.M),
          f"portfile does not map feature {b} to VPNWIRE_WITH_{ident.upper()}")
    check(f"COMPONENTS {b}" in usage and f"vpnwire::{ident}" in usage, f"usage lacks component {b}")
    cb = (conan_backends or {}).get(b)
    if cb:
        check(cb[1] == f"with_{ident}" and cb[1] in (conan_options or {}), f"Conan option for {b} is not with_{ident}")
        mine = {h for h in headers if rx.search(h)}
        theirs = {h for h in headers if fnmatch.fnmatch(h, cb[4])}
        check(mine == theirs, f"Conan packages other {b} headers than CMake: {sorted(mine ^ theirs)}")
    check(f'("{b}", "with_{ident}")' in test_recipe_text, f"test_package does not request {b}")
    for needle in (f"COMPONENTS {b}", f"vpnwire::{ident}", f"vpnwire-{b}", f"[{b}]", f"with_{ident}"):
        check(needle in docs, f"docs/packaging.md does not mention {needle}")
print(f"packaging files consistent with version {version} and backends {', '.join(sorted(backends))}")

# The umbrella header includes every public header except detail/ and the
# optional backends.
umbrella = (include / "vpnwire/vpnwire.hpp").read_text()
for rel in headers:
    if "/detail/" in rel or rel == "vpnwire/vpnwire.hpp":
        continue
    owner = backend_of(rel)
    if owner:
        check(f'#include "{rel}"' not in umbrella, f"vpnwire.hpp includes the {owner} backend header {rel}")
    else:
        check(f'#include "{rel}"' in umbrella, f"vpnwire.hpp does not include {rel}")

if errors:
    print("\n".join("FAIL: " + e for e in errors))
    sys.exit(1)
print("umbrella header complete")
