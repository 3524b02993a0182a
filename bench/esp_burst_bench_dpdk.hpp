// The DPDK baseline of esp_burst_bench: librte_ipsec in lookaside mode
// (RTE_SECURITY_ACTION_TYPE_NONE) over the software crypto devices of DPDK's
// ipsec_mb driver family, crypto_aesni_mb (AES-CBC + HMAC-SHA1) and
// crypto_aesni_gcm (AES-GCM), the way examples/ipsec-secgw runs them:
//
//   rte_ipsec_pkt_crypto_prepare -> rte_cryptodev_enqueue_burst
//   -> rte_cryptodev_dequeue_burst -> rte_ipsec_pkt_process
//
// with one crypto op per packet from a mempool, and mbufs from a pktmbuf
// pool. Tunnel mode: outbound prepends the outer IPv4 header template and
// the ESP header and appends the trailer and ICV; inbound strips them.
// EAL runs without hugepages or PCI on one lcore (--no-huge --no-pci -m 256
// --no-telemetry -l 0, a per-process --file-prefix).
#pragma once

#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ipsec.h>
#include <rte_ipsec_sa.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <netinet/in.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace dpdk_baseline {

constexpr std::uint16_t max_burst = 64;
// Where rte_ipsec puts the IV (and, for GCM, the AAD) in each crypto op.
constexpr std::uint16_t iv_offset = sizeof(rte_crypto_op) + sizeof(rte_crypto_sym_op);

/// EAL, pools and the two crypto devices, created once per process.
struct environment {
  bool ok = false;
  std::string error;
  rte_mempool *mbufs = nullptr;
  rte_mempool *ops = nullptr;
  rte_mempool *sessions = nullptr;
  int dev_mb = -1;  // crypto_aesni_mb
  int dev_gcm = -1; // crypto_aesni_gcm

  static environment &get() {
    static environment env = [] {
      environment e;
      e.init();
      return e;
    }();
    return env;
  }

private:
  void init() {
    const std::string prefix = "--file-prefix=vpnwire_burst_bench_" + std::to_string(getpid());
    std::vector<std::string> args = {"esp_burst_bench",
                                     "--no-huge",
                                     "--no-pci",
                                     "-m",
                                     "256",
                                     "--no-telemetry",
                                     "-l",
                                     "0",
                                     prefix,
                                     "--log-level=lib.eal:error",
                                     "--vdev",
                                     "crypto_aesni_mb",
                                     "--vdev",
                                     "crypto_aesni_gcm"};
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) return fail("rte_eal_init");
    mbufs = rte_pktmbuf_pool_create("burst_mbufs", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    ops = rte_crypto_op_pool_create("burst_ops", RTE_CRYPTO_OP_TYPE_SYMMETRIC, 1023, 0, 64, SOCKET_ID_ANY);
    if (mbufs == nullptr || ops == nullptr) return fail("pools");
    dev_mb = rte_cryptodev_get_dev_id("crypto_aesni_mb");
    dev_gcm = rte_cryptodev_get_dev_id("crypto_aesni_gcm");
    if (dev_mb < 0 || dev_gcm < 0) return fail("crypto vdevs");
    unsigned priv = rte_cryptodev_sym_get_private_session_size(static_cast<std::uint8_t>(dev_mb));
    const unsigned priv_gcm = rte_cryptodev_sym_get_private_session_size(static_cast<std::uint8_t>(dev_gcm));
    if (priv_gcm > priv) priv = priv_gcm;
    sessions = rte_cryptodev_sym_session_pool_create("burst_sessions", 64, priv, 0, 0, SOCKET_ID_ANY);
    if (sessions == nullptr) return fail("session pool");
    for (int dev : {dev_mb, dev_gcm}) {
      rte_cryptodev_config conf{};
      conf.socket_id = SOCKET_ID_ANY;
      conf.nb_queue_pairs = 1;
      rte_cryptodev_qp_conf qp{};
      qp.nb_descriptors = 2048;
      qp.mp_session = sessions;
      const auto d = static_cast<std::uint8_t>(dev);
      if (rte_cryptodev_configure(d, &conf) < 0 || rte_cryptodev_queue_pair_setup(d, 0, &qp, SOCKET_ID_ANY) < 0 ||
          rte_cryptodev_start(d) < 0)
        return fail("cryptodev setup");
    }
    ok = true;
  }
  void fail(const char *what) {
    error = std::string(what) + ": " + rte_strerror(rte_errno);
    ok = false;
  }
};

