#!/usr/bin/python3
# Generates the known-answer vectors of hidden_test.cpp with Python's hashlib
# (an MD5 independent of the OpenSSL backend under test), following RFC 2661
# §4.3 (hidden AVPs; AVP type as two octets in network byte order in the first
# hash) and §4.2/§5.1.1 (Challenge Response = MD5(type octet, secret, challenge)).
import hashlib

def hide(avp_type, value, secret, rv, pad):
    plain = len(value).to_bytes(2, 'big') + value + pad
    out = b''
    key = hashlib.md5(avp_type.to_bytes(2, 'big') + secret + rv).digest()
    for i in range(0, len(plain), 16):
        c = bytes(x ^ y for x, y in zip(plain[i:i + 16], key))
        out += c
        key = hashlib.md5(secret + c).digest()
    return out

rv = bytes(range(0x10, 0x20))
print("challenge response SCCRP", hashlib.md5(b'\x02' + b'secret' + bytes(range(16))).hexdigest())
print("challenge response SCCCN", hashlib.md5(b'\x03' + b'secret' + bytes(range(16))).hexdigest())
print("hidden type 14 value 1234", hide(14, bytes.fromhex('1234'), b'secret', rv, b'').hex())
print("hidden type 8, 40-byte value, 5 pad bytes aa",
      hide(8, b'Example Vendor Name for hidden test!!!!!', b'secret', rv, b'\xaa' * 5).hex())
key = hashlib.md5((14).to_bytes(2, 'big') + b'secret' + rv).digest()
print("one block decrypting to length ffff", bytes(x ^ y for x, y in zip(bytes.fromhex('ffff') + bytes(14), key)).hex())
