// Part of the reassembly engine: a pool of fixed-size payload blocks that
// holds the copying reassembler's byte budget.
//
//   block_pool p;
//   if (!p.init(4 << 20, 2048, 64)) out_of_memory();   // budget, block size, room in front
//   std::uint32_t b = p.is_free(want) ? p.take(want) : p.take_any();
//   std::memcpy(p.data(b), bytes, n);
//   p.give_back(b);
//
// The free list is a stack that also records each free block's position in
// it, so that a given block (the one a placement prefers) can be taken out
// in O(1), as well as the most recently freed one (warm in cache). A
// configurable room in front of block 0 lets a datagram that starts at
// block 0 get its header written in front of its payload.
#pragma once

#include "vpnwire/ip/detail/fixed_array.hpp"

#include <cstddef>
#include <cstdint>

namespace vpnwire {
inline namespace v1 {
namespace ip {
namespace reassembly {

class block_pool {
public:
  static constexpr std::uint32_t none = 0xFFFFFFFFU;

  block_pool() noexcept = default;

  /// Allocates byte_budget / block_size blocks (block_size a power of two,
  /// at least one block) and `front_room` bytes before the first. False
  /// when an allocation failed.
  [[nodiscard]] bool init(std::size_t byte_budget, std::size_t block_size, std::size_t front_room) noexcept {
    shift_ = 0;
    while ((std::size_t{1} << shift_) < block_size) ++shift_;
    block_size_ = std::size_t{1} << shift_;
    front_room_ = front_room;
    const std::size_t n = byte_budget / block_size_;
    if (!bytes_.allocate(front_room + n * block_size_) || !free_.allocate(n) || !free_pos_.allocate(n)) return false;
    for (std::size_t i = 0; i < n; ++i) {
      free_[i] = static_cast<std::uint32_t>(n - 1 - i);
      free_pos_[n - 1 - i] = static_cast<std::uint32_t>(i);
    }
    free_count_ = n;
    return true;
  }

  [[nodiscard]] std::size_t block_size() const noexcept { return block_size_; }
  /// log2(block_size()).
  [[nodiscard]] unsigned shift() const noexcept { return shift_; }
  /// Blocks in the pool.
  [[nodiscard]] std::size_t blocks() const noexcept { return free_.size(); }
  [[nodiscard]] std::size_t free_blocks() const noexcept { return free_count_; }
  [[nodiscard]] std::size_t front_room() const noexcept { return front_room_; }
  [[nodiscard]] bool is_free(std::uint32_t b) const noexcept { return free_pos_[b] != none; }

  /// Takes block b out of the free list. Precondition: is_free(b).
  std::uint32_t take(std::uint32_t b) noexcept {
    const std::uint32_t at = free_pos_[b];
    const std::uint32_t top = free_[--free_count_];
    free_[at] = top;
    free_pos_[top] = at;
    free_pos_[b] = none;
    return b;
  }
  /// Takes the most recently freed block. Precondition: free_blocks() > 0.
  std::uint32_t take_any() noexcept { return take(free_[free_count_ - 1]); }
  /// Returns block b (taken) to the free list.
  void give_back(std::uint32_t b) noexcept {
    free_pos_[b] = static_cast<std::uint32_t>(free_count_);
    free_[free_count_++] = b;
  }

  /// The first byte of block b (block b + 1 follows it directly; the front
  /// room precedes block 0).
  [[nodiscard]] std::byte *data(std::uint32_t b) noexcept {
    return bytes_.data() + front_room_ + (std::size_t{b} << shift_);
  }
  [[nodiscard]] const std::byte *data(std::uint32_t b) const noexcept {
    return bytes_.data() + front_room_ + (std::size_t{b} << shift_);
  }

  /// Bytes allocated.
  [[nodiscard]] std::size_t memory() const noexcept { return bytes_.memory() + free_.memory() + free_pos_.memory(); }

private:
  detail::fixed_array<std::byte> bytes_;
  detail::fixed_array<std::uint32_t> free_;
  detail::fixed_array<std::uint32_t> free_pos_; // position in free_, or none when taken
  std::size_t block_size_ = 0;
  std::size_t front_room_ = 0;
  std::size_t free_count_ = 0;
  unsigned shift_ = 0;
};

} // namespace reassembly
} // namespace ip
} // namespace v1
} // namespace vpnwire
