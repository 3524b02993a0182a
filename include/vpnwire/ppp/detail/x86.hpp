// x86 detection for the PPP fast paths: VPNWIRE_PPP_X86 is 1 when the
// compiler can emit x86 vector code behind __attribute__((target)), and the
// intrinsics are then available. Internal: included by fcs.hpp and the HDLC
// kernels.
#pragma once

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define VPNWIRE_PPP_X86 1
#else
#define VPNWIRE_PPP_X86 0
#endif
