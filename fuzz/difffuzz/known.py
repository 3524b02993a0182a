"""Classification of vpnwire/tshark disagreements.

Each rule names a documented difference (docs/differential.md, section
given by the rule name) and a class:
  tshark-lenient  tshark prints a value vpnwire refuses (vpnwire's error
                  says why); the field is not a disagreement of meaning;
  tshark-omits    tshark prints no type/length for options it does not dissect;
  tshark-stops    tshark abandons the layer at an exception;
  vpnwire-omits   vpnwire leaves undecoded a protocol tshark dissects;
  representation  the same value, displayed differently;
  cross-frame     reassembly over unrelated mutated frames;
  tshark-bug      tshark 4.0 reports a wrong value (frame in the doc);
  interpretation  both are defensible readings of damaged input.
Anything else is `unclassified`: a vpnwire bug until shown otherwise.
"""

RULES = []


def rule(name, cls):
    def deco(fn):
        RULES.append((name, cls, fn))
        return fn
    return deco


# The upper layers' checksum fields, which an IPv6 packet's pseudo-header addresses decide.
CHECKSUM_FIELDS = ("udp.checksum", "tcp.checksum", "icmpv6.checksum")
FRAGMENT_LISTS = ("ip.fragment", "ipv6.fragment", "ip.fragment.count", "ipv6.fragment.count")


def reassembled(layer):
    """Whether vpnwire completed an IPv4 or IPv6 datagram in this layer."""
    return "completed" in (layer.get("vpnwire.ip.reassembly"), layer.get("vpnwire.ipv6.reassembly"))


def lists_differ(frame_disagreements):
    """Whether the two tools reassembled a datagram of the frame from different frames (one of the
    frame's disagreements is a fragment list or count). A list that differs only by a duplicate
    vpnwire lists too counts: the two may still have taken the datagram's bytes from different
    copies (tshark may have completed an earlier datagram with the first copy)."""
    return any(d[2] in FRAGMENT_LISTS for d in frame_disagreements)


def classify(d, our_error, their_trouble, ours_frame=None):
    """(class, rule name) of one disagreement d = (kind, proto, key, ours, theirs); ours_frame is
    vpnwire's JSON object of the frame, with "vpnwire.difffuzz.lists_differ" set by the caller
    (lists_differ() over the frame's disagreements)."""
    if _duplicate_listed(d, our_error, their_trouble):  # the list field itself (IPv4 or IPv6)
        return "interpretation", "duplicate-fragment-listed"
    if ours_frame is not None and d[1] not in ("frame", "eth", "vlan", "sll", "null", "enc", "nflog") and any(
            reassembled(layer) for layer in ours_frame.get("layers", [])) and \
            ours_frame.get("vpnwire.difffuzz.lists_differ", True):
        # A datagram reassembled in this frame from other fragments than tshark's: its content depends
        # on which of the batch's frames each reassembler kept. When both list the same frames, the
        # datagram's fields are compared as any other frame's.
        return "cross-frame", "cross-frame-reassembly"
    if ours_frame is not None and d[2].startswith(CHECKSUM_FIELDS) and any(
            _refused_routing(layer) for layer in ours_frame.get("layers", [])):
        # A Routing header with segments left whose length does not fit its type: tshark still takes
        # an address from it for the checksum's destination; vpnwire keeps the packet's destination.
        return "interpretation", "routing-header-length"
    if ours_frame is not None and d[2].startswith(CHECKSUM_FIELDS) and any(
            w.get("code") == "home_address_option_length" for w in ours_frame.get("warnings", [])):
        # A Home Address option of the wrong length: tshark still takes its first 16 bytes as the
        # checksum's source; vpnwire ignores the malformed option and warns.
        return "tshark-lenient", "home-address-option-length"
    if ours_frame is not None and d[2] == "data.len" and _data_after_undecoded(d, ours_frame):
        # vpnwire left a protocol number undecoded that tshark dissects (IPv4 protocol 44, PPP 0x0035,
        # an 802.3 length with LLC): tshark's data is what remains after that protocol's header.
        return "vpnwire-omits", "tshark-decodes-further"
    if ours_frame is not None and d[2] == "data.len" and _nflog_by_family(d, ours_frame):
        # An NFLOG packet header whose hardware protocol is not IPv4's or IPv6's: vpnwire (as tcpdump)
        # reads the payload by the header's address family, tshark by the hardware protocol, and
        # stops there: its data is the whole payload.
        return "interpretation", "nflog-family-over-hw-protocol"
    if ours_frame is not None and d[2].startswith(CHECKSUM_FIELDS) and \
            ours_frame.get("vpnwire.difffuzz.hao_outside_dstopts"):
        # A Home Address option in a Hop-by-Hop header: RFC 6275 §6.3 carries it in Destination Options
        # only (in Hop-by-Hop it is an unknown option whose type says discard). tshark still takes it as
        # the checksum's source; vpnwire does not.
        return "tshark-lenient", "home-address-outside-destination-options"
    for name, cls, fn in RULES:
        if fn(d, our_error, their_trouble):
            return cls, name
    return "unclassified", ""


