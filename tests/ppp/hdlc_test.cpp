// The async HDLC codec of RFC 1662 §4. Adversarial streams with their
// expected errors, then the fast codec against the byte-at-a-time reference
// (hdlc_reference.hpp, written from the RFC with a bitwise FCS) over
// generated, corrupted streams fed in random chunks.
#include "vpnwire/ppp/frame.hpp"
#include "vpnwire/ppp/hdlc.hpp"
#include "vpnwire/ppp/hdlc_reference.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ppp;
using vpnwire_test::hex;
using vpnwire_test::to_hex;

namespace {

struct event {
  errc code;
  std::size_t offset; // absolute, in the whole stream
  std::vector<std::byte> frame;
};

// Feeds `stream` in chunks whose sizes come from `next_chunk`; returns every
// event with its absolute offset.
template <class Decoder, class Chunker> std::vector<event> run(Decoder &d, bytes_view stream, Chunker next_chunk) {
  std::vector<event> out;
  std::size_t base = 0;
  while (base < stream.size()) {
    bytes_view chunk = stream.subspan(base, std::min(stream.size() - base, next_chunk()));
    std::size_t off = 0;
    while (off < chunk.size()) {
      const hdlc_step s = d.decode(chunk.subspan(off));
      EXPECT_GE(s.consumed, 1U);
      EXPECT_LE(s.consumed, chunk.size() - off);
      if (s.code != errc::need_more_input) {
        EXPECT_EQ(s.offset + 1, s.consumed);
        out.push_back({s.code, base + off + s.offset, std::vector<std::byte>(s.frame.begin(), s.frame.end())});
      }
      off += s.consumed;
    }
    base += chunk.size();
  }
  return out;
}

template <class Decoder> std::vector<event> run_whole(Decoder &d, bytes_view stream) {
  return run(d, stream, [&] { return stream.size() + 1; });
}

std::vector<std::byte> encode(bytes_view frame, hdlc_encoder_config cfg = {}) {
  std::vector<std::byte> out(hdlc_encoded_size_max(frame.size(), cfg.fcs));
  const auto n = build_hdlc_frame(out, cfg, frame);
  EXPECT_TRUE(n);
  out.resize(*n);
  return out;
}

std::vector<std::byte> concat(std::initializer_list<std::vector<std::byte>> parts) {
  std::vector<std::byte> out;
  for (const auto &p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const auto lcp_frame = hex("ff 03 c0 21 01 01 00 0a 05 06 01 02 03 04");

} // namespace

// RFC 1662 Appendix C's FCS over a real LCP frame, escaped by hand: the
// octets 0x03, 0x01, 0x00 etc. are below 0x20 and go out as 7D xx.
TEST(HdlcEncode, EscapesControlCharactersAndAppendsFcs) {
  const auto wire = encode(lcp_frame);
  const std::uint16_t f = fcs16(lcp_frame);
  std::vector<std::byte> want = hex("7e ff 7d 23 c0 21 7d 21 7d 21 7d 20 7d 2a 7d 25 7d 26 7d 21 7d 22 7d 23 7d 24");
  for (std::uint8_t c : {static_cast<std::uint8_t>(f & 0xFF), static_cast<std::uint8_t>(f >> 8)}) {
    if (c < 0x20 || c == 0x7D || c == 0x7E) {
      want.push_back(std::byte{0x7D});
      want.push_back(static_cast<std::byte>(c ^ 0x20));
    } else {
      want.push_back(static_cast<std::byte>(c));
    }
  }
  want.push_back(std::byte{0x7E});
  EXPECT_EQ(to_hex(wire), to_hex(want));
}

TEST(HdlcDecode, DecodesAnEncodedFrame) {
  std::vector<std::byte> buf(1600);
  hdlc_decoder d(buf);
  const auto wire = encode(lcp_frame);
  const auto s = d.decode(wire);
  ASSERT_EQ(s.code, errc::ok);
  EXPECT_EQ(s.consumed, wire.size());
  EXPECT_EQ(to_hex(s.frame), to_hex(lcp_frame));
  EXPECT_EQ(d.counters().frames, 1U);
  EXPECT_TRUE(parse_frame(s.frame));
}

TEST(HdlcDecode, EmptyFramesAreDroppedSilently) {
  std::vector<std::byte> buf(1600);
  hdlc_decoder d(buf);
  const auto stream = concat({hex("7e 7e 7e"), encode(lcp_frame)});
  const auto ev = run_whole(d, stream);
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_EQ(ev[0].code, errc::ok);
  EXPECT_EQ(d.counters().empty_frames, 3U); // the frame's own opening flag closes a third
}

TEST(HdlcDecode, FrameUnderFourOctetsIsTooShort) {
  std::vector<std::byte> buf(1600);
  hdlc_decoder d(buf);
  const auto s = d.decode(hex("7e 41 42 43 7e"));
  EXPECT_EQ(s.code, errc::frame_too_short);
  EXPECT_EQ(s.offset, 4U);
  EXPECT_EQ(d.counters().short_frames, 1U);
  EXPECT_EQ(d.counters().fcs_errors, 0U); // RFC 1662 §4.3: not counted as an FCS error
}

TEST(HdlcDecode, TrailingEscapeWaitsThenFlagAborts) {
  std::vector<std::byte> buf(1600);
  hdlc_decoder d(buf);
  auto s = d.decode(hex("7e ff 7d 23 c0 7d"));
  EXPECT_EQ(s.code, errc::need_more_input);
  EXPECT_EQ(s.consumed, 6U);
  EXPECT_TRUE(d.escape_pending());
  s = d.decode(hex("7e"));
  EXPECT_EQ(s.code, errc::frame_aborted);
  EXPECT_EQ(s.offset, 0U);
  EXPECT_EQ(d.counters().aborted_frames, 1U);
  // The aborting flag opens the next frame.
  const auto wire = encode(lcp_frame);
  s = d.decode(std::span(wire).subspan(1));
  EXPECT_EQ(s.code, errc::ok);
}

TEST(HdlcDecode, EscapeFlagAbortsEvenAnEmptyFrame) {
  std::vector<std::byte> buf(64);
  hdlc_decoder d(buf);
  const auto s = d.decode(hex("7e 7d 7e"));
  EXPECT_EQ(s.code, errc::frame_aborted);
  EXPECT_EQ(s.offset, 2U);
}

TEST(HdlcDecode, BadFcsIsReported) {
  std::vector<std::byte> buf(1600);
  hdlc_decoder d(buf);
  auto wire = encode(lcp_frame);
  wire[5] ^= std::byte{0x01}; // c0 21 -> c0 20
  const auto s = d.decode(wire);
  EXPECT_EQ(s.code, errc::bad_fcs);
  EXPECT_EQ(s.offset, wire.size() - 1);
  EXPECT_EQ(d.counters().fcs_errors, 1U);
}

TEST(HdlcDecode, MruIsEnforcedAndTheNextFrameSurvives) {
  constexpr std::size_t mru = 100;
  std::vector<std::byte> buf(2000);
  hdlc_decoder d(buf, {fcs_kind::fcs16, 0xFFFFFFFFU, mru});
  std::vector<std::byte> at_mru(mru, std::byte{0x41});
  std::vector<std::byte> over(mru + 1, std::byte{0x41});
  auto s = d.decode(encode(at_mru));
  EXPECT_EQ(s.code, errc::ok);
  EXPECT_EQ(s.frame.size(), mru);
  const auto wire = encode(over);
  s = d.decode(wire);
  EXPECT_EQ(s.code, errc::frame_too_long);
  // MRU + FCS octets fit; the one after overflows: flag + (mru + 1 + 2) - 1.
  EXPECT_EQ(s.offset, 1 + mru + 2);
  s = d.decode(std::span(wire).subspan(s.consumed)); // the rest is discarded up to the flag
  EXPECT_EQ(s.code, errc::need_more_input);
  s = d.decode(encode(lcp_frame));
  EXPECT_EQ(s.code, errc::ok);
  EXPECT_EQ(d.counters().long_frames, 1U);
}

TEST(HdlcDecode, SmallBufferLowersTheLimit) {
  std::vector<std::byte> buf(20);
  hdlc_decoder d(buf); // MRU 1500 but only 20 octets of room
  std::vector<std::byte> f(19, std::byte{0x55});
  EXPECT_EQ(d.decode(encode(f)).code, errc::frame_too_long);
  std::vector<std::byte> g(18, std::byte{0x55});
  EXPECT_EQ(d.decode(encode(g)).code, errc::ok);
}

TEST(HdlcDecode, MappedControlCharactersAreRemovedBeforeUnescaping) {
  std::vector<std::byte> buf(1600);
  hdlc_decoder d(buf);
  auto wire = encode(lcp_frame);
  // Insert XON/XOFF (0x11, 0x13) everywhere, including between 7D and its octet.
  std::vector<std::byte> noisy;
  for (std::byte b : wire) {
    noisy.push_back(b);
    if (b != std::byte{0x7E}) noisy.push_back(std::byte{0x11});
  }
  noisy.insert(noisy.begin() + 1, std::byte{0x13});
  const auto s = d.decode(noisy);
  ASSERT_EQ(s.code, errc::ok);
  EXPECT_EQ(to_hex(s.frame), to_hex(lcp_frame));
  EXPECT_EQ(d.counters().control_dropped, wire.size() - 2 + 1 + 1 - 1);
}

TEST(HdlcDecode, UnmappedControlCharactersAreData) {
  std::vector<std::byte> buf(1600);
  hdlc_decoder d(buf, {fcs_kind::fcs16, 0x00000000U, 1500});
  hdlc_encoder_config cfg;
  cfg.accm = send_accm::from_async_map(0);
  const auto s = d.decode(encode(lcp_frame, cfg));
  ASSERT_EQ(s.code, errc::ok);
  EXPECT_EQ(to_hex(s.frame), to_hex(lcp_frame));
}

TEST(HdlcDecode, OctetsBeforeTheFirstFlagAreDiscarded) {
  std::vector<std::byte> buf(1600);
  hdlc_decoder d(buf);
  const auto stream = concat({hex("41 42 7d 43"), encode(lcp_frame)});
  const auto ev = run_whole(d, stream);
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_EQ(ev[0].code, errc::ok);
  EXPECT_EQ(d.counters().hunt_discarded, 4U);
}

TEST(HdlcDecode, Fcs32Frames) {
  std::vector<std::byte> buf(1600);
  hdlc_decoder d(buf, {fcs_kind::fcs32, 0xFFFFFFFFU, 1500});
  hdlc_encoder_config cfg;
  cfg.fcs = fcs_kind::fcs32;
  const auto s = d.decode(encode(lcp_frame, cfg));
  ASSERT_EQ(s.code, errc::ok);
  EXPECT_EQ(to_hex(s.frame), to_hex(lcp_frame));
  // Five octets between flags is under the FCS-32 minimum of six.
  EXPECT_EQ(d.decode(hex("41 42 43 44 45 7e")).code, errc::frame_too_short);
}

// Every octet escaped: a send ACCM with all 256 bits set (0x5E excepted,
// whose escape would read as an abort).
TEST(HdlcEncode, EveryOctetEscaped) {
  hdlc_encoder_config cfg;
  for (auto &w : cfg.accm.words) w = 0xFFFFFFFFU;
  std::vector<std::byte> frame(256);
  for (std::size_t i = 0; i < 256; ++i) frame[i] = static_cast<std::byte>(i);
  const auto wire = encode(frame, cfg);
  std::vector<std::byte> ref(hdlc_encoded_size_max(frame.size(), cfg.fcs));
  const auto rn = build_hdlc_frame_reference(ref, cfg, frame);
  ASSERT_TRUE(rn);
  ref.resize(*rn);
  EXPECT_EQ(to_hex(wire), to_hex(ref));
  // 255 of 256 octets escaped, plus the FCS octets (escaped unless 5E).
  EXPECT_GE(wire.size(), 2 + 255 * 2 + 1 + 2 + 1);
  std::vector<std::byte> buf(1600);
  hdlc_decoder d(buf, {fcs_kind::fcs16, 0, 1500});
  const auto s = d.decode(wire);
  ASSERT_EQ(s.code, errc::ok);
  EXPECT_EQ(to_hex(s.frame), to_hex(frame));
}

TEST(HdlcEncode, HandEscapedEveryOctetDecodes) {
  // Escaping octets that need no escape is legal; the receiver unescapes them all.
  std::vector<std::byte> frame = hex("ff 03 c0 21 09 01 00 08 01 02 03 04");
  const std::uint16_t f = fcs16(frame);
  frame.push_back(static_cast<std::byte>(f & 0xFF));
  frame.push_back(static_cast<std::byte>(f >> 8));
  std::vector<std::byte> wire{std::byte{0x7E}};
  for (std::byte b : frame) {
    ASSERT_NE(b, std::byte{0x5E});
    wire.push_back(std::byte{0x7D});
    wire.push_back(b ^ std::byte{0x20});
  }
  wire.push_back(std::byte{0x7E});
  // Escaped 0x20..0x3F arrive as control characters: with the default
  // receive ACCM they would be removed before unescaping (RFC 1662 §4.2).
  std::vector<std::byte> buf(100);
  hdlc_decoder d(buf, {fcs_kind::fcs16, 0, 1500});
  const auto s = d.decode(wire);
  ASSERT_EQ(s.code, errc::ok);
  EXPECT_EQ(to_hex(s.frame), to_hex(std::span(frame).first(frame.size() - 2)));
}

TEST(HdlcEncode, TooSmallBufferNeverWritesPastItsEnd) {
  std::mt19937 rng(99);
  std::vector<std::byte> frame(300);
  for (auto &x : frame) x = static_cast<std::byte>(rng());
  const auto full = encode(frame);
  for (std::size_t cap = 0; cap < full.size(); ++cap) {
    std::vector<std::byte> out(cap + 64, std::byte{0xAA});
    const auto r = build_hdlc_frame(std::span(out).first(cap), frame);
    ASSERT_EQ(r.code(), errc::buffer_too_small) << cap;
    ASSERT_EQ(r.offset(), cap); // like every builder: the size of the span given
    for (std::size_t i = cap; i < out.size(); ++i) ASSERT_EQ(out[i], std::byte{0xAA}) << cap;
  }
  std::vector<std::byte> exact(full.size());
  EXPECT_TRUE(build_hdlc_frame(exact, frame));
}

TEST(HdlcEncode, WithoutLeadingFlagFramesShareFlags) {
  hdlc_encoder_config cfg;
  cfg.leading_flag = false;
  const auto stream = concat({encode(lcp_frame), encode(lcp_frame, cfg), encode(lcp_frame, cfg)});
  std::vector<std::byte> buf(1600);
  hdlc_decoder d(buf);
  const auto ev = run_whole(d, stream);
  ASSERT_EQ(ev.size(), 3U);
  for (const auto &e : ev) EXPECT_EQ(e.code, errc::ok);
  EXPECT_EQ(d.counters().empty_frames, 0U);
}

// Invariant: the fast encoder (vector or word paths) writes exactly what the
// reference writes, for random frames and random 256-bit send maps.
TEST(HdlcEncode, FastEncoderEqualsReferenceOverGeneratedFrames) {
  std::mt19937 rng(4);
  for (int iter = 0; iter < 1500; ++iter) {
    const std::size_t n = rng() % 700;
    std::vector<std::byte> frame(n);
    const unsigned mode = rng() % 3;
    for (auto &x : frame)
      x = static_cast<std::byte>(mode == 0 ? rng() : mode == 1 ? 0x20 + rng() % 0x5D : rng() % 0x80);
    hdlc_encoder_config cfg;
    cfg.fcs = (iter & 1) != 0 ? fcs_kind::fcs32 : fcs_kind::fcs16;
    cfg.leading_flag = (iter & 2) != 0;
    if (iter % 3 == 0)
      for (auto &w : cfg.accm.words) w = static_cast<std::uint32_t>(rng()) & static_cast<std::uint32_t>(rng());
    if (iter % 5 == 0) cfg.accm = send_accm::from_async_map(static_cast<std::uint32_t>(rng()));
    std::vector<std::byte> a(hdlc_encoded_size_max(n, cfg.fcs)), b(a.size());
    const auto ra = build_hdlc_frame(a, cfg, frame);
    const auto rb = build_hdlc_frame_reference(b, cfg, frame);
    ASSERT_TRUE(ra && rb);
    ASSERT_EQ(*ra, *rb) << iter;
    ASSERT_EQ(to_hex(std::span(a).first(*ra)), to_hex(std::span(b).first(*rb))) << iter;
    for (const auto path : {hdlc_fast_path::none, hdlc_fast_path::word, hdlc_fast_path::ssse3}) {
      cfg.fast_paths = path;
      const auto rc = build_hdlc_frame(a, cfg, frame);
      ASSERT_TRUE(rc);
      ASSERT_EQ(to_hex(std::span(a).first(*rc)), to_hex(std::span(b).first(*rb))) << iter;
    }
  }
}

// Invariant: over generated streams (good frames of both FCS kinds, random
// receive ACCMs and MRUs, then random corruption: inserted noise, control
// characters, escapes, flags, aborts, flipped and dropped octets) the fast
// decoder fed in random chunks reports exactly the reference's events (code,
// absolute offset, frame bytes) and counters. Nothing is lost.
TEST(HdlcDecode, FastDecoderEqualsReferenceOverCorruptedStreamsAndRandomChunks) {
  std::mt19937 rng(1662);
  for (int iter = 0; iter < 400; ++iter) {
    hdlc_decoder_config dc;
    dc.fcs = (iter & 1) != 0 ? fcs_kind::fcs32 : fcs_kind::fcs16;
    dc.mru = 64 + rng() % 1500;
    const unsigned accm_mode = rng() % 4;
    dc.receive_accm = accm_mode == 0 ? 0U : accm_mode == 1 ? static_cast<std::uint32_t>(rng()) : 0xFFFFFFFFU;
    hdlc_encoder_config ec;
    ec.fcs = dc.fcs;
    ec.accm = send_accm::from_async_map(dc.receive_accm | (accm_mode == 3 ? 0xFFFFFFFFU : 0U));
    std::vector<std::byte> stream;
    if (rng() % 2 != 0) stream.push_back(std::byte{0x41}); // garbage before the first flag
    const int frames = 1 + static_cast<int>(rng() % 8);
    for (int f = 0; f < frames; ++f) {
      std::vector<std::byte> payload(rng() % (dc.mru + 40));
      for (auto &x : payload) x = static_cast<std::byte>(rng());
      ec.leading_flag = rng() % 2 != 0;
      const auto w = encode(payload, ec);
      stream.insert(stream.end(), w.begin(), w.end());
    }
    const unsigned corruptions = rng() % 6;
    for (unsigned c = 0; c < corruptions && !stream.empty(); ++c) {
      const std::size_t at = rng() % stream.size();
      switch (rng() % 6) {
      case 0: stream[at] ^= static_cast<std::byte>(1U << (rng() % 8)); break;
      case 1: stream.erase(stream.begin() + static_cast<std::ptrdiff_t>(at)); break;
      case 2:
        stream.insert(stream.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::byte>(rng() % 0x20));
        break;
      case 3: stream.insert(stream.begin() + static_cast<std::ptrdiff_t>(at), std::byte{0x7D}); break;
      case 4:
        stream.insert(stream.begin() + static_cast<std::ptrdiff_t>(at), {std::byte{0x7D}, std::byte{0x7D}});
        break;
      default: stream.insert(stream.begin() + static_cast<std::ptrdiff_t>(at), std::byte{0x7E}); break;
      }
    }
    std::vector<std::byte> rb(dc.mru + 8), fb(rb.size() + (iter % 3 == 0 ? 0 : 100));
    hdlc_reference_decoder ref(rb, dc);
    const auto want = run_whole(ref, stream);
    for (int variant = 0; variant < 6; ++variant) {
      hdlc_decoder fast(fb, dc);
      const hdlc_fast_path paths[] = {hdlc_fast_path::best, hdlc_fast_path::best,  hdlc_fast_path::none,
                                      hdlc_fast_path::word, hdlc_fast_path::ssse3, hdlc_fast_path::ssse3};
      fast.set_fast_paths(paths[variant]);
      const auto got =
          variant == 0 || variant == 4 ? run_whole(fast, stream) : run(fast, stream, [&] { return 1 + rng() % 97; });
      ASSERT_EQ(got.size(), want.size()) << iter << " variant " << variant;
      for (std::size_t k = 0; k < want.size(); ++k) {
        ASSERT_EQ(name(got[k].code), name(want[k].code)) << iter << " event " << k;
        ASSERT_EQ(got[k].offset, want[k].offset) << iter << " event " << k;
        ASSERT_EQ(to_hex(got[k].frame), to_hex(want[k].frame)) << iter << " event " << k;
      }
      const auto &a = fast.counters();
      const auto &b = ref.counters();
      ASSERT_EQ(a.frames, b.frames);
      ASSERT_EQ(a.empty_frames, b.empty_frames);
      ASSERT_EQ(a.short_frames, b.short_frames);
      ASSERT_EQ(a.long_frames, b.long_frames);
      ASSERT_EQ(a.aborted_frames, b.aborted_frames);
      ASSERT_EQ(a.fcs_errors, b.fcs_errors);
      ASSERT_EQ(a.control_dropped, b.control_dropped);
      ASSERT_EQ(a.hunt_discarded, b.hunt_discarded);
    }
  }
}

// Invariant: every frame the encoder writes decodes back to itself, one
// octet at a time too (splits inside every escape).
TEST(HdlcDecode, RoundTripOneOctetAtATime) {
  std::mt19937 rng(5);
  for (int iter = 0; iter < 200; ++iter) {
    std::vector<std::byte> frame(2 + rng() % 300);
    for (auto &x : frame) x = static_cast<std::byte>(rng());
    const auto wire = encode(frame);
    std::vector<std::byte> buf(1600);
    hdlc_decoder d(buf);
    const auto ev = run(d, wire, [] { return std::size_t{1}; });
    ASSERT_EQ(ev.size(), 1U);
    ASSERT_EQ(ev[0].code, errc::ok);
    ASSERT_EQ(to_hex(ev[0].frame), to_hex(frame));
  }
}
