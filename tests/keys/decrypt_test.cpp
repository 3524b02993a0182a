// Every SA imported from the samples decrypts packets built with the keys
// the sample gives: through decap() when the file gave every key, through
// decap_unverified() when it gave no integrity key (tcpdump, Wireshark "ANY
// n bit") or no integrity at all. And dropping the integrity key of a
// verifiable SA gives the same inner packets through decap_unverified() as
// decap() gives with it.
#include "keys_test_support.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace keys_test;
namespace esp = vpnwire::esp;
using vpnwire_test::to_hex;

namespace {

TEST(KeysDecrypt, EveryImportedSaReadsItsPackets) {
  std::mt19937 rng(18);
  std::size_t verified = 0, unverified = 0;
  for (const imported_sa &sa : every_sample_sa()) {
    SCOPED_TRACE(sa.file + ":" + std::to_string(sa.line));
    auto rx = vpnwire_cli::keys::make_receiver(sa);
    ASSERT_TRUE(rx) << esp::name(rx.code());
    EXPECT_EQ(rx->verifies(), sa.verifiable());
    if (sa.any_spi) continue; // the receiver of an any-SPI SA is keyed per packet SPI by the caller
    for (std::size_t len : {0, 17, 200}) {
      auto p = packet_for(sa, len, 1 + len, rng);
      auto d = sa.verifiable() ? rx->decap(p.esp) : rx->decap_unverified(p.esp);
      ASSERT_TRUE(d) << esp::name(d.code()) << " at " << d.offset();
      EXPECT_EQ(to_hex(d->payload), to_hex(p.inner));
      EXPECT_EQ(d->next_header, p.next_header);
      EXPECT_EQ(d->verified, sa.verifiable());
      (sa.verifiable() ? verified : unverified) += 1;
    }
  }
  EXPECT_GE(verified, 3U * 14U);
  EXPECT_GE(unverified, 3U * 4U);
}

TEST(KeysDecrypt, WithoutTheIntegrityKeySameInnerPackets) {
  std::mt19937 rng(17);
  std::size_t compared = 0;
  for (const imported_sa &sa : every_sample_sa()) {
    if (!sa.verifiable() || sa.config.is_aead() || sa.any_spi) continue;
    SCOPED_TRACE(sa.file + ":" + std::to_string(sa.line));
    imported_sa keyless = sa;
    keyless.integrity_key.clear();
    ASSERT_FALSE(keyless.verifiable());
    auto with = vpnwire_cli::keys::make_receiver(sa);
    auto without = vpnwire_cli::keys::make_receiver(keyless);
    ASSERT_TRUE(with);
    ASSERT_TRUE(without);
    EXPECT_FALSE(without->verifies());
    for (std::size_t len : {0, 1, 40, 333}) {
      auto p = packet_for(sa, len, 10 + len, rng);
      auto a = p.esp;
      auto b = p.esp;
      auto da = with->decap(a);
      auto db = without->decap_unverified(b);
      ASSERT_TRUE(da) << esp::name(da.code());
      ASSERT_TRUE(db) << esp::name(db.code());
      EXPECT_EQ(to_hex(da->payload), to_hex(db->payload));
      EXPECT_TRUE(da->verified);
      EXPECT_FALSE(db->verified);
      auto c = p.esp;
      EXPECT_EQ(without->decap(c).code(), esp::errc::integrity_key_missing);
      ++compared;
    }
  }
  EXPECT_GE(compared, 4U * 10U);
}

} // namespace
