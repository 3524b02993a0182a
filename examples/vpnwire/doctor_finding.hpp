// One doctor finding as the helpers in doctor_*.hpp return it; doctor.hpp
// numbers and prints it ("[n] severity: title", then "    label: text").
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vpnwire_cli {

struct doctor_finding {
  std::string severity, title;
  std::vector<std::pair<std::string, std::string>> items;
};

} // namespace vpnwire_cli
