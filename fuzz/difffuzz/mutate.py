"""Structure-aware frame mutation.

locate() walks a frame far enough to find the fields a parser trusts (a
small dissector of its own, independent of vpnwire's): IPv4 IHL, total
length, flags and fragment offset; IPv6 Payload Length, Next Header and
every extension header's Next Header and length, Routing type and segments
left, option types and lengths, Fragment offset/M and identification, ICMPv6
type, code and MTU; UDP length; the L2TP flags word, Length
and Offset Size; each AVP's M/H bits and 10-bit length; PPP protocol, LCP
and NCP lengths and option lengths; PPPoE length and discovery tag lengths;
TCP data offset and option lengths. mutate() applies one to three
operations, most of them to located fields, and says which.
"""
import struct

ETH, NULL, PPP, PPP_ETHER, RAW, SLL, LOOP, ENC, RAW4, NFLOG, SLL2 = 1, 0, 9, 51, 101, 113, 108, 109, 228, 239, 276

INTERESTING8 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0x3F, 0x40, 0x7F, 0x80, 0xFE, 0xFF]
INTERESTING16 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 20, 0xFF, 0x100, 0x3FF, 0x400, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF]


def u16(b, o):
    return struct.unpack_from(">H", b, o)[0] if o + 2 <= len(b) else None


class Fields:
    def __init__(self):
        self.f = []  # (kind, offset, size, value)

    def add(self, kind, off, size, b):
        if off + size <= len(b):
            v = int.from_bytes(b[off:off + size], "big")
            self.f.append((kind, off, size, v))


def link_payload(lt, b):
    """(offset of the network layer, kind) or None."""
    if lt == ETH:
        o, et = 12, u16(b, 12)
        while et in (0x8100, 0x88A8, 0x9100):
            o += 4
            et = u16(b, o)
        if et in (0x0800, 0x86DD):
            return o + 2, "ip"
        if et in (0x8863, 0x8864):
            return o + 2, "pppoe"
        return None
    if lt == SLL:
        et = u16(b, 14)
        return (16, "ip") if et in (0x0800, 0x86DD) else (16, "pppoe") if et in (0x8863, 0x8864) else None
    if lt == SLL2:
        et = u16(b, 0)
        return (20, "ip") if et in (0x0800, 0x86DD) else None
    if lt in (NULL, LOOP, ENC):
        return (4 if lt != ENC else 12), "ip"
    if lt in (RAW, RAW4):
        return 0, "ip"
    if lt == PPP:
        return 0, "ppp"
    if lt == PPP_ETHER:
        return 0, "pppoe"
    return None


def walk_ppp(b, o, F):
    if u16(b, o) == 0xFF03:
        F.add("ppp_addr", o, 2, b)
        o += 2
    if o >= len(b):
        return
    if b[o] & 1:
        proto = b[o]
        o += 1
    else:
        proto = u16(b, o)
        F.add("ppp_proto", o, 2, b)
        o += 2
    if proto is None:
        return
    if proto in (0x0021, 0x0057):
        walk_ip(b, o, F)
        return
    if proto in (0xC021, 0x8021, 0x8057, 0xC023, 0xC223, 0x80FD):
        F.add("cp_code", o, 1, b)
        F.add("cp_len", o + 2, 2, b)
        code = b[o] if o < len(b) else 0
        if proto in (0xC021, 0x8021, 0x8057) and 1 <= code <= 4:
            p = o + 4
            end = min(len(b), o + (u16(b, o + 2) or 0))
            while p + 2 <= end:
                F.add("opt_type", p, 1, b)
                F.add("opt_len", p + 1, 1, b)
                ln = b[p + 1]
                if ln < 2:
                    break
                p += ln
        elif proto == 0xC023 and code == 1:
            F.add("pap_len8", o + 4, 1, b)
        elif proto == 0xC223 and code in (1, 2):
            F.add("chap_len8", o + 4, 1, b)


def walk_pppoe(b, o, F):
    F.add("pppoe_vt", o, 1, b)
    F.add("pppoe_code", o + 1, 1, b)
    F.add("pppoe_len", o + 4, 2, b)
    code = b[o + 1] if o + 1 < len(b) else None
    if code == 0:
        walk_ppp(b, o + 6, F)
        return
    p = o + 6
    end = min(len(b), o + 6 + (u16(b, o + 4) or 0))
    while p + 4 <= end:
        F.add("tag_type", p, 2, b)
        F.add("tag_len", p + 2, 2, b)
        p += 4 + u16(b, p + 2)


