// A reference model of iptfs::receiver, written for clarity rather than
// speed: a std::map of waiting payloads with the documented window rules
// (depth reorder_window + 1, slide beyond the capacity, timeout drop_time),
// then RFC 9347 reassembly into a std::vector. The round-trip test compares
// it with the receiver after every call: same inner packets, same counters.
#pragma once

#include "vpnwire/core/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace iptfs_test {

struct model_config {
  std::uint32_t reorder_window = 3;
  std::int64_t drop_ns = 1'000'000'000;
  std::uint64_t capacity = 8;
  std::size_t max_payload = 9216;
  std::size_t max_inner = 65535;
  std::uint64_t first_sequence = 1;
};

/// The model's counters, named as receiver_counters.
struct model_counters {
  std::uint64_t payloads = 0, processed = 0, duplicate = 0, late = 0, too_large = 0;
  std::uint64_t sequence_gaps = 0, missing_payloads = 0, pad_only = 0, malformed = 0;
  std::uint64_t unknown_block_type = 0, bad_inner_length = 0, orphan_continuations = 0;
  std::uint64_t delivered = 0, started = 0, reassembled = 0;
  std::uint64_t abandoned_gap = 0, abandoned_timeout = 0, abandoned_mismatch = 0, abandoned_invalid = 0,
                abandoned_flush = 0;
};

class receiver_model {
public:
  explicit receiver_model(model_config mc) : cfg_(mc), expected_(mc.first_sequence) {
    if (mc.first_sequence != 0) last_ = mc.first_sequence - 1;
  }

  std::vector<std::vector<std::byte>> out; ///< Inner packets delivered, in order.
  model_counters c;

  void receive(std::uint64_t seq, const std::vector<std::byte> &p, std::int64_t now, bool dummy = false) {
    ++c.payloads;
    expire_partial(now);
    if (expected_ != 0 && seq > expected_ && !dummy && p.size() > cfg_.max_payload) {
      ++c.too_large;
      return;
    }
    if (expected_ == 0) { // anchor on the first arrival
      expected_ = seq;
      process(seq, p, dummy, now);
      done_.insert(seq);
      expected_ = seq + 1;
      return;
    }
    expire_waiting(now);
    insert(seq, p, dummy, now);
  }
  void poll(std::int64_t now) {
    expire_partial(now);
    expire_waiting(now);
  }
  void flush(std::int64_t now) {
    while (!held_.empty()) release_to(held_.begin()->first, now);
    if (partial_) {
      ++c.abandoned_flush;
      partial_.reset();
    }
  }
  [[nodiscard]] bool in_progress() const { return partial_.has_value(); }
  [[nodiscard]] std::size_t held() const { return held_.size(); }

private:
  struct waiting {
    std::vector<std::byte> bytes;
    bool dummy;
    std::int64_t arrival;
  };
  struct partial_packet {
    std::vector<std::byte> bytes;
    std::size_t want; // 0 while the length field is incomplete
    unsigned version;
    std::int64_t progress;
  };

  void insert(std::uint64_t seq, const std::vector<std::byte> &p, bool dummy, std::int64_t now) {
    if (seq < expected_) {
      const bool recent = expected_ - seq <= cfg_.capacity;
      if (recent && done_.count(seq) != 0) {
        ++c.duplicate;
      } else {
        ++c.late;
      }
      return;
    }
    if (seq == expected_) {
      process(seq, p, dummy, now);
      done_.insert(seq);
      ++expected_;
      run(now);
      return;
    }
    const std::uint64_t d = seq - expected_;
    if (d > cfg_.capacity) {
      // Slide so that seq is capacity - 1 ahead of the delivery point.
      const std::uint64_t target = seq - (cfg_.capacity - 1);
      while (!held_.empty() && held_.begin()->first < target) release_to(held_.begin()->first, now);
      if (expected_ < target) {
        expected_ = target;
        run(now);
      }
      insert(seq, p, dummy, now);
      return;
    }
    if (held_.count(seq) != 0) {
      ++c.duplicate;
      return;
    }
    held_[seq] = waiting{p, dummy, now};
    if (held_.size() >= cfg_.reorder_window + 1U) release_to(held_.begin()->first, now);
  }

  /// Gives up every number before `s` (held ones are processed), then
  /// processes the run from s.
  void release_to(std::uint64_t s, std::int64_t now) {
    while (!held_.empty() && held_.begin()->first < s) {
      expected_ = held_.begin()->first;
      run(now);
    }
    if (expected_ < s) expected_ = s;
    run(now);
  }
  void run(std::int64_t now) {
    for (auto it = held_.find(expected_); it != held_.end(); it = held_.find(expected_)) {
      waiting w = std::move(it->second);
      held_.erase(it);
      process(expected_, w.bytes, w.dummy, now);
      done_.insert(expected_);
      ++expected_;
    }
  }
  void expire_waiting(std::int64_t now) {
    if (cfg_.drop_ns <= 0) return;
    std::optional<std::uint64_t> best;
    for (const auto &[s, w] : held_)
      if (now - w.arrival >= cfg_.drop_ns) best = s;
    if (best) release_to(*best, now);
  }
  void expire_partial(std::int64_t now) {
    if (partial_ && cfg_.drop_ns > 0 && now - partial_->progress >= cfg_.drop_ns) {
      ++c.abandoned_timeout;
      partial_.reset();
    }
  }

