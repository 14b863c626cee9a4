#!/usr/bin/env python3
"""Writes a classic pcap (Ethernet, IPv4, UDP 5060) holding N SIP messages, alternating the
two given raw messages (an INVITE with SDP and a 200 OK), each with a distinct Call-ID so no
tool can treat them as retransmissions. Used by bench/run.sh to time tshark's SIP dissector on
the same messages siptool's parser benchmark uses.

usage: make_sip_pcap.py INVITE_FILE OK_FILE COUNT OUT.pcap
"""
import struct
import sys


def frame(src, dst, payload, ident):
    udp = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident & 0xFFFF, 0x4000, 64, 17, 0, src, dst)
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp


def main():
    invite, ok, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    messages = [open(invite, "rb").read(), open(ok, "rb").read()]
    a, b = bytes([192, 0, 2, 20]), bytes([192, 0, 2, 10])
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        usec = 1_700_000_000 * 1_000_000
        for n in range(count):
            raw = messages[n % 2]
            # Give every pair its own Call-ID (same length, so Content-Length stays right).
            raw = raw.replace(b"Call-ID: ", b"Call-ID: %08d" % (n // 2), 1)
            pkt = frame(a, b, raw, n) if n % 2 == 0 else frame(b, a, raw, n)
            usec += 1000
            f.write(struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(pkt), len(pkt)) + pkt)


if __name__ == "__main__":
    main()
