// Both reorder windows: the single-threaded one (reorder_window.hpp, no
// atomics) and the multi-producer one (mpsc_reorder_window.hpp). Include
// one of those instead when only one is used.
#pragma once

#include "vpnwire/seq/mpsc_reorder_window.hpp"
#include "vpnwire/seq/reorder_window.hpp"
