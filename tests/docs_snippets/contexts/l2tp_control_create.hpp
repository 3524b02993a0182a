// docs/l2tp-control.md, "Memory, and running out of it": the endpoint page's
// names (ctl, os_random, cfg, now), in a function that reports the error.
#pragma once
#include "l2tp_control_endpoint.hpp"

#include <utility>

#define DOCS_SNIPPET_RETURN vpnwire::error_info<ctl::errc>