def walk_l2tp(b, o, F):
    flags = u16(b, o)
    if flags is None:
        return
    F.add("l2tp_flags", o, 2, b)
    p = o + 2
    if flags & 0x4000:
        F.add("l2tp_len", p, 2, b)
        p += 2
    F.add("l2tp_tunnel", p, 2, b)
    F.add("l2tp_session", p + 2, 2, b)
    p += 4
    if flags & 0x0800:
        F.add("l2tp_ns", p, 2, b)
        F.add("l2tp_nr", p + 2, 2, b)
        p += 4
    if flags & 0x0200:
        F.add("l2tp_offset", p, 2, b)
        p += 2 + (u16(b, p) or 0)
    if flags & 0x8000:
        while p + 6 <= len(b):
            F.add("avp_len", p, 2, b)
            F.add("avp_type", p + 4, 2, b)
            ln = u16(b, p) & 0x3FF
            if ln < 6:
                break
            p += ln
    else:
        walk_ppp(b, p, F)


def walk_ip(b, o, F):
    if o < len(b) and b[o] >> 4 == 6:
        walk_ip6(b, o, F)
        return
    if o + 20 > len(b) or b[o] >> 4 != 4:
        return
    F.add("ip_vihl", o, 1, b)
    F.add("ip_len", o + 2, 2, b)
    F.add("ip_frag", o + 6, 2, b)
    F.add("ip_proto", o + 9, 1, b)
    ihl = (b[o] & 15) * 4
    proto = b[o + 9]
    if u16(b, o + 6) & 0x3FFF:
        return  # a fragment: the payload is not a header
    walk_transport(b, o + ihl, proto, F)


def walk_ip6(b, o, F):
    """The fixed header's Payload Length and Next Header, then the extension header chain: each
    header's Next Header and length (AH's in 4-byte units), a Routing header's type and segments
    left, option types and lengths, a Fragment header's offset/M word and identification."""
    if o + 40 > len(b):
        return
    F.add("ip6_plen", o + 4, 2, b)
    F.add("ip6_nxt", o + 6, 1, b)
    nh, p = b[o + 6], o + 40
    for _ in range(8):
        if nh not in (0, 43, 44, 51, 60) or p + 2 > len(b):
            break
        F.add("ip6_ext_nxt", p, 1, b)
        if nh == 44:
            F.add("ip6_frag", p + 2, 2, b)
            F.add("ip6_frag_id", p + 4, 4, b)
            if (u16(b, p + 2) or 0) & 0xFFF8:
                return  # a later fragment: the payload is not a header
            ln = 8
        elif nh == 51:
            F.add("ah_len", p + 1, 1, b)
            ln = (b[p + 1] + 2) * 4
        else:
            F.add("ip6_ext_len", p + 1, 1, b)
            ln = (b[p + 1] + 1) * 8
            if nh == 43:
                F.add("rt_type", p + 2, 1, b)
                F.add("rt_segleft", p + 3, 1, b)
            else:
                q, end = p + 2, min(len(b), p + ln)
                while q + 2 <= end:
                    if b[q] == 0:  # Pad1
                        q += 1
                        continue
                    F.add("ip6_opt_type", q, 1, b)
                    F.add("ip6_opt_len", q + 1, 1, b)
                    q += 2 + b[q + 1]
        nh, p = b[p], p + ln
    walk_transport(b, p, nh, F)


def ipv6_options(lt, b):
    """(header type, option type) of every option in the outer IPv6 packet's Hop-by-Hop and
    Destination Options headers."""
    lp = link_payload(lt, b)
    if not lp or lp[0] + 40 > len(b) or b[lp[0]] >> 4 != 6:
        return []
    out, nh, p = [], b[lp[0] + 6], lp[0] + 40
    for _ in range(8):
        if nh not in (0, 43, 51, 60) or p + 2 > len(b):
            break
        ln = (b[p + 1] + 2) * 4 if nh == 51 else (b[p + 1] + 1) * 8
        if nh in (0, 60):
            q, end = p + 2, min(len(b), p + ln)
            while q < end:
                out.append((nh, b[q]))
                q += 1 if b[q] == 0 else 2 + (b[q + 1] if q + 1 < end else 0)
        nh, p = b[p], p + ln
    return out


