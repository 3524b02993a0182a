// The AGGFRAG stage of the pipeline (RFC 9347 IP-TFS, ESP next header 144):
// each decrypted AGGFRAG payload is dissected into a record layer
// (iptfs::dissect_payload: vpnwire.iptfs.* fields) and offered to one
// iptfs::receiver per SPI, which puts the payloads back in ESP sequence order
// (reorder window 3, drop time 1 s: the Linux and libreswan defaults) and
// reassembles inner packets split across consecutive payloads. The inner
// packets a frame completes are copied into this stage (they outlive the
// receiver's call) and listed in the record for --write-inner; the pipeline
// decodes them as the layers after the AGGFRAG layer.
//
// Memory is bounded: at most max_sas receivers, each (8 + 1) x 9216 bytes of
// waiting payloads plus one 65535-byte reassembly buffer, allocated when the
// SPI is first seen; the packets completed by one frame are kept until the
// next frame.
#pragma once

#include "record.hpp"

#include "vpnwire/core/time.hpp"
#include "vpnwire/iptfs/dissect.hpp"
#include "vpnwire/iptfs/receiver.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace vpnwire_cli {

class iptfs_stage {
public:
  using receiver = vpnwire::iptfs::receiver<8>;
  /// SPIs with their own receiver; payloads of further SPIs are dissected
  /// but not reassembled.
  static constexpr std::size_t max_sas = 64;
  /// Inner packets kept per frame at most (a 9216-byte payload holds at most
  /// 9216 / 20 whole IPv4 packets; more are counted, not kept).
  static constexpr std::size_t max_inner_per_frame = 512;

  /// Starts a frame: what the previous frame completed is forgotten.
  void begin_frame() noexcept { used_ = 0; }

  /// Dissects the AGGFRAG payload `payload` of ESP sequence number `seq` on
  /// SA `spi` into a layer of `rec` (an error of the dissection goes to the
  /// record, layer "iptfs"), then offers it to the SA's receiver at `now`.
  /// Returns the inner packets completed (valid until the next frame; also
  /// appended to rec.iptfs_inner).
  std::vector<bytes_view> offer(frame_record &rec, std::uint32_t spi, std::uint64_t seq, bytes_view payload,
                                vpnwire::time_point now) {
    namespace iptfs = vpnwire::iptfs;
    iptfs_layer l;
    l.fields.first = static_cast<std::uint32_t>(rec.iptfs_fields.size());
    auto d = iptfs::dissect_payload(payload, [&](const iptfs::field &f) {
      rec.iptfs_fields.push_back(
          iptfs_field{f.name, f.value, static_cast<std::uint32_t>(f.offset), static_cast<std::uint32_t>(f.length)});
      if (f.name == iptfs::field_names::sub_type) l.sub_type = static_cast<std::uint8_t>(f.value);
      if (f.name == iptfs::field_names::block_offset) l.block_offset = static_cast<std::uint16_t>(f.value);
      if (f.name == iptfs::field_names::block) ++l.blocks;
    });
    l.fields.count = static_cast<std::uint32_t>(rec.iptfs_fields.size()) - l.fields.first;
    const std::size_t index = rec.layers.size();
    rec.add(l);
    if (!d) rec.fail("iptfs", d.error());
    std::vector<bytes_view> out;
    receiver *rx = receiver_for(spi);
    if (rx == nullptr) return out;
    const std::size_t first = used_;
    rx->receive(seq, payload, now, [&](bytes_view inner) { keep(inner); });
    for (std::size_t i = first; i < used_; ++i) {
      out.emplace_back(kept_[i].data(), kept_[i].size());
      rec.iptfs_inner.push_back(out.back());
    }
    std::get<iptfs_layer>(rec.layers[index]).completed = static_cast<std::uint32_t>(out.size());
    return out;
  }

  /// End of capture: every receiver's waiting payloads are processed in
  /// order (their gaps given up); what completes goes to rec.iptfs_inner.
  void finish(frame_record &rec, vpnwire::time_point now) {
    for (auto &[spi, rx] : rx_) {
      const std::size_t first = used_;
      rx->flush(now, [&](bytes_view inner) { keep(inner); });
      for (std::size_t i = first; i < used_; ++i) rec.iptfs_inner.emplace_back(kept_[i].data(), kept_[i].size());
    }
  }

  /// The receiver of an SPI (counters for doctor and tests), or null.
  [[nodiscard]] const receiver *find(std::uint32_t spi) const {
    auto it = rx_.find(spi);
    return it == rx_.end() ? nullptr : it->second.get();
  }
  [[nodiscard]] const std::map<std::uint32_t, std::unique_ptr<receiver>> &receivers() const noexcept { return rx_; }
  /// Inner packets completed but not kept (more than max_inner_per_frame in one frame).
  [[nodiscard]] std::uint64_t not_kept() const noexcept { return not_kept_; }

private:
  receiver *receiver_for(std::uint32_t spi) {
    auto it = rx_.find(spi);
    if (it != rx_.end()) return it->second.get();
    if (rx_.size() >= max_sas) return nullptr;
    vpnwire::iptfs::receiver_config c;
    c.first_sequence = 0; // a capture may start mid-stream: the first payload fixes it
    c.max_payload_size = 9216;
    c.max_inner_size = 65535;
    auto r = receiver::create(c);
    if (!r) return nullptr;
    return rx_.emplace(spi, std::make_unique<receiver>(std::move(r).value())).first->second.get();
  }

  void keep(bytes_view inner) {
    if (used_ >= max_inner_per_frame) {
      ++not_kept_;
      return;
    }
    if (used_ == kept_.size()) kept_.emplace_back();
    kept_[used_].assign(inner.begin(), inner.end());
    ++used_;
  }

  std::map<std::uint32_t, std::unique_ptr<receiver>> rx_;
  std::vector<std::vector<std::byte>> kept_;
  std::size_t used_ = 0;
  std::uint64_t not_kept_ = 0;
};

} // namespace vpnwire_cli
