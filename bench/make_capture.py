#!/usr/bin/env python3
"""Writes a large classic pcap (Ethernet, nanosecond timestamps) for the diagnose benchmark:
CALLS concurrent-ish calls, each an INVITE/100/180/200/ACK ... BYE/200 exchange with two-way G.711
RTP (20 ms packets) for SECONDS seconds. One call in ten signals over TCP, one in ten sends its
INVITE as two IPv4 fragments. Standard library only.

usage: make_capture.py OUT.pcap CALLS SECONDS
"""
import struct
import sys

ETH = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"


def checksum(header):
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src, dst, proto, payload, ident, flags_offset=0x4000):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, flags_offset, 64, proto, 0, src, dst)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def udp(src, dst, sport, dport, payload, ident):
    return ETH + ipv4(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload, ident)


def udp_fragments(src, dst, sport, dport, payload, ident):
    data = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    cut = (len(data) // 2) // 8 * 8
    first = ETH + ipv4(src, dst, 17, data[:cut], ident, 0x2000)
    second = ETH + ipv4(src, dst, 17, data[cut:], ident, cut // 8)
    return [first, second]


def tcp(src, dst, sport, dport, seq, payload, ident, flags=0x18):
    header = struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 5 << 4, flags, 65535, 0, 0)
    return ETH + ipv4(src, dst, 6, header + payload, ident)


def sip(lines, body=""):
    body = body.replace("\n", "\r\n")
    text = "\r\n".join(lines + ["Content-Length: %d" % len(body)]) + "\r\n\r\n" + body
    return text.encode()


def sdp(addr, port):
    return ("v=0\no=- 1 1 IN IP4 %s\ns=-\nc=IN IP4 %s\nt=0 0\nm=audio %d RTP/AVP 0 101\n"
            "a=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\n" % (addr, addr, port))


def main():
    out, calls, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    events = []  # (time_ns, frame bytes)
    payload = bytes([0x1E, 0x9E] * 80)
    ident = 0
    for n in range(calls):
        a = bytes([10, 1, (n >> 8) & 0xFF, n & 0xFF])
        b = bytes([10, 2, (n >> 8) & 0xFF, n & 0xFF])
        sa, sb = "10.1.%d.%d" % ((n >> 8) & 0xFF, n & 0xFF), "10.2.%d.%d" % ((n >> 8) & 0xFF, n & 0xFF)
        t0 = 1_700_000_000 * 10**9 + n * 7_000_000
        call_id = "bench-%d@%s" % (n, sa)
        via = "Via: SIP/2.0/%s %s:5060;branch=z9hG4bK-%d" % ("TCP" if n % 10 == 1 else "UDP", sa, n)
        base = ["From: <sip:caller%d@%s>;tag=f%d" % (n, sa, n), "Call-ID: " + call_id]
        to = "To: <sip:+1555%07d@%s>" % (n, sb)
        msgs = [
            (0, True, sip(["INVITE sip:+1555%07d@%s SIP/2.0" % (n, sb), via, "Max-Forwards: 70"] + base + [to, "CSeq: 1 INVITE", "Contact: <sip:caller@%s>" % sa, "Content-Type: application/sdp"], sdp(sa, 20000))),
            (20, False, sip(["SIP/2.0 100 Trying", via] + base + [to, "CSeq: 1 INVITE"])),
            (300, False, sip(["SIP/2.0 180 Ringing", via] + base + [to + ";tag=t%d" % n, "CSeq: 1 INVITE"])),
            (1000, False, sip(["SIP/2.0 200 OK", via] + base + [to + ";tag=t%d" % n, "CSeq: 1 INVITE", "Contact: <sip:callee@%s>" % sb, "Content-Type: application/sdp"], sdp(sb, 30000))),
            (1020, True, sip(["ACK sip:callee@%s SIP/2.0" % sb, via.replace("z9hG4bK-", "z9hG4bK-a"), "Max-Forwards: 70"] + base + [to + ";tag=t%d" % n, "CSeq: 1 ACK"])),
        ]
        end_ms = 1040 + seconds * 1000
        msgs += [
            (end_ms, True, sip(["BYE sip:callee@%s SIP/2.0" % sb, via.replace("z9hG4bK-", "z9hG4bK-b"), "Max-Forwards: 70"] + base + [to + ";tag=t%d" % n, "CSeq: 2 BYE"])),
            (end_ms + 20, False, sip(["SIP/2.0 200 OK", via.replace("z9hG4bK-", "z9hG4bK-b")] + base + [to + ";tag=t%d" % n, "CSeq: 2 BYE"])),
        ]
        seq = {True: 1000, False: 5000}
        for (ms, from_a, raw) in msgs:
            src, dst = (a, b) if from_a else (b, a)
            ident += 1
            t = t0 + int(ms * 1_000_000)
            if n % 10 == 1:
                events.append((t, tcp(src, dst, 40000 if from_a else 5060, 5060 if from_a else 40000, seq[from_a], raw, ident)))
                seq[from_a] += len(raw)
            elif n % 10 == 2 and raw.startswith(b"INVITE"):
                for i, frag in enumerate(udp_fragments(src, dst, 5060, 5060, raw, ident)):
                    events.append((t + i, frag))
            else:
                events.append((t, udp(src, dst, 5060, 5060, raw, ident)))
        packets = int(seconds * 50)
        for i in range(packets):
            t = t0 + 1_040_000_000 + i * 20_000_000
            for (src, dst, sp, dp, ssrc, off) in ((a, b, 20000, 30000, 0x10000 + n, 0), (b, a, 30000, 20000, 0x20000 + n, 300_000)):
                rtp = struct.pack("!BBHII", 0x80, 0, i & 0xFFFF, i * 160, ssrc) + payload
                ident += 1
                events.append((t + off, udp(src, dst, sp, dp, rtp, ident)))
    events.sort(key=lambda e: e[0])
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, 1))
        chunk = bytearray()
        for t, frame in events:
            chunk += struct.pack("<IIII", t // 10**9, t % 10**9, len(frame), len(frame)) + frame
            if len(chunk) > 1 << 20:
                f.write(chunk)
                chunk = bytearray()
        f.write(chunk)
    print("%s: %d packets" % (out, len(events)))


if __name__ == "__main__":
    main()
