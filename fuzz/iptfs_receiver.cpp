// Fuzz target: iptfs::receiver, two ways (first input byte picks).
//
//  - hostile: arbitrary payloads at input-chosen sequence numbers and
//    times, with polls and flushes, under an input-chosen configuration;
//  - stream: inner packets with ids go through an iptfs::sender of
//    input-chosen shape, then an input-chosen channel (drop, duplicate,
//    swap, hold back, corrupt a byte) into the receiver.
//
// Invariants: the memory is what create() allocated, at most WindowCapacity
// payloads wait, the packet in progress never exceeds max_inner_size; every
// delivered inner packet is a whole IPv4/IPv6 packet (version nibble, length
// field equal to its size); both conservation laws of receiver_counters
// hold after every call. Stream mode: nothing is delivered twice and
// nothing out of order (ids strictly increase), and without corruption every
// delivered packet is byte for byte the one that was sent under its id.
#include "vpnwire/iptfs/receiver.hpp"
#include "vpnwire/iptfs/sender.hpp"

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace vpnwire;

namespace {

constexpr std::size_t capacity = 8;
using receiver = iptfs::receiver<capacity>;
using bytes = std::vector<std::byte>;

iptfs::receiver_config config_from(fuzz::bytes_in &c) {
  iptfs::receiver_config cfg;
  cfg.reorder_window = c.u8() % capacity;
  cfg.drop_time = std::chrono::microseconds(c.u8() % 4 == 0 ? 0 : 1 + c.u16() % 5000);
  cfg.max_payload_size = 4 + c.u16() % 3000;
  cfg.max_inner_size = 40 + c.u16() % 9000;
  cfg.first_sequence = c.u8() % 4 == 0 ? 0 : 1;
  return cfg;
}

void check_inner(bytes_view inner) {
  FUZZ_CHECK(inner.size() >= 20);
  const unsigned v = std::to_integer<unsigned>(inner[0]) >> 4;
  FUZZ_CHECK(v == 4 || v == 6);
  FUZZ_CHECK(v == 4 || inner.size() >= 40);
  const std::size_t len = v == 4 ? core::load_be16(inner.data() + 2) : 40U + core::load_be16(inner.data() + 4);
  FUZZ_CHECK(len == inner.size());
}

void check_state(const receiver &r, std::size_t footprint) {
  const auto &c = r.counters();
  FUZZ_CHECK(r.memory_footprint() == footprint);
  FUZZ_CHECK(r.held() <= capacity);
  FUZZ_CHECK(r.in_progress_bytes() <= r.config().max_inner_size);
  FUZZ_CHECK(c.payloads == c.processed + c.duplicate + c.late + c.out_of_window + c.too_large + r.held());
  FUZZ_CHECK(c.started == c.reassembled + c.abandoned_gap + c.abandoned_timeout + c.abandoned_mismatch +
                              c.abandoned_invalid + c.abandoned_flush + (r.in_progress() ? 1U : 0U));
}

void hostile(fuzz::bytes_in c) {
  const iptfs::receiver_config cfg = config_from(c);
  auto made = receiver::create(cfg);
  FUZZ_CHECK(made);
  receiver &r = *made;
  const std::size_t footprint = r.memory_footprint();
  auto sink = [&](bytes_view inner) { check_inner(inner); };
  std::uint64_t seq = 1 + c.u8();
  std::int64_t now = 1'000'000'000;
  bytes payload;
  while (!c.empty()) {
    const std::uint8_t op = c.u8();
    now += static_cast<std::int64_t>(c.u8()) * 50'000;
    switch (op & 7) {
    case 0: (void)r.poll(from_nanoseconds(now), sink); break;
    case 1: (void)r.flush(from_nanoseconds(now), sink); break;
    default: {
      // The next number, or one nearby (reordering, duplicates, gaps).
      const std::uint8_t jump = op >> 3;
      seq = jump < 20 ? seq + 1 : seq + jump - 24;
      payload.resize(c.u8() + (op & 1) * 256);
      for (auto &b : payload) b = static_cast<std::byte>(c.u8());
      (void)r.receive(seq, payload, from_nanoseconds(now), sink);
    }
    }
    check_state(r, footprint);
  }
}

void stream(fuzz::bytes_in c) {
  // The sender: payload size, padding, split length fields, sub-type.
  iptfs::sender_config scfg;
  scfg.outer_packet_size = 9000;
  scfg.payload_size = 40 + c.u16() % 2000;
  const std::uint8_t shape = c.u8();
  scfg.pad_to_size = (shape & 1) != 0;
  scfg.split_length_fields = (shape & 2) != 0;
  scfg.congestion_control = (shape & 4) != 0;
  auto sender = iptfs::sender::create(scfg, esp::sa_config{});
  FUZZ_CHECK(sender);
  iptfs::receiver_config cfg = config_from(c);
  cfg.max_payload_size = 2100;
  auto made = receiver::create(cfg);
  FUZZ_CHECK(made);
  receiver &r = *made;
  const std::size_t footprint = r.memory_footprint();

  // Inner packets: size from the input, the id in bytes after the header.
  std::vector<bytes> sent;
  const std::size_t count = 1 + c.u8() % 64;
  for (std::uint32_t id = 0; id < count; ++id) {
    const bool v6 = (c.u8() & 1) != 0;
    const std::size_t len = (v6 ? 44U : 24U) + c.u16() % 3000;
    bytes p(len, std::byte{0});
    p[0] = std::byte{static_cast<std::uint8_t>(v6 ? 0x60 : 0x45)};
    if (v6) {
      core::store_be16(p.data() + 4, static_cast<std::uint16_t>(len - 40));
    } else {
      core::store_be16(p.data() + 2, static_cast<std::uint16_t>(len));
    }
    core::store_be32(p.data() + (v6 ? 40 : 20), id);
    for (std::size_t i = (v6 ? 44U : 24U); i < len; ++i) p[i] = static_cast<std::byte>(id + i);
    FUZZ_CHECK(sender->enqueue(p, from_nanoseconds(0)));
    sent.push_back(std::move(p));
  }
  std::vector<std::pair<std::uint64_t, bytes>> wire;
  bytes buf(sender->payload_size());
  for (std::uint64_t seq = 1;; ++seq) {
    auto n = sender->next_payload(from_nanoseconds(0), buf);
    if (!n) break;
    wire.emplace_back(seq, bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)));
  }

  bool corrupted = false;
  bool have_last = false;
  std::uint32_t last_id = 0;
  auto sink = [&](bytes_view inner) {
    check_inner(inner);
    const bool v6 = (std::to_integer<unsigned>(inner[0]) >> 4) == 6;
    if (inner.size() < (v6 ? 44U : 24U)) {
      FUZZ_CHECK(corrupted);
      return;
    }
    const std::uint32_t id = core::load_be32(inner.data() + (v6 ? 40 : 20));
    if (corrupted) return;
    FUZZ_CHECK(id < sent.size());
    FUZZ_CHECK(!have_last || id > last_id); // nothing twice, nothing out of order
    FUZZ_CHECK(bytes(inner.begin(), inner.end()) == sent[id]);
    have_last = true;
    last_id = id;
  };
  // The channel, one decision per payload.
  std::int64_t now = 1'000'000'000;
  std::vector<std::pair<std::uint64_t, bytes>> delayed;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    const std::uint8_t op = c.u8();
    now += static_cast<std::int64_t>(op >> 5) * 100'000;
    auto &[seq, p] = wire[i];
    switch (op & 7) {
    case 0: break; // lost
    case 1:        // duplicated
      (void)r.receive(seq, p, from_nanoseconds(now), sink);
      (void)r.receive(seq, p, from_nanoseconds(now), sink);
      break;
    case 2: // held back, delivered after the next ones
      delayed.emplace_back(seq, p);
      break;
    case 3: // one byte corrupted (as a broken peer under a valid ICV would)
      if (!p.empty()) {
        p[c.u8() % p.size()] = static_cast<std::byte>(c.u8());
        corrupted = true;
      }
      (void)r.receive(seq, p, from_nanoseconds(now), sink);
      break;
    case 4: (void)r.poll(from_nanoseconds(now), sink); [[fallthrough]];
    default: (void)r.receive(seq, p, from_nanoseconds(now), sink); break;
    }
    check_state(r, footprint);
    if (!delayed.empty() && (op & 0x18) == 0x18) {
      for (auto &[s, q] : delayed) (void)r.receive(s, q, from_nanoseconds(now), sink);
      delayed.clear();
      check_state(r, footprint);
    }
  }
  for (auto &[s, q] : delayed) (void)r.receive(s, q, from_nanoseconds(now), sink);
  (void)r.flush(from_nanoseconds(now), sink);
  check_state(r, footprint);
  FUZZ_CHECK(!r.in_progress() && r.held() == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  fuzz::bytes_in c{data, size};
  if ((c.u8() & 1) == 0) {
    hostile(c);
  } else {
    stream(c);
  }
  return 0;
}
