#!/usr/bin/env python3
# forge.py ORIG KEYID SESSIONKEY INNER OUT: an OpenPGP message encrypted to
# the practice whose decrypted content is exactly the packets in INNER.
#
# ORIG is a binary message encrypted (among others) to the practice key
# whose encryption subkey has the key id KEYID; SESSIONKEY ("9:HEX", as
# gpg --show-session-key prints it) is its session key.  The practice's
# public-key encrypted session key packet (tag 1) is kept; a new
# symmetrically encrypted integrity protected data packet (tag 18, version
# 1, RFC 4880 5.13) is written around INNER, with a correct modification
# detection code.  Exit 2 when there is no AES at hand.
import hashlib
import os
import subprocess
import sys

orig, keyid, skey, inner_path, out_path = sys.argv[1:6]
data = open(orig, 'rb').read()
inner = open(inner_path, 'rb').read()


def packets(buf):
    i = 0
    while i < len(buf):
        ctb = buf[i]
        if not ctb & 0x80:
            raise SystemExit('not an OpenPGP packet at %d' % i)
        if ctb & 0x40:
            tag = ctb & 0x3f
            l0 = buf[i + 1]
            if l0 < 192:
                hl, ln = 2, l0
            elif l0 < 224:
                hl, ln = 3, ((l0 - 192) << 8) + buf[i + 2] + 192
            elif l0 == 255:
                hl, ln = 6, int.from_bytes(buf[i + 2:i + 6], 'big')
            else:
                raise SystemExit('partial lengths are not handled')
        else:
            tag = (ctb >> 2) & 0xf
            lt = ctb & 3
            if lt == 3:
                raise SystemExit('indeterminate length is not handled')
            n = (1, 2, 4)[lt]
            hl, ln = 1 + n, int.from_bytes(buf[i + 1:i + 1 + n], 'big')
        yield tag, buf[i:i + hl + ln], buf[i + hl:i + hl + ln]
        i += hl + ln


def new_packet(tag, body):
    return bytes([0xc0 | tag, 0xff]) + len(body).to_bytes(4, 'big') + body


pkesk = None
for tag, whole, body in packets(data):
    if tag == 1 and body[1:9].hex().upper() == keyid.upper():
        pkesk = whole
if pkesk is None:
    raise SystemExit('no session key packet for %s' % keyid)

algo, hexkey = skey.split(':')
key = bytes.fromhex(hexkey)
if int(algo) not in (7, 8, 9) or len(key) != {7: 16, 8: 24, 9: 32}[int(algo)]:
    raise SystemExit('unexpected session key algorithm %s' % algo)

prefix = os.urandom(16)
prefix += prefix[-2:]
plain = prefix + inner + b'\xd3\x14'
plain += hashlib.sha1(plain).digest()

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    enc = Cipher(algorithms.AES(key), modes.CFB(b'\0' * 16)).encryptor()
    cipher = enc.update(plain) + enc.finalize()
except ImportError:
    try:
        cipher = subprocess.run(
            ['openssl', 'enc', '-aes-%d-cfb' % (len(key) * 8), '-K', key.hex(), '-iv', '00' * 16, '-nosalt'],
            input=plain, stdout=subprocess.PIPE, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        sys.exit(2)

open(out_path, 'wb').write(pkesk + new_packet(18, b'\x01' + cipher))