  static std::size_t field_end(unsigned v) { return v == 4 ? 4 : 6; }
  static std::size_t length_of(const std::byte *h, unsigned v) {
    return v == 4 ? vpnwire::core::load_be16(h + 2) : 40U + vpnwire::core::load_be16(h + 4);
  }

  void deliver(std::vector<std::byte> b) {
    ++c.delivered;
    out.push_back(std::move(b));
  }

  // RFC 9347 processing of one payload in sequence order.
  void process(std::uint64_t seq, const std::vector<std::byte> &p, bool dummy, std::int64_t now) {
    ++c.processed;
    if (last_ && seq != *last_ + 1) {
      ++c.sequence_gaps;
      c.missing_payloads += seq - *last_ - 1;
      if (partial_) {
        ++c.abandoned_gap;
        partial_.reset();
      }
    }
    last_ = seq;
    if (dummy) {
      ++c.pad_only;
      return;
    }
    const unsigned st = p.empty() ? 255U : std::to_integer<unsigned>(p[0]);
    const std::size_t hdr = st == 0 ? 4 : st == 1 ? 24 : 0;
    if (hdr == 0 || p.size() < hdr) {
      ++c.malformed;
      if (partial_) {
        ++c.abandoned_invalid;
        partial_.reset();
      }
      return;
    }
    const std::size_t bo = vpnwire::core::load_be16(p.data() + 2);
    const std::vector<std::byte> data(p.begin() + static_cast<std::ptrdiff_t>(hdr), p.end());
    if (bo == 0 && (data.empty() || (std::to_integer<unsigned>(data[0]) >> 4) == 0)) {
      ++c.pad_only;
      return;
    }
    std::size_t i = 0;
    const std::size_t take = bo < data.size() ? bo : data.size();
    if (partial_ && bo == 0) {
      ++c.abandoned_mismatch;
      partial_.reset();
    } else if (partial_) {
      i = take;
      partial_packet &q = *partial_;
      const std::size_t before = q.bytes.size();
      bool ok = true;
      if (q.want == 0) {
        const std::size_t need = field_end(q.version) - before;
        if (bo < need || data.size() < need) {
          ++c.abandoned_mismatch;
          ok = false;
        } else {
          q.bytes.insert(q.bytes.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(need));
          const std::size_t len = length_of(q.bytes.data(), q.version);
          if ((q.version == 4 && len < 20) || len > cfg_.max_inner) {
            ++c.abandoned_invalid;
            ok = false;
          } else if (bo != len - before) {
            ++c.abandoned_mismatch;
            ok = false;
          } else {
            q.want = len;
            q.bytes.insert(q.bytes.end(), data.begin() + static_cast<std::ptrdiff_t>(need),
                           data.begin() + static_cast<std::ptrdiff_t>(take));
          }
        }
      } else if (bo != q.want - before) {
        ++c.abandoned_mismatch;
        ok = false;
      } else {
        q.bytes.insert(q.bytes.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
      }
      if (!ok) {
        partial_.reset();
      } else if (q.bytes.size() == q.want) {
        ++c.reassembled;
        deliver(std::move(q.bytes));
        partial_.reset();
      } else {
        q.progress = now;
      }
    } else if (bo != 0) {
      ++c.orphan_continuations;
      i = take;
    }
    while (i < data.size()) {
      const unsigned v = std::to_integer<unsigned>(data[i]) >> 4;
      if (v == 0) return;
      if (v != 4 && v != 6) {
        ++c.unknown_block_type;
        return;
      }
      const std::size_t left = data.size() - i;
      if (left < field_end(v)) {
        partial_ = partial_packet{{data.begin() + static_cast<std::ptrdiff_t>(i), data.end()}, 0, v, now};
        ++c.started;
        return;
      }
      const std::size_t len = length_of(data.data() + i, v);
      if (v == 4 && len < 20) {
        ++c.bad_inner_length;
        return;
      }
      if (len <= left) {
        deliver({data.begin() + static_cast<std::ptrdiff_t>(i), data.begin() + static_cast<std::ptrdiff_t>(i + len)});
        i += len;
        continue;
      }
      if (len > cfg_.max_inner) {
        ++c.bad_inner_length;
        return;
      }
      partial_ = partial_packet{{data.begin() + static_cast<std::ptrdiff_t>(i), data.end()}, len, v, now};
      ++c.started;
      return;
    }
  }

  model_config cfg_;
  std::uint64_t expected_;
  std::optional<std::uint64_t> last_;
  std::map<std::uint64_t, waiting> held_;
  std::set<std::uint64_t> done_; // numbers processed (not given up)
  std::optional<partial_packet> partial_;
};

} // namespace iptfs_test