def _data_after_undecoded(d, ours_frame):
    """vpnwire's data layer starts at a protocol it does not decode (vpnwire.not_decoded) and tshark's
    data is shorter: a suffix left after a header tshark dissected."""
    data = [layer for layer in ours_frame.get("layers", []) if layer.get("proto") == "data"]
    ours, theirs = _norm(d[3]), [_norm(t) for t in d[4]]
    return bool(data) and "vpnwire.not_decoded" in data[-1] and isinstance(ours, int) and bool(theirs) and \
        all(isinstance(t, int) and t < ours for t in theirs)


def _nflog_by_family(d, ours_frame):
    """An NFLOG frame whose packet header names neither IPv4 nor IPv6 (nflog.protocol), decoded by
    vpnwire as IP all the same, where tshark's data (the payload it left undecoded) is longer."""
    layers = ours_frame.get("layers", [])
    protos = [layer.get("proto") for layer in layers]
    nflog = [layer for layer in layers if layer.get("proto") == "nflog"]
    ours, theirs = _norm(d[3]), [_norm(t) for t in d[4]]
    return bool(nflog) and nflog[0].get("nflog.protocol") not in (None, 0x0800, 0x86DD) and \
        protos[protos.index("nflog") + 1:protos.index("nflog") + 2] in (["ip"], ["ipv6"]) and \
        isinstance(ours, int) and bool(theirs) and all(isinstance(t, int) and t > ours for t in theirs)


def _refused_routing(layer):
    """An ipv6 layer whose first Routing header has segments left and a length that
    ip::routing_final_destination refuses for its type (0: odd or zero; 2: not 2; 4: below 2)."""
    types = layer.get("ipv6.routing.type") or []
    if not types:
        return False
    t, n, left = types[0], layer.get("ipv6.routing.len", [0])[0], layer.get("ipv6.routing.segleft", [0])[0]
    return left != 0 and ((t == 0 and (n == 0 or n % 2 == 1)) or (t == 2 and n != 2) or (t == 4 and n < 2))


def _norm(x):
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, str):
        try:
            return int(x, 0)
        except ValueError:
            return x.replace(":", "").lower()
    return x


def _multiset_le(small, big):
    """Whether the multiset `small` is contained in `big`."""
    big = list(big)
    for x in small:
        if x in big:
            big.remove(x)
        else:
            return False
    return True


def _printable(s):
    """A string reduced to what both displays keep: up to the first NUL, printable ASCII only."""
    import re
    s = s.split("\x00", 1)[0]
    s = re.sub(r"\\x[0-9a-fA-F]{1,2}|\\[0-7]{3}|\\[abfnrtv\\]", "", s)
    return "".join(c for c in s if 0x20 <= ord(c) < 0x7F)


@rule("cross-frame-reassembly", "cross-frame")
def _reassembly(d, err, trouble):
    # Reassembly fields depend on the other frames of the batch: unrelated mutated frames
    # share IP IDs, so the two reassemblers see different fragment streams.
    return d[2].startswith(("ip.fragment", "ip.reassembled", "ipv6.fragment", "ipv6.reassembled"))


@rule("tshark-string-display", "representation")
def _strings(d, err, trouble):
    # tshark's show= of a string stops at the first NUL, escapes control bytes (\x1, \001)
    # and replaces bytes >= 0x80 by U+FFFD; vpnwire prints the bytes.
    kind, _, _, ours, theirs = d
    if kind != "field" or not isinstance(ours, str):
        return False
    shown = "".join(" " if c in "\t\n\r" else  # tshark shows whitespace controls as spaces
                    "\\x%x" % ord(c) if ord(c) < 0x20 or ord(c) == 0x7F else "\ufffd" if ord(c) >= 0x80 else c
                    for c in ours.split("\x00", 1)[0])
    return any(shown == t or _printable(ours).strip() == _printable(t).strip() for t in theirs)


@rule("duplicate-fragment-listed", "interpretation")
def _duplicate_listed(d, err, trouble):
    # A fragment with the offset and length of a stored one but other bytes (a mutated copy sharing
    # the ID): vpnwire, as Linux (inet_frag_queue_insert's IPFRAG_DUP), drops it as a duplicate without
    # comparing bytes, keeps the datagram and lists the frame among its fragments; tshark compares the
    # bytes and names the frame in *.fragment.error instead. vpnwire lists every frame tshark lists.
    kind, _, key, ours, theirs = d
    if key in ("ipv6.fragment", "ip.fragment"):
        return (isinstance(ours, list) and len(ours) > len(theirs) and
                _multiset_le([_norm(t) for t in theirs], [_norm(o) for o in ours]))
    if key in ("ipv6.fragment.count", "ip.fragment.count"):
        return bool(theirs) and isinstance(_norm(ours), int) and isinstance(_norm(theirs[0]), int) and \
            _norm(ours) > _norm(theirs[0])
    return False


