// docs/ppp.md, "Control packets": `f` is the frame parsed by the first snippet.
#pragma once
#include "ppp.hpp"

#undef DOCS_SNIPPET_PARAMETERS
#define DOCS_SNIPPET_PARAMETERS const decltype(ppp::parse_frame(bytes_view{})) &f
