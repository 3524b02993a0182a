// 16.6: every public enumeration of core, l2tp (and its control plane), ppp
// and seq has a name() giving each enumerator its own spelling (never
// "unknown", never twice). The oracle is the header text: the enumerators
// and their values are read from each declaration (or, for a table-driven
// enumeration, from its X-macro list), and a scan of every header checks
// that no public enumeration is missing from this test.
#include "vpnwire/core/serial.hpp"
#include "vpnwire/l2tp/catalogue.hpp"
#include "vpnwire/l2tp/control/data_sequencing.hpp"
#include "vpnwire/l2tp/control/events.hpp"
#include "vpnwire/l2tp/control/reliable_transport.hpp"
#include "vpnwire/l2tp/control/tunnel.hpp"
#include "vpnwire/l2tp/control/udp_peer.hpp"
#include "vpnwire/l2tp/error_action.hpp"
#include "vpnwire/l2tp/message.hpp"
#include "vpnwire/l2tp/writer.hpp"
#include "vpnwire/ppp/fcs.hpp"
#include "vpnwire/ppp/hdlc_types.hpp"
#include "vpnwire/ppp/option_catalogue.hpp"
#include "vpnwire/ppp/pppoe.hpp"
#include "vpnwire/seq/outcome.hpp"
#include "vpnwire/seq/policy.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace vpnwire;

namespace {

std::string root() {
  const char *r = std::getenv("VPNWIRE_SOURCE_DIR");
  return std::string(r ? r : ".") + "/include/vpnwire/";
}

std::string header_text(const std::string &path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return std::regex_replace(text.str(), std::regex("//[^\n]*"), "");
}

/// (enumerator, value) pairs of `enum class <name>` in the header.
std::vector<std::pair<std::string, long>> declared(const std::string &header, const std::string &name) {
  const std::string src = header_text(root() + header);
  std::smatch m;
  if (!std::regex_search(src, m, std::regex("enum class " + name + R"(\b[^{;]*\{([^}]*)\})"))) return {};
  std::vector<std::pair<std::string, long>> out;
  const std::string body = m[1];
  const std::regex item(R"(([A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*([0-9xXa-fA-F]+))?\s*(?:,|$))");
  long next = 0;
  for (auto it = std::sregex_iterator(body.begin(), body.end(), item); it != std::sregex_iterator(); ++it) {
    const long v = (*it)[2].matched ? std::stol((*it)[2].str(), nullptr, 0) : next;
    out.emplace_back((*it)[1], v);
    next = v + 1;
  }
  return out;
}

template <class E> void expect_named(const std::string &header, const std::string &enum_name) {
  SCOPED_TRACE(header + ": " + enum_name);
  const auto items = declared(header, enum_name);
  ASSERT_GE(items.size(), 2U) << "could not read the enumeration from the header";
  std::set<std::string_view> seen;
  for (const auto &[id, value] : items) {
    const std::string_view n = name(static_cast<E>(value));
    EXPECT_EQ(n, id);
    EXPECT_NE(n, "unknown");
    EXPECT_TRUE(seen.insert(n).second) << "duplicate " << n;
  }
}

/// Table-driven enumerations: the list macro is the declaration.
template <class E, class F> void expect_table_named(F for_each_row) {
  std::set<std::string_view> seen;
  std::size_t n = 0;
  for_each_row([&](E e, std::string_view id) {
    ++n;
    EXPECT_EQ(name(e), id);
    EXPECT_NE(name(e), "unknown");
    EXPECT_TRUE(seen.insert(name(e)).second) << "duplicate " << name(e);
  });
  EXPECT_GE(n, 2U);
}

} // namespace

