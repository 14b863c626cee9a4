#!/usr/bin/env bash
# Benchmarks siptool's sans-IO core in release mode and times tshark on the same SIP messages in
# the same run, so the ratio is measured on one machine at one moment. Medians are the figures to
# quote (the machine may be shared). Usage: bench/run.sh [MESSAGES_FOR_TSHARK]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-20000}

scripts/install-deps.sh test
swift build -c release --product siptool-bench >/dev/null
bin="$(swift build -c release --show-bin-path)/siptool-bench"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== siptool (release, one core)"
"$bin" | tee "$work/siptool.txt"

echo
echo "== tshark $(tshark --version | head -1 | awk '{print $3}') on the same two messages, $count datagrams in a pcap"
"$bin" --write-samples "$work"
python3 bench/make_sip_pcap.py "$work/invite.sip" "$work/ok200.sip" "$count" "$work/sip.pcap"
python3 - "$work/sip.pcap" "$count" "$work/siptool.txt" <<'PY'
import statistics, subprocess, sys, time
pcap, count, ours = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rates = []
for _ in range(3):
    start = time.perf_counter()
    out = subprocess.run(["tshark", "-r", pcap, "-q", "-z", "sip,stat"], capture_output=True, text=True, check=True)
    rates.append(count / (time.perf_counter() - start))
    if f"Number of SIP messages: {count}" not in out.stdout:
        sys.exit("bench: tshark did not see every SIP message:\n" + out.stdout)
tshark = statistics.median(rates)
print(f"tshark -q -z sip,stat              median {tshark:.0f} msg/s  (min {min(rates):.0f}, max {max(rates):.0f}, 3 runs; includes reading the pcap)")
for line in open(ours):
    if line.startswith("sip.parse-datagram"):
        siptool = float(line.split("median")[1].split()[0])
        print(f"ratio siptool parse / tshark      {siptool / tshark:.1f}x")
PY
