#!/usr/bin/env bash
# Counts the instructions `siptool diagnose` (release) and tshark execute on the same generated
# capture, with valgrind's cachegrind (no cache simulation). Unlike wall time on a shared virtual
# machine, an instruction count does not move with the host's load, so it shows what a change to
# the code did; it does not show cache misses or stalls. The ratio to tshark is of work, not of
# time. Usage: bench/instructions.sh [CALLS] [SECONDS_PER_CALL]
# Defaults: 60 calls x 17 s of two-way G.711 (about 102,000 packets; the 1M-packet capture of
# bench/diagnose.sh at a tenth of its length, with the same call rate).
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-60}
seconds=${2:-17}

. bench/lib.sh
bench_setup valgrind valgrind
python3 bench/make_capture.py "$work/capture.pcap" "$calls" "$seconds" >/dev/null
# Valgrind's reader gives up on the Swift toolchain's debug information: count a copy without it.
strip -g -o "$work/siptool" "$siptool"
packets=$(capinfos -c -M "$work/capture.pcap" | sed -n 's/^Number of packets:[[:space:]]*//p')

count() {
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>&1 >/dev/null \
    | sed -n 's/.*I[[:space:]]*refs:[[:space:]]*//p' | tr -d ','
}
ours=$(count "$work/siptool" diagnose --json "$work/capture.pcap")
theirs=$(count tshark -r "$work/capture.pcap" -q -z sip,stat -z rtp,streams)
python3 - "$packets" "$ours" "$theirs" <<'PY'
import sys
packets, ours, theirs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print(f"capture: {packets} packets")
print(f"siptool diagnose --json                {ours:>15,} instructions  {ours / packets:8.0f} per packet")
print(f"tshark -q -z sip,stat -z rtp,streams   {theirs:>15,} instructions  {theirs / packets:8.0f} per packet")
print(f"ratio: tshark executes {theirs / ours:.1f}x the instructions siptool does")
PY
