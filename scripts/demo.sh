#!/usr/bin/env bash
# The main demo: installs what is missing, builds the vpnwire CLI in release
# mode, and runs `vpnwire doctor` on the two incident captures of
# examples/captures/ (made by examples/vpnwire/gen_captures.cpp with vpnwire's
# own builders), on incident 1 cut to 128 bytes per frame by editcap and on a
# tcpdump capture with offloaded checksums, then `vpnwire mtu` for the second
# incident's link. Doctor also writes each incident's report as one self-contained
# HTML page with its charts (doctor --html); the demo prints where they are.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DVPNWIRE_BUILD_TESTS=OFF \
  -DVPNWIRE_BUILD_BENCH=OFF -DVPNWIRE_BUILD_EXAMPLES=ON -DVPNWIRE_NOEXCEPT_CHECK=OFF >/dev/null
cmake --build build/demo -j "$(nproc)" --target vpnwire_cli
vpnwire=build/demo/examples/vpnwire/vpnwire

banner() { printf '\n\033[1m=== %s\033[0m\n$ %s\n\n' "$1" "$2"; }

banner "Incident 1: L2TP/IPsec client that always sequences, fragments arriving swapped" \
  "vpnwire doctor --esp-sa … --l2tp-secret demo-secret --html build/demo/doctor-incident1.html examples/captures/incident1-l2tp-reorder.pcap"
"$vpnwire" doctor \
  --esp-sa spi=0xc1000001,enc=aes-cbc,key=0x00112233445566778899aabbccddeeff,auth=hmac-sha1-96,auth-key=0x0102030405060708090a0b0c0d0e0f1011121314 \
  --esp-sa spi=0x5e000001,enc=aes-cbc,key=0xffeeddccbbaa99887766554433221100,auth=hmac-sha1-96,auth-key=0x2122232425262728292a2b2c2d2e2f3031323334 \
  --l2tp-secret demo-secret --html build/demo/doctor-incident1.html \
  examples/captures/incident1-l2tp-reorder.pcap

banner "Incident 2: ESP tunnel over a 1454-byte PPPoE link, fragmented after encapsulation" \
  "vpnwire doctor --esp-sa … --html build/demo/doctor-incident2.html examples/captures/incident2-esp-pppoe-mtu.pcap"
"$vpnwire" doctor \
  --esp-sa spi=0xa0000001,enc=aes-gcm-16,key=0x000102030405060708090a0b0c0d0e0fcafebabe \
  --esp-sa spi=0xb0000001,enc=aes-gcm-16,key=0x101112131415161718191a1b1c1d1e1fdeadbeef \
  --html build/demo/doctor-incident2.html \
  examples/captures/incident2-esp-pppoe-mtu.pcap

banner "Incident 1 over plain L2TP, captured with a 128-byte snap length: the same findings from the headers alone" \
  "editcap -s 128 examples/captures/incident1-l2tp-plain.pcap /tmp/…; vpnwire doctor /tmp/…"
cut=$(mktemp /tmp/vpnwire-demo-XXXXXX.pcap)
trap 'rm -f "$cut"' EXIT
editcap -s 128 examples/captures/incident1-l2tp-plain.pcap "$cut"
"$vpnwire" doctor "$cut"

banner "Captured on the sending host (tcpdump -i lo): bad UDP checksums, decoded anyway" \
  "vpnwire doctor tests/cli/captures/offload-lo.pcap"
"$vpnwire" doctor tests/cli/captures/offload-lo.pcap

banner "The exact MSS for that link, computed instead of found by trial and error" \
  "vpnwire mtu --link-mtu 1454 --nat-t --esp aes-gcm-16 --mode tunnel   # the PPPoE interface MTU of the incident"
"$vpnwire" mtu --link-mtu 1454 --nat-t --esp aes-gcm-16 --mode tunnel

banner "The two incident reports as HTML pages (inline SVG, nothing fetched; open them in any browser)" \
  "vpnwire doctor … --html FILE"
for page in build/demo/doctor-incident1.html build/demo/doctor-incident2.html; do
  printf '%s (%s bytes)\n' "$(realpath "$page")" "$(wc -c <"$page")"
done
