// Fuzz target: the CLI's AGGFRAG stage (examples/vpnwire/iptfs_stage.hpp):
// decrypted AGGFRAG payloads of two SAs dissected into record layers and fed
// to the per-SPI receivers, then rendered as text and JSON exactly as
// `vpnwire decode` does.
//
// Input: records [ctl][dseq][dt][len_hi][len_lo][len bytes: the payload];
// ctl bit 0 picks SPI 0x1000 or 0x2000; dseq - 8 is added to the SA's
// sequence number (so payloads arrive early, late, repeated); dt advances the
// clock in milliseconds (0xFF: by 2 s, past the drop time). A length beyond
// the input takes the rest. Then the end of capture (finish()).
//
// Invariants: no crash, leak or over-read (ASan); every inner packet the
// stage returns is in the record's iptfs_inner, in the same order; each
// receiver's delivered count equals the packets the stage kept and counted
// as not kept; each receiver's memory stays what make() allocated; the
// AGGFRAG layer's field table range lies inside the record's table.
#include "fuzz_check.hpp"

#include "iptfs_stage.hpp"
#include "record.hpp"
#include "render_json.hpp"
#include "render_text.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  vpnwire_cli::iptfs_stage stage;
  vpnwire_cli::frame_record rec;
  std::string out;
  std::map<std::uint32_t, std::uint64_t> seq{{0x1000, 1}, {0x2000, 1}};
  std::map<std::uint32_t, std::size_t> footprint;
  vpnwire::time_point now{};
  std::uint64_t kept = 0, number = 0;
  std::size_t pos = 0;
  while (pos + 5 <= size) {
    const std::uint32_t spi = (data[pos] & 1U) != 0 ? 0x2000 : 0x1000;
    seq[spi] += static_cast<std::uint64_t>(static_cast<std::int64_t>(data[pos + 1]) - 8);
    now += data[pos + 2] == 0xFF ? std::chrono::milliseconds(2000) : std::chrono::milliseconds(data[pos + 2]);
    std::size_t len = (std::size_t{data[pos + 3]} << 8) | data[pos + 4];
    pos += 5;
    len = std::min(len, size - pos);
    const vpnwire::bytes_view payload(reinterpret_cast<const std::byte *>(data + pos), len);
    pos += len;
    rec.clear();
    rec.number = ++number;
    stage.begin_frame();
    rec.add(vpnwire_cli::esp_layer{});
    const auto inner = stage.offer(rec, spi, seq[spi], payload, now);
    FUZZ_CHECK(inner.size() == rec.iptfs_inner.size());
    for (std::size_t i = 0; i < inner.size(); ++i) {
      FUZZ_CHECK(inner[i].data() == rec.iptfs_inner[i].data() && inner[i].size() == rec.iptfs_inner[i].size());
      FUZZ_CHECK(inner[i].size() <= 65575);
    }
    kept += inner.size();
    const auto *l = std::get_if<vpnwire_cli::iptfs_layer>(&rec.layers.back());
    FUZZ_CHECK(l != nullptr);
    FUZZ_CHECK(std::size_t{l->fields.first} + l->fields.count <= rec.iptfs_fields.size());
    FUZZ_CHECK(l->completed == inner.size());
    out.clear();
    vpnwire_cli::render_json(out, rec);
    vpnwire_cli::render_text(out, rec);
    for (const auto &[s, rx] : stage.receivers()) {
      auto [it, fresh] = footprint.emplace(s, rx->memory_footprint());
      FUZZ_CHECK(fresh || it->second == rx->memory_footprint());
    }
  }
  rec.clear();
  stage.begin_frame();
  stage.finish(rec, now);
  kept += rec.iptfs_inner.size();
  std::uint64_t delivered = 0;
  for (const auto &[s, rx] : stage.receivers()) delivered += rx->counters().delivered;
  FUZZ_CHECK(delivered == kept + stage.not_kept());
  return 0;
}
