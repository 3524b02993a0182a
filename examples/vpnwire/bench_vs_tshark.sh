#!/bin/sh
# Throughput of `vpnwire decode --json` against `tshark -T json` on the same
# generated capture (incident 1's traffic: L2TP/IPsec with AES-CBC/HMAC-SHA1,
# both decrypting with the same keys). Prints frames/s and MB/s of each and
# the ratio. Build vpnwire in Release first, e.g.
#   cmake -B build/rel-cli -DCMAKE_BUILD_TYPE=Release -DVPNWIRE_BUILD_TESTS=OFF -DVPNWIRE_BUILD_BENCH=OFF
#   cmake --build build/rel-cli --target vpnwire_cli vpnwire_gen_captures
#   examples/vpnwire/bench_vs_tshark.sh build/rel-cli/examples/vpnwire 5000
# Timings are wall-clock medians of 3 runs; the machine should be idle.
set -eu
bin=${1:?directory holding vpnwire and vpnwire_gen_captures}
rounds=${2:-5000}
cap=$(mktemp /tmp/vpnwire-bench-XXXXXX.pcap)
trap 'rm -f "$cap"' EXIT
"$bin/vpnwire_gen_captures" --large "$rounds" "$cap" >/dev/null
frames=$(capinfos -c -M "$cap" | awk '/Number of packets/ {print $NF}')
bytes=$(stat -c %s "$cap")
K1=0x00112233445566778899aabbccddeeff; A1=0x0102030405060708090a0b0c0d0e0f1011121314
K2=0xffeeddccbbaa99887766554433221100; A2=0x2122232425262728292a2b2c2d2e2f3031323334
median() { sort -n | sed -n 2p; }
t() { # prints wall seconds of "$@" with stdout discarded
  s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l
}
v=$(for i in 1 2 3; do t "$bin/vpnwire" decode --json \
      --esp-sa spi=0xc1000001,enc=aes-cbc,key=$K1,auth=hmac-sha1-96,auth-key=$A1 \
      --esp-sa spi=0x5e000001,enc=aes-cbc,key=$K2,auth=hmac-sha1-96,auth-key=$A2 "$cap"; done | median)
w=$(for i in 1 2 3; do t tshark -n -r "$cap" -T json -o esp.enable_encryption_decode:TRUE \
      -o "uat:esp_sa:\"IPv4\",\"192.0.2.10\",\"198.51.100.1\",\"0xc1000001\",\"AES-CBC [RFC3602]\",\"$K1\",\"HMAC-SHA-1-96 [RFC2404]\",\"$A1\"" \
      -o "uat:esp_sa:\"IPv4\",\"198.51.100.1\",\"192.0.2.10\",\"0x5e000001\",\"AES-CBC [RFC3602]\",\"$K2\",\"HMAC-SHA-1-96 [RFC2404]\",\"$A2\""; done | median)
printf 'capture: %s frames, %s bytes (%s rounds)\n' "$frames" "$bytes" "$rounds"
printf 'vpnwire decode --json: %8.3f s  %10.0f frames/s  %7.1f MB/s\n' "$v" "$(echo "$frames / $v" | bc -l)" "$(echo "$bytes / $v / 1000000" | bc -l)"
printf 'tshark -T json:        %8.3f s  %10.0f frames/s  %7.1f MB/s\n' "$w" "$(echo "$frames / $w" | bc -l)" "$(echo "$bytes / $w / 1000000" | bc -l)"
printf 'ratio tshark/vpnwire:  %.1fx\n' "$(echo "$w / $v" | bc -l)"