@rule("tcp-reserved-boolean", "representation")
def _tcp_res(d, err, trouble):
    # tshark 4.0's tcp.flags.res is a boolean over the three reserved bits; vpnwire prints their value.
    return d[2] == "tcp.flags.res" and any(bool(ours_v) == bool(_norm(t)) for ours_v in [d[3]] for t in d[4])


@rule("tshark-stops-at-malformed", "tshark-stops")
def _stops(d, err, trouble):
    # tshark abandons the rest of the layer at the first exception (malformed AVP, option or tag);
    # vpnwire lists every item it can walk and names the bad one in its error.
    kind, _, _, ours, theirs = d
    if not trouble:
        return False
    if kind == "avp_count":
        return ours > theirs[0]
    return isinstance(ours, list) and _multiset_le([_norm(t) for t in theirs], [_norm(o) for o in ours])


@rule("tshark-shows-refused-item", "tshark-lenient")
def _lenient(d, err, trouble):
    # tshark prints an item (a tag, AVP or option running past its container) that vpnwire
    # refuses with the error it reports; the items before it agree.
    kind, _, _, ours, theirs = d
    if not err:
        return False
    if kind == "avp_count":
        return ours < theirs[0]
    return isinstance(ours, list) and _multiset_le([_norm(o) for o in ours], [_norm(t) for t in theirs])


@rule("tshark-omits-undissected-option", "tshark-omits")
def _omits(d, err, trouble):
    # For an option it does not dissect (unknown type, or a length its dissector refuses) tshark
    # 4.0 prints a text line without the *.opt.type / *.opt.length fields; vpnwire lists them all.
    kind, _, key, ours, theirs = d
    return kind == "field" and isinstance(ours, list) and key.endswith((".opt.type", ".opt.length")) and \
        _multiset_le([_norm(t) for t in theirs], [_norm(o) for o in ours])


@rule("tcp-eol-padding", "interpretation")
def _eol(d, err, trouble):
    # After End of Option List (kind 0) the rest of the TCP header is padding (RFC 9293 §3.1):
    # vpnwire stops there, tshark 4.0 lists each further zero byte as another EOL.
    kind, _, key, ours, theirs = d
    if key != "tcp.option_kind" or not isinstance(ours, list):
        return False
    t = [_norm(x) for x in theirs]
    return t[:len(ours)] == list(ours) and all(x == 0 for x in t[len(ours):])


@rule("udpencap-marker-none", "representation")
def _marker(d, err, trouble):
    # tshark 4.0's udpencap.non_esp_marker is a field without a value (show=""); vpnwire prints the zero marker.
    return d[2] == "udpencap.non_esp_marker" and d[3] == 0 and list(d[4]) == [""]


@rule("nflog-uid-signed", "tshark-bug")
def _uid(d, err, trouble):
    # tshark 4.0 declares nflog.uid and nflog.gid as signed 32-bit; the kernel's NFULA_UID/GID are
    # unsigned (__be32), so uids >= 2^31 show negative.
    return d[2] in ("nflog.uid", "nflog.gid") and isinstance(d[3], int) and any(
        isinstance(_norm(t), int) and _norm(t) % (1 << 32) == d[3] for t in d[4])


@rule("nflog-duplicate-tlv", "interpretation")
def _nflog_dup(d, err, trouble):
    # A repeated NFULA_* TLV (or NFULA_PACKET_HDR longer than its 4-byte struct): vpnwire keeps the
    # last occurrence, as the kernel's nla_parse() and libnetfilter_log do; tshark 4.0 decodes the
    # first and shows a PACKET_HDR whose length is not 8 as raw bytes.
    return d[0] == "field" and d[1] == "nflog" and d[2] in (
        "nflog.protocol", "nflog.hook", "nflog.prefix", "nflog.uid", "nflog.gid", "nflog.ifindex_indev",
        "nflog.ifindex_outdev", "nflog.hwaddr", "nflog.mark")


@rule("ones-complement-zero", "representation")
def _ones_zero(d, err, trouble):
    # A computed checksum of one's-complement zero: vpnwire prints 0x0000, tshark 0xffff; the two are the
    # same value in one's-complement arithmetic (RFC 1071) and both verify.
    return d[2].endswith("checksum_calculated") and {_norm(d[3])} | {_norm(t) for t in d[4]} == {0, 0xFFFF}


@rule("l2tpv3-extended-vendor-id", "interpretation")
def _avp58(d, err, trouble):
    # Attribute 58 is L2TPv3's Extended Vendor ID (RFC 3931 §5.4.4); RFC 2661 does not define it. In an
    # L2TPv2 message tshark 4.0 decodes it anyway and shows its value under l2tp.avp.vendor_id (the
    # name of the AVP header's Vendor ID field), then throws on the short value; vpnwire prints the
    # header's Vendor ID (0) and treats attribute 58 as an unknown IETF AVP.
    return d[2] == "l2tp.avp.vendor_id" and d[3] == 0