/// One rte_ipsec SA with its crypto session, outbound or inbound, for
/// AES-CBC-128 + HMAC-SHA1-96 (crypto_aesni_mb) or AES-GCM-128 (crypto_aesni_gcm).
class sa {
public:
  /// key: the AES key (GCM: then the 4-byte salt); auth_key: the HMAC key (CBC only).
  sa(bool outbound, bool gcm, std::uint32_t spi, const std::vector<std::byte> &key,
     const std::vector<std::byte> &auth_key, std::uint32_t window) {
    environment &env = environment::get();
    if (!env.ok) {
      error_ = env.error;
      return;
    }
    dev_ = static_cast<std::uint8_t>(gcm ? env.dev_gcm : env.dev_mb);
    std::memcpy(key_.data(), key.data(), 16);
    std::memcpy(auth_key_.data(), auth_key.data(), auth_key.size() < 20 ? auth_key.size() : 20);
    rte_crypto_sym_xform *first = nullptr;
    if (gcm) {
      aead_.type = RTE_CRYPTO_SYM_XFORM_AEAD;
      aead_.aead.op = outbound ? RTE_CRYPTO_AEAD_OP_ENCRYPT : RTE_CRYPTO_AEAD_OP_DECRYPT;
      aead_.aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
      aead_.aead.key.data = key_.data();
      aead_.aead.key.length = 16;
      aead_.aead.iv.offset = iv_offset;
      aead_.aead.iv.length = 12;
      aead_.aead.digest_length = 16;
      aead_.aead.aad_length = 8;
      first = &aead_;
    } else {
      cipher_.type = RTE_CRYPTO_SYM_XFORM_CIPHER;
      cipher_.cipher.op = outbound ? RTE_CRYPTO_CIPHER_OP_ENCRYPT : RTE_CRYPTO_CIPHER_OP_DECRYPT;
      cipher_.cipher.algo = RTE_CRYPTO_CIPHER_AES_CBC;
      cipher_.cipher.key.data = key_.data();
      cipher_.cipher.key.length = 16;
      cipher_.cipher.iv.offset = iv_offset;
      cipher_.cipher.iv.length = 16;
      auth_.type = RTE_CRYPTO_SYM_XFORM_AUTH;
      auth_.auth.op = outbound ? RTE_CRYPTO_AUTH_OP_GENERATE : RTE_CRYPTO_AUTH_OP_VERIFY;
      auth_.auth.algo = RTE_CRYPTO_AUTH_SHA1_HMAC;
      auth_.auth.key.data = auth_key_.data();
      auth_.auth.key.length = 20;
      auth_.auth.digest_length = 12;
      // Outbound: encrypt, then MAC; inbound: verify, then decrypt.
      if (outbound) {
        cipher_.next = &auth_;
        first = &cipher_;
      } else {
        auth_.next = &cipher_;
        first = &auth_;
      }
    }
    session_ = rte_cryptodev_sym_session_create(dev_, first, env.sessions);
    if (session_ == nullptr) {
      error_ = "session create";
      return;
    }
    // The outer IPv4 header template (tunnel mode).
    static const std::uint8_t outer[20] = {0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 50, 0, 0, 192, 0, 2, 1, 198, 51, 100, 1};
    rte_ipsec_sa_prm prm{};
    prm.ipsec_xform.spi = spi;
    if (gcm) std::memcpy(&prm.ipsec_xform.salt, key.data() + 16, 4);
    prm.ipsec_xform.direction = outbound ? RTE_SECURITY_IPSEC_SA_DIR_EGRESS : RTE_SECURITY_IPSEC_SA_DIR_INGRESS;
    prm.ipsec_xform.proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
    prm.ipsec_xform.mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
    prm.ipsec_xform.tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV4;
    prm.ipsec_xform.replay_win_sz = outbound ? 0 : window;
    prm.crypto_xform = first;
    prm.tun.hdr_len = sizeof(outer);
    prm.tun.hdr_l3_off = 0;
    prm.tun.next_proto = IPPROTO_IPIP;
    prm.tun.hdr = outer;
    const int size = rte_ipsec_sa_size(&prm);
    if (size < 0) {
      error_ = "rte_ipsec_sa_size";
      return;
    }
    sa_mem_ = std::aligned_alloc(RTE_CACHE_LINE_SIZE, (static_cast<std::size_t>(size) + 63) / 64 * 64);
    sa_ = static_cast<rte_ipsec_sa *>(sa_mem_);
    if (rte_ipsec_sa_init(sa_, &prm, static_cast<std::uint32_t>(size)) < 0) {
      error_ = "rte_ipsec_sa_init";
      return;
    }
    ss_.sa = sa_;
    ss_.type = RTE_SECURITY_ACTION_TYPE_NONE;
    ss_.crypto.ses = static_cast<rte_cryptodev_sym_session *>(session_);
    ss_.crypto.dev_id = dev_;
    if (rte_ipsec_session_prepare(&ss_) != 0) {
      error_ = "rte_ipsec_session_prepare";
      return;
    }
    ok_ = true;
  }
  ~sa() {
    if (session_ != nullptr) rte_cryptodev_sym_session_free(dev_, session_);
    std::free(sa_mem_);
  }
  sa(const sa &) = delete;
  sa &operator=(const sa &) = delete;

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string &error() const { return error_; }

