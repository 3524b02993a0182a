// Every area's errc::name() must spell each enumerator exactly as the source
// declares it (the CLI prints these names in JSON and logs), in declaration
// order, and answer "unknown" just past the last one. The oracle is the
// header text itself: the enumerators are read from the enum declaration.
#include "vpnwire/core/errc.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/l2tp/control/errc.hpp"
#include "vpnwire/l2tp/errc.hpp"
#include "vpnwire/ppp/errc.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> declared_enumerators(const std::string &header) {
  const char *root = std::getenv("VPNWIRE_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/include/vpnwire/" + header);
  std::stringstream text;
  text << in.rdbuf();
  std::string src = std::regex_replace(text.str(), std::regex("//[^\n]*"), "");
  std::smatch m;
  if (!std::regex_search(src, m, std::regex(R"(enum class errc[^{]*\{([^}]*)\})"))) return {};
  std::vector<std::string> names;
  const std::string body = m[1];
  // A table-driven enumeration: the body expands a list macro whose rows
  // are X(enumerator, "text"); read the rows of its #define.
  std::smatch list;
  if (std::regex_search(body, list, std::regex(R"(([A-Z0-9_]+_ERRCS)\()"))) {
    std::smatch def;
    const std::string head = "#define " + std::string(list[1]) + "(X)";
    const auto at = src.find(head);
    if (at == std::string::npos) return {};
    const auto end = src.find("\n\n", at);
    const std::string rows = src.substr(at + head.size(), end - at - head.size());
    const std::regex row(R"(X\(([A-Za-z_][A-Za-z0-9_]*),)");
    for (auto it = std::sregex_iterator(rows.begin(), rows.end(), row); it != std::sregex_iterator(); ++it)
      names.push_back((*it)[1]);
    return names;
  }
  const std::regex ident(R"(([A-Za-z_][A-Za-z0-9_]*)\s*(=[^,]*)?(,|$))");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), ident); it != std::sregex_iterator(); ++it)
    names.push_back((*it)[1]);
  return names;
}

template <class E> void expect_names_match(const std::string &header) {
  SCOPED_TRACE(header);
  const auto names = declared_enumerators(header);
  ASSERT_GT(names.size(), 1U) << "could not read the enum from the header";
  EXPECT_EQ(names.front(), "ok");
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(name(static_cast<E>(i)), names[i]) << "value " << i;
  EXPECT_EQ(name(static_cast<E>(names.size())), "unknown");
}

} // namespace

TEST(ErrcNames, CoreNamesMatchTheDeclaration) { expect_names_match<vpnwire::core::errc>("core/errc.hpp"); }
TEST(ErrcNames, EspNamesMatchTheDeclaration) { expect_names_match<vpnwire::esp::errc>("esp/errc.hpp"); }
TEST(ErrcNames, IpNamesMatchTheDeclaration) { expect_names_match<vpnwire::ip::errc>("ip/errc.hpp"); }
TEST(ErrcNames, L2tpNamesMatchTheDeclaration) { expect_names_match<vpnwire::l2tp::errc>("l2tp/errc.hpp"); }
TEST(ErrcNames, L2tpControlNamesMatchTheDeclaration) {
  expect_names_match<vpnwire::l2tp::control::errc>("l2tp/control/errc.hpp");
}
TEST(ErrcNames, PppNamesMatchTheDeclaration) { expect_names_match<vpnwire::ppp::errc>("ppp/errc.hpp"); }
