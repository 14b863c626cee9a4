#!/usr/bin/env python3
"""Tells RTP timing gaps caused by the sender from those that come with the whole virtual
machine being descheduled by its hypervisor ("steal" time in /proc/stat).

`vm_pauses.py watch SECONDS OUT`: every 2 ms (passively, at normal priority) reads the per-CPU
steal counters and writes "TIME CPU0 CPU1 ..." (wall clock, steal increments in 1/100 s) for each
sample in which any counter moved.

`vm_pauses.py gaps PCAP STEAL [MS]`: for the RTP streams of PCAP (UDP from an even port), counts
the streams with an interval longer than MS (default 25), groups the long intervals into stall
moments (more than a tenth of the streams late within 50 ms of each other: the sender or the
machine stopped, not one stream), and says how many of those moments had steal on every CPU
within 100 ms (the hypervisor ran none of the VM's CPUs: no program inside could send).
"""
import struct
import sys
import time


def watch(seconds, out_path):
    end = time.time() + seconds
    previous = None
    with open(out_path, "w") as out:
        while time.time() < end:
            with open("/proc/stat") as stat:
                steal = [int(line.split()[8]) for line in stat if line.startswith("cpu") and line[3] != " "]
            if previous is not None and steal != previous:
                out.write("%.4f %s\n" % (time.time(), " ".join(str(a - b) for a, b in zip(steal, previous))))
                out.flush()
            previous = steal
            time.sleep(0.002)


def gaps(pcap_path, steal_path, limit_ms):
    samples = []
    for line in open(steal_path):
        fields = line.split()
        if fields:
            samples.append((float(fields[0]), [int(x) for x in fields[1:]]))
    streams = set()
    late = []  # (end time, stream)
    with open(pcap_path, "rb") as f:
        header = f.read(24)
        scale = 1e9 if struct.unpack("<I", header[:4])[0] == 0xA1B23C4D else 1e6
        last = {}
        while True:
            record = f.read(16)
            if len(record) < 16:
                break
            seconds, fraction, captured, _ = struct.unpack("<IIII", record)
            frame = f.read(captured)
            t = seconds + fraction / scale
            ip = frame[14:]
            if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            offset = (ip[0] & 15) * 4
            source, destination = struct.unpack(">HH", ip[offset:offset + 4])
            if source % 2:
                continue  # RTCP
            key = (source, destination)
            streams.add(key)
            if key in last and (t - last[key]) * 1000 > limit_ms:
                late.append((t, key))
            last[key] = t
    late.sort()
    moments = []  # [first end, last end, streams]
    for t, key in late:
        if moments and t - moments[-1][1] < 0.05:
            moments[-1][1] = t
            moments[-1][2].add(key)
        else:
            moments.append([t, t, {key}])
    big = [m for m in moments if len(m[2]) > len(streams) / 10]
    cpus = len(samples[0][1]) if samples else 0

    def stolen(moment):
        near = [s for t, s in samples if moment[0] - 0.1 <= t <= moment[1] + 0.1]
        return cpus > 0 and all(any(s[cpu] > 0 for s in near) for cpu in range(cpus))

    with_steal = sum(1 for m in big if stolen(m))
    total_steal = sum(sum(s) for _, s in samples) * 10
    print("%d streams with an interval > %g ms; %d stall moments hitting many streams at once, %d of them with steal on "
          "every CPU (the VM was descheduled); steal in the run %d ms"
          % (len({k for _, k in late}), limit_ms, len(big), with_steal, total_steal))


if __name__ == "__main__":
    if sys.argv[1] == "watch":
        watch(float(sys.argv[2]), sys.argv[3])
    else:
        gaps(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 25.0)
