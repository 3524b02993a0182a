// vpnwire umbrella header: every public header of the library except the
// optional OpenSSL backends (vpnwire/crypto/openssl_digest.hpp and
// vpnwire/esp/crypto/openssl.hpp), which need OpenSSL 3 and the
// vpnwire::openssl target and are included explicitly by those who use them.
// Each area can also be included alone, header by header.
// tests/consumer/packaging_check.py fails if a public header is missing here.
#pragma once

#include "vpnwire/version.hpp"

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/errc.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/serial.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/core/walker.hpp"

#include "vpnwire/crypto/digest.hpp"

#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/fragmenter.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/mss_clamp.hpp"
#include "vpnwire/ip/reassembler.hpp"
#include "vpnwire/ip/tcp.hpp"
#include "vpnwire/ip/tunnel_mtu.hpp"
#include "vpnwire/ip/udp.hpp"

#include "vpnwire/esp/crypto/concepts.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/esp/natt.hpp"
#include "vpnwire/esp/outbound_sa.hpp"
#include "vpnwire/esp/packet.hpp"
#include "vpnwire/esp/replay_window.hpp"
#include "vpnwire/esp/sa.hpp"

#include "vpnwire/l2tp/avp.hpp"
#include "vpnwire/l2tp/catalogue.hpp"
#include "vpnwire/l2tp/errc.hpp"
#include "vpnwire/l2tp/error_action.hpp"
#include "vpnwire/l2tp/header.hpp"
#include "vpnwire/l2tp/hidden.hpp"
#include "vpnwire/l2tp/message.hpp"
#include "vpnwire/l2tp/tunnel_auth.hpp"
#include "vpnwire/l2tp/writer.hpp"

#include "vpnwire/l2tp/control/data_sequencing.hpp"
#include "vpnwire/l2tp/control/endpoint.hpp"
#include "vpnwire/l2tp/control/errc.hpp"
#include "vpnwire/l2tp/control/events.hpp"
#include "vpnwire/l2tp/control/reliable_transport.hpp"
#include "vpnwire/l2tp/control/tunnel.hpp"

#include "vpnwire/ppp/control.hpp"
#include "vpnwire/ppp/errc.hpp"
#include "vpnwire/ppp/fcs.hpp"
#include "vpnwire/ppp/frame.hpp"
#include "vpnwire/ppp/hdlc.hpp"
#include "vpnwire/ppp/hdlc_reference.hpp"
#include "vpnwire/ppp/hdlc_types.hpp"
#include "vpnwire/ppp/option_catalogue.hpp"
#include "vpnwire/ppp/pppoe.hpp"

#include "vpnwire/seq/concurrency.hpp"
#include "vpnwire/seq/mpsc_reorder_window.hpp"
#include "vpnwire/seq/outcome.hpp"
#include "vpnwire/seq/policy.hpp"
#include "vpnwire/seq/reorder_window.hpp"
#include "vpnwire/seq/reorder_windows.hpp"