TEST(EnumNames, EveryEnumeratorOfEveryPublicEnumerationHasItsOwnName) {
  expect_named<core::serial_order>("core/serial.hpp", "serial_order");
  expect_named<l2tp::value_layout>("l2tp/catalogue.hpp", "value_layout");
  expect_named<l2tp::m_bit_rule>("l2tp/catalogue.hpp", "m_bit_rule");
  expect_named<l2tp::disposition>("l2tp/message.hpp", "disposition");
  expect_named<l2tp::clear_scope>("l2tp/error_action.hpp", "clear_scope");
  expect_named<l2tp::avp_options::m_bit>("l2tp/writer.hpp", "m_bit");
  expect_named<l2tp::control::role>("l2tp/control/events.hpp", "role");
  expect_named<l2tp::control::event_type>("l2tp/control/events.hpp", "event_type");
  expect_named<l2tp::control::origin>("l2tp/control/events.hpp", "origin");
  expect_named<l2tp::control::tie_outcome>("l2tp/control/tunnel.hpp", "tie_outcome");
  expect_named<l2tp::control::tunnel_state>("l2tp/control/tunnel.hpp", "tunnel_state");
  expect_named<l2tp::control::session_state>("l2tp/control/tunnel.hpp", "session_state");
  expect_named<l2tp::control::address_family>("l2tp/control/udp_peer.hpp", "address_family");
  expect_named<l2tp::control::transport_state>("l2tp/control/reliable_transport.hpp", "transport_state");
  expect_named<l2tp::control::receive_outcome>("l2tp/control/reliable_transport.hpp", "receive_outcome");
  expect_named<l2tp::control::data_outcome>("l2tp/control/data_sequencing.hpp", "data_outcome");
  expect_named<ppp::fcs_kind>("ppp/fcs.hpp", "fcs_kind");
  expect_named<ppp::hdlc_fast_path>("ppp/hdlc_types.hpp", "hdlc_fast_path");
  expect_named<ppp::pppoe_stage>("ppp/pppoe.hpp", "pppoe_stage");
  expect_named<ppp::option_layout>("ppp/option_catalogue.hpp", "option_layout");
  expect_named<seq::insert_outcome>("seq/outcome.hpp", "insert_outcome");
  expect_named<seq::reorder_mode>("seq/policy.hpp", "reorder_mode");
  expect_named<seq::anchor_mode>("seq/policy.hpp", "anchor_mode");
}

TEST(EnumNames, TableDrivenEnumerationsAreNamedFromTheirTables) {
  expect_table_named<l2tp::message_type>([](auto each) {
#define VPNWIRE_TEST_X(id, ...) each(l2tp::message_type::id, #id);
    VPNWIRE_L2TP_MESSAGES(VPNWIRE_TEST_X)
#undef VPNWIRE_TEST_X
  });
  expect_table_named<l2tp::avp_type>([](auto each) {
#define VPNWIRE_TEST_X(id, ...) each(l2tp::avp_type::id, #id);
    VPNWIRE_L2TP_AVPS(VPNWIRE_TEST_X)
#undef VPNWIRE_TEST_X
  });
  expect_table_named<ppp::control_protocol>([](auto each) {
#define VPNWIRE_TEST_X(id, ...) each(ppp::control_protocol::id, #id);
    VPNWIRE_PPP_CONTROL_PROTOCOLS(VPNWIRE_TEST_X)
#undef VPNWIRE_TEST_X
  });
  // Values outside the tables are "unknown".
  EXPECT_EQ(name(static_cast<l2tp::message_type>(5)), "unknown");
  EXPECT_EQ(name(static_cast<l2tp::avp_type>(20)), "unknown");
}

// Every `enum class` declared in the public headers of these areas is one
// of the above, an errc (tests/core/errc_names_test.cpp), a table-driven
// one, or private to a class.
TEST(EnumNames, NoPublicEnumerationIsLeftOut) {
  const std::set<std::string> covered = {"serial_order",
                                         "value_layout",
                                         "m_bit_rule",
                                         "disposition",
                                         "clear_scope",
                                         "m_bit",
                                         "role",
                                         "event_type",
                                         "origin",
                                         "tie_outcome",
                                         "tunnel_state",
                                         "session_state",
                                         "transport_state",
                                         "receive_outcome",
                                         "data_outcome",
                                         "fcs_kind",
                                         "hdlc_fast_path",
                                         "pppoe_stage",
                                         "option_layout",
                                         "insert_outcome",
                                         "reorder_mode",
                                         "anchor_mode",
                                         "errc",
                                         "message_type",
                                         "avp_type",
                                         "control_protocol",
                                         "address_family"};
  const std::set<std::string> private_to_a_class = {"phase", "state"}; // reorder_window, hdlc_decoder
  std::size_t found = 0;
  for (const char *area : {"core", "l2tp", "ppp", "seq", "crypto"}) {
    for (const auto &f : std::filesystem::recursive_directory_iterator(root() + area)) {
      if (f.path().extension() != ".hpp" || f.path().string().find("/detail/") != std::string::npos) continue;
      const std::string src = header_text(f.path().string());
      const std::regex decl(R"(enum class ([A-Za-z_][A-Za-z0-9_]*))");
      for (auto it = std::sregex_iterator(src.begin(), src.end(), decl); it != std::sregex_iterator(); ++it) {
        ++found;
        const std::string n = (*it)[1];
        EXPECT_TRUE(covered.count(n) || private_to_a_class.count(n)) << n << " in " << f.path() << " has no test";
      }
    }
  }
  EXPECT_GE(found, 25U);
}
