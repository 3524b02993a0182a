#!/usr/bin/env bash
# Installs, on Debian 12, every package vpnwire's build, tests, benchmarks,
# fuzzing, interop tests and demo need; only what is missing, so a second
# run is a no-op. Needs root (or sudo).
set -euo pipefail

packages=(
  cmake ninja-build g++ git pkg-config python3
  clang clang-format clang-tidy libclang-rt-14-dev llvm
  libboost-dev libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev libpcap-dev
  tshark wireshark-common tcpdump python3-scapy python3-cryptography python3-matplotlib
  dpdk-dev libdpdk-dev libtins-dev libipsec-mb-dev
  chromium
  xl2tpd iproute2 gcovr time bc
  nftables
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