def walk_transport(b, t, proto, F):
    if proto == 17:
        F.add("udp_len", t + 4, 2, b)
        sport, dport = u16(b, t), u16(b, t + 2)
        if 1701 in (sport, dport):
            walk_l2tp(b, t + 8, F)
        elif 4500 in (sport, dport):
            F.add("esp_spi", t + 8, 4, b)
    elif proto == 6:
        F.add("tcp_off", t + 12, 1, b)
        p, end = t + 20, min(len(b), t + ((b[t + 12] >> 4) * 4 if t + 12 < len(b) else 0))
        while p + 2 <= end:
            if b[p] in (0, 1):
                p += 1
                continue
            F.add("tcp_opt_len", p + 1, 1, b)
            if b[p + 1] < 2:
                break
            p += b[p + 1]
    elif proto == 50:
        F.add("esp_spi", t, 4, b)
    elif proto in (4, 41):  # IPv4 or IPv6 inside
        walk_ip(b, t, F)
    elif proto == 58:
        F.add("icmp6_type", t, 1, b)
        F.add("icmp6_code", t + 1, 1, b)
        if t < len(b) and b[t] == 2:  # Packet Too Big: the MTU
            F.add("icmp6_mtu", t + 4, 4, b)


def locate(lt, b):
    F = Fields()
    lp = link_payload(lt, b)
    if lp:
        o, kind = lp
        if kind == "ip":
            walk_ip(b, o, F)
        elif kind == "pppoe":
            walk_pppoe(b, o, F)
        elif kind == "ppp":
            walk_ppp(b, o, F)
    return F.f, (lp[0] if lp else 0)


def set_field(b, off, size, v):
    b[off:off + size] = (v & ((1 << (8 * size)) - 1)).to_bytes(size, "big")


def mutate(rng, lt, seed):
    """A mutated copy of `seed` and the list of operations applied."""
    b = bytearray(seed)
    fields, start = locate(lt, seed)
    ops = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        r = rng.random()
        if fields and r < 0.55:
            kind, off, size, val = rng.choice(fields)
            if off + size > len(b):
                continue
            if kind == "avp_len":
                cur = int.from_bytes(b[off:off + 2], "big")
                choice = rng.choice([0, 1, 5, 6, 7, (cur & 0x3FF) - 1, (cur & 0x3FF) + 1, 0x3FF, rng.randrange(1024)])
                hibits = rng.choice([cur & 0xFC00, cur & 0xFC00, rng.randrange(64) << 10])
                set_field(b, off, 2, hibits | (choice & 0x3FF))
            elif kind == "ip_frag":
                cur = int.from_bytes(b[off:off + 2], "big")
                flags = rng.choice([cur & 0xE000, 0x2000, 0x4000, 0x6000, 0x8000, 0])
                offv = rng.choice([cur & 0x1FFF, 0, 1, 2, 185, 0x1FFF, rng.randrange(0x2000)])
                set_field(b, off, 2, flags | offv)
            elif kind == "ip6_frag":
                cur = int.from_bytes(b[off:off + 2], "big")
                offv = rng.choice([cur >> 3, 0, 1, 2, 160, 0x1FFF, rng.randrange(0x2000)])
                set_field(b, off, 2, (offv << 3) | rng.choice([cur & 7, cur & 1, 1, 0, 6, 7]))
            elif kind == "l2tp_flags":
                cur = int.from_bytes(b[off:off + 2], "big")
                set_field(b, off, 2, cur ^ (1 << rng.choice([15, 14, 11, 9, 8, 0, 1, 2, 3, 4, 5, 6, 7, 13, 12])))
            elif size == 1:
                val = b[off]
                set_field(b, off, 1, rng.choice(INTERESTING8 + [val - 1, val + 1, val + 2, val - 2,
                                                                 rng.randrange(256)]))
            else:
                val = int.from_bytes(b[off:off + size], "big")
                set_field(b, off, size, rng.choice(INTERESTING16 + [val - 1, val + 1, val + 4, val - 4, val * 2,
                                                                     rng.randrange(1 << (8 * min(size, 2)))]))
            ops.append(f"{kind}@{off}")
        elif r < 0.72 and len(b) > start:
            i = rng.randrange(start, len(b))
            b[i] ^= 1 << rng.randrange(8)
            ops.append(f"flip@{i}")
        elif r < 0.80 and len(b) > start:
            i = rng.randrange(start, len(b))
            b[i] = rng.choice(INTERESTING8)
            ops.append(f"byte@{i}")
        elif r < 0.92 and len(b) > start + 1:
            n = rng.randrange(start + 1, len(b))
            del b[n:]
            ops.append(f"trunc@{n}")
        elif r < 0.96 and len(b) > start:
            i = rng.randrange(start, len(b))
            n = rng.randrange(1, 5)
            b[i:i] = bytes(rng.randrange(256) for _ in range(n))
            ops.append(f"insert{n}@{i}")
        elif len(b) > start + 4:
            i = rng.randrange(start, len(b) - 1)
            n = rng.randrange(1, min(5, len(b) - i))
            del b[i:i + n]
            ops.append(f"delete{n}@{i}")
    if not ops or bytes(b) == seed:
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
        ops.append(f"flip@{i}")
    return bytes(b), ops
