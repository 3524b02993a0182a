// Fuzz target: the bounds-checked byte reader and writer.
// The input is both a program and its data: each opcode byte picks an
// operation on a reader over the rest of the input. Invariants: the position
// never passes the end, a failed read leaves the position unchanged and
// reports it as the offset, and whatever is read can be written back to
// reproduce exactly the bytes consumed.
#include "vpnwire/core/bytes.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

using namespace vpnwire;
using core::byte_reader;
using core::byte_writer;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t nops = data[0] % 32;
  if (size < 1 + nops) return 0;
  const bytes_view ops = std::as_bytes(std::span(data + 1, nops));
  const bytes_view input = std::as_bytes(std::span(data + 1 + nops, size - 1 - nops));

  byte_reader r(input);
  std::vector<std::byte> echo(input.size());
  byte_writer w(echo);
  for (std::byte op_byte : ops) {
    const auto op = std::to_integer<unsigned>(op_byte);
    const std::size_t before = r.position();
    bool ok = false;
    auto check_fail = [&](auto res) {
      FUZZ_CHECK(res.code() == core::errc::truncated);
      FUZZ_CHECK(res.offset() == before);
      FUZZ_CHECK(r.position() == before);
    };
    switch (op % 7) {
    case 0:
      if (auto v = r.u8()) {
        ok = true;
        FUZZ_CHECK(w.u8(*v));
      } else
        check_fail(v);
      break;
    case 1:
      if (auto v = r.u16()) {
        ok = true;
        FUZZ_CHECK(w.u16(*v));
      } else
        check_fail(v);
      break;
    case 2:
      if (auto v = r.u24()) {
        ok = true;
        FUZZ_CHECK(w.u24(*v));
      } else
        check_fail(v);
      break;
    case 3:
      if (auto v = r.u32()) {
        ok = true;
        FUZZ_CHECK(w.u32(*v));
      } else
        check_fail(v);
      break;
    case 4:
      if (auto v = r.u64()) {
        ok = true;
        FUZZ_CHECK(w.u64(*v));
      } else
        check_fail(v);
      break;
    case 5:
      if (auto v = r.bytes(op >> 3)) {
        ok = true;
        FUZZ_CHECK(w.bytes(*v));
      } else
        check_fail(v);
      break;
    default: {
      const std::size_t n = op >> 3;
      if (auto v = r.skip(n)) {
        ok = true;
        FUZZ_CHECK(w.bytes(input.subspan(before, n)));
      } else {
        check_fail(v);
      }
    }
    }
    FUZZ_CHECK(r.position() <= input.size());
    FUZZ_CHECK(ok || r.position() == before);
  }
  // What was written back equals what was consumed.
  FUZZ_CHECK(w.size() == r.position());
  for (std::size_t i = 0; i < w.size(); ++i) FUZZ_CHECK(echo[i] == input[i]);
  return 0;
}
