#!/usr/bin/env bash
# Times `siptool diagnose` (release) against tshark and sngrep on the same generated capture, in one
# run, and checks that peak memory does not grow with capture length (same call rate, 10x longer).
# Usage: bench/diagnose.sh [CALLS] [SECONDS_PER_CALL] [RUNS]
# Defaults: 600 calls x 17 s of two-way G.711 = about 1,000,000 packets, 3 runs (medians reported;
# the tools take turns, one run each per round).
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-600}
seconds=${2:-17}
runs=${3:-3}

. bench/lib.sh
bench_setup sngrep sngrep
python3 bench/make_capture.py "$work/short.pcap" "$calls" "$seconds"
python3 bench/make_capture.py "$work/long.pcap" "$calls" "$((seconds * 10))"
# Let the kernel finish writing the fresh captures (1.6 GB) before timing anything: write-back
# running during the first runs slowed whichever tool ran then by up to 50 %.
sync

python3 - "$siptool" "$work" "$runs" <<'PY'
import statistics, subprocess, sys, re
siptool, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])

def packets(path):
    out = subprocess.run(["capinfos", "-c", "-M", path], capture_output=True, text=True).stdout
    return int(re.search(r"Number of packets:\s+(\d+)", out).group(1))

def timed(cmd):
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, capture_output=True, text=True)
    wall, rss = r.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss)

short, long_ = f"{work}/short.pcap", f"{work}/long.pcap"
n = packets(short)
tools = {
    "siptool diagnose": [siptool, "diagnose", "--json", short],
    "tshark -q -z sip,stat -z rtp,streams": ["tshark", "-r", short, "-q", "-z", "sip,stat", "-z", "rtp,streams"],
    "sngrep -N -q -I": ["sngrep", "-N", "-q", "-I", short],
}
# Round-robin (each round runs every tool once), so a burst of load on a shared machine hits all
# tools alike instead of one tool's runs.
samples = {name: [] for name in tools}
# One untimed round first, so every tool starts with the capture in the page cache.
for cmd in tools.values():
    timed(cmd)
for _ in range(runs):
    for name, cmd in tools.items():
        samples[name].append(timed(cmd))
results = {}
for name in tools:
    wall = statistics.median(s[0] for s in samples[name])
    rss = statistics.median(s[1] for s in samples[name])
    results[name] = (wall, rss)
    print(f"{name:40s} median {wall:7.2f} s  {n / wall / 1e6:6.3f} M packets/s  peak RSS {rss / 1024:7.1f} MiB  ({runs} runs, {n} packets)")
ours = results["siptool diagnose"][0]
for name in ["tshark -q -z sip,stat -z rtp,streams", "sngrep -N -q -I"]:
    print(f"ratio siptool / {name.split()[0]}: {results[name][0] / ours:.1f}x faster")
wall, rss = timed([siptool, "diagnose", "--json", long_])
m = packets(long_)
print(f"siptool diagnose, 10x longer capture      {wall:7.2f} s  {m / wall / 1e6:6.3f} M packets/s  peak RSS {rss / 1024:7.1f} MiB  ({m} packets)")
PY