  /// Processes mb[0, n) through prepare, the crypto device and process.
  /// Returns how many packets came out good (the rest are left in mb too).
  std::uint16_t run(rte_mbuf **mb, std::uint16_t n) {
    std::array<rte_crypto_op *, max_burst> cop;
    if (rte_crypto_op_bulk_alloc(environment::get().ops, RTE_CRYPTO_OP_TYPE_SYMMETRIC, cop.data(), n) == 0) return 0;
    const std::uint16_t k = rte_ipsec_pkt_crypto_prepare(&ss_, mb, cop.data(), n);
    std::uint16_t sent = rte_cryptodev_enqueue_burst(dev_, 0, cop.data(), k);
    std::array<rte_crypto_op *, max_burst> done;
    std::uint16_t got = 0;
    while (got < sent)
      got += rte_cryptodev_dequeue_burst(dev_, 0, done.data() + got, static_cast<std::uint16_t>(sent - got));
    std::array<rte_mbuf *, max_burst> out;
    for (std::uint16_t i = 0; i < got; ++i) {
      // rte_crypto_op declares its symmetric part as a zero-length array.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
      out[i] = done[i]->sym->m_src;
#pragma GCC diagnostic pop
      if (done[i]->status != RTE_CRYPTO_OP_STATUS_SUCCESS) out[i]->ol_flags |= RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED;
    }
    const std::uint16_t good = rte_ipsec_pkt_process(&ss_, out.data(), got);
    rte_mempool_put_bulk(environment::get().ops, reinterpret_cast<void **>(cop.data()), n);
    return good;
  }

private:
  std::uint8_t dev_ = 0;
  std::array<std::uint8_t, 16> key_{};
  std::array<std::uint8_t, 20> auth_key_{};
  rte_crypto_sym_xform aead_{};
  rte_crypto_sym_xform cipher_{};
  rte_crypto_sym_xform auth_{};
  void *session_ = nullptr;
  void *sa_mem_ = nullptr;
  rte_ipsec_sa *sa_ = nullptr;
  rte_ipsec_session ss_{};
  bool ok_ = false;
  std::string error_;
};

/// A burst of mbufs from the environment's pool.
struct mbuf_burst {
  std::array<rte_mbuf *, max_burst> m{};
  std::uint16_t n = 0;
  explicit mbuf_burst(std::uint16_t count) : n(count) {
    if (rte_pktmbuf_alloc_bulk(environment::get().mbufs, m.data(), n) != 0) n = 0;
  }
  ~mbuf_burst() {
    if (n != 0) rte_pktmbuf_free_bulk(m.data(), n);
  }
  mbuf_burst(const mbuf_burst &) = delete;
  mbuf_burst &operator=(const mbuf_burst &) = delete;
  /// Resets mbuf i to hold `len` bytes copied from `src` at the default headroom.
  void load(std::uint16_t i, const void *src, std::uint16_t len, std::uint8_t l3_len) {
    rte_mbuf *b = m[i];
    rte_pktmbuf_reset(b);
    std::memcpy(rte_pktmbuf_append(b, len), src, len);
    b->l2_len = 0;
    b->l3_len = l3_len;
  }
};

} // namespace dpdk_baseline
