// Baseline: the Linux kernel's L2TP data-sequence receive path, rewritten
// from its description (net/l2tp/l2tp_core.c: l2tp_recv_data_seq,
// l2tp_recv_queue_skb, l2tp_recv_dequeue) as a stand-alone class. It is the
// comparison point of bench/seq_bench.cpp and the "what the kernel did"
// oracle of tests/seq/incident_test.cpp, so it keeps the kernel's behaviour,
// flaws included:
//  - a sorted doubly-linked list, walked from the head on every insert and
//    compared with a plain `>` on the sequence numbers (wrong across the wrap);
//  - reorder timeout 0 ("strict"): an out-of-sequence packet is discarded;
//    after more than nr_oos_count_max (4) consecutive out-of-sequence packets
//    whose numbers run on by one, the next queued one resets the expected number;
//  - reorder timeout T: every packet is queued; a packet still queued T after
//    it arrived is discarded (not delivered) and the expected number jumps to
//    the next queued packet; nothing runs without a new arrival (no timer);
//  - a number at or beyond nr_max/2 ahead of the expected one (so any number
//    behind it) is discarded before all of that (l2tp_seq_check_rx_window);
//  - a new session takes the number of the first packet it dequeues
//    (reorder_skip starts set), so a swapped first pair loses its first packet.
// Nodes come from a pool sized at construction so the benchmark measures the
// algorithm, not malloc; when the pool is empty the packet is discarded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace vpnwire_baseline {

template <class Item> class kernel_l2tp_reorder {
public:
  struct stats_t {
    std::uint64_t delivered = 0;
    std::uint64_t seq_discards = 0;   // rx_seq_discards
    std::uint64_t oos_packets = 0;    // rx_oos_packets
    std::uint64_t outside_window = 0; // discarded by l2tp_seq_check_rx_window
    std::uint64_t pool_exhausted = 0;
  };

  /// nr_max: 0xFFFF for L2TPv2 Ns, 0xFFFFFF for L2TPv3 24-bit numbers.
  /// timeout_ns: the session's reorder_timeout (0 = strict).
  kernel_l2tp_reorder(std::uint32_t nr_max, std::int64_t timeout_ns, std::size_t pool_size)
      : nodes_(pool_size), nr_max_(nr_max), timeout_(timeout_ns) {
    for (std::size_t i = 0; i < pool_size; ++i) nodes_[i].next = i + 1 < pool_size ? &nodes_[i + 1] : nullptr;
    free_ = pool_size != 0 ? &nodes_[0] : nullptr;
    head_.next = head_.prev = &head_;
  }

  /// One received data packet with sequence number ns at time now_ns. Sink
  /// gets delivered packets, Drop the ones the kernel frees.
  template <class Sink, class Drop>
  void receive(std::uint32_t ns, Item item, std::int64_t now_ns, Sink &&sink, Drop &&drop) {
    if (data_seq(ns, item, now_ns)) {
      drop(ns, std::move(item));
    }
    dequeue(now_ns, sink, drop);
  }

  [[nodiscard]] const stats_t &stats() const { return stats_; }
  [[nodiscard]] std::uint32_t expected() const { return nr_; }
  [[nodiscard]] std::size_t queued() const { return queued_; }

private:
  struct node {
    node *next = nullptr;
    node *prev = nullptr;
    std::uint32_t ns = 0;
    std::int64_t expires = 0;
    Item item{};
  };

  node *make(std::uint32_t ns, Item &item, std::int64_t now) {
    node *n = free_;
    if (n == nullptr) return nullptr;
    free_ = n->next;
    n->ns = ns;
    n->expires = now + (timeout_ != 0 ? timeout_ : std::int64_t{1'000'000'000});
    n->item = std::move(item);
    return n;
  }
  void link_before(node *at, node *n) {
    n->next = at;
    n->prev = at->prev;
    at->prev->next = n;
    at->prev = n;
    ++queued_;
  }
  void unlink(node *n) {
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = free_;
    free_ = n;
    --queued_;
  }
  bool queue_tail(std::uint32_t ns, Item &item, std::int64_t now) {
    node *n = make(ns, item, now);
    if (n == nullptr) {
      ++stats_.pool_exhausted;
      return true;
    }
    link_before(&head_, n);
    return false;
  }

  // l2tp_recv_data_seq: returns true when the packet is discarded.
  bool data_seq(std::uint32_t ns, Item &item, std::int64_t now) {
    const std::uint32_t nws = ns >= nr_ ? ns - nr_ : (nr_max_ + 1) - (nr_ - ns);
    if (nws >= nr_max_ / 2) {
      ++stats_.outside_window;
      return true;
    }
    if (timeout_ != 0) {
      // l2tp_recv_queue_skb: keep the queue sorted by a plain comparison.
      node *n = make(ns, item, now);
      if (n == nullptr) {
        ++stats_.pool_exhausted;
        return true;
      }
      for (node *p = head_.next; p != &head_; p = p->next) {
        if (p->ns > ns) {
          link_before(p, n);
          ++stats_.oos_packets;
          return false;
        }
      }
      link_before(&head_, n);
      return false;
    }
    if (ns == nr_) return queue_tail(ns, item, now);
    if (ns == ((nr_oos_ + 1) & nr_max_)) {
      ++nr_oos_count_;
    } else {
      nr_oos_count_ = 0;
    }
    nr_oos_ = ns;
    if (nr_oos_count_ > nr_oos_count_max_) reorder_skip_ = true;
    if (!reorder_skip_) {
      ++stats_.seq_discards;
      return true;
    }
    return queue_tail(ns, item, now);
  }

  // l2tp_recv_dequeue: runs only when a packet arrives.
  template <class Sink, class Drop> void dequeue(std::int64_t now, Sink &sink, Drop &drop) {
  start:
    for (node *p = head_.next; p != &head_;) {
      node *next = p->next;
      if (now > p->expires) { // time_after(jiffies, cb->expires)
        ++stats_.seq_discards;
        reorder_skip_ = true;
        Item it = std::move(p->item);
        const std::uint32_t ns = p->ns;
        unlink(p);
        drop(ns, std::move(it));
        p = next;
        continue;
      }
      if (reorder_skip_) {
        reorder_skip_ = false;
        nr_ = p->ns;
      }
      if (p->ns != nr_) return;
      Item it = std::move(p->item);
      const std::uint32_t ns = p->ns;
      unlink(p);
      nr_ = (nr_ + 1) & nr_max_;
      ++stats_.delivered;
      sink(ns, std::move(it));
      goto start;
    }
  }

  std::vector<node> nodes_;
  node head_;
  node *free_ = nullptr;
  std::size_t queued_ = 0;
  std::uint32_t nr_max_;
  std::int64_t timeout_;
  std::uint32_t nr_ = 0;
  std::uint32_t nr_oos_ = 0;
  int nr_oos_count_ = 0;
  int nr_oos_count_max_ = 4;
  bool reorder_skip_ = true; // "use NR of first received packet"
  stats_t stats_{};
};

} // namespace vpnwire_baseline
