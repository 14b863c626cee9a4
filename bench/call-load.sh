#!/usr/bin/env bash
# RTP timing under load: 200 concurrent calls (50 calls/s, 10 s of PCMU each) placed on loopback
# by `siptool call --concurrent` and, in the same run, by SIPp 3.6.1 with rtp_stream; both to
# `siptool answer`. tcpdump captures the callers' RTP on lo; tshark 4.0 `-z rtp,streams`
# (heuristic RTP) measures every stream: mean jitter, max jitter, max delta. Prints both and the
# ratio of medians. bench/vm_pauses.py groups the intervals over 25 ms into stall moments and
# says which came with steal time on every CPU (the hypervisor had stopped the whole VM).
# Usage: bench/call-load.sh  (CALLS, RATE, DURATION override the defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${CALLS:-200}
rate=${RATE:-50}
duration=${DURATION:-10}
scripts/install-deps.sh test
swift build -c release --product siptool >/dev/null
bin=.build/release/siptool
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_answer() {
  "$bin" answer --listen 127.0.0.1:5300 --rtp-ports 30000-39999 --run-for $((duration * 3 + calls / rate + 30))s >"$work/answer-$1.txt" 2>&1 &
  answer_pid=$!
  pids+=($answer_pid)
  sleep 1
}

stop_answer() {
  kill "$answer_pid" 2>/dev/null || true
  wait "$answer_pid" 2>/dev/null || true
}

capture() {  # capture NAME FILTER...: tcpdump on lo, and the per-CPU steal time alongside
  local name=$1; shift
  python3 bench/vm_pauses.py watch $((duration + calls / rate + 15)) "$work/steal-$name.txt" &
  steal_pid=$!
  pids+=($steal_pid)
  tcpdump -i lo -n -B 65536 --immediate-mode -w "$work/$name.pcap" "$@" >"$work/tcpdump-$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q "listening on" "$work/tcpdump-$name.log" 2>/dev/null && break; sleep 0.1; done
}

stop_capture() {
  sleep 1
  pkill -INT -f "tcpdump -i lo -n -B 65536 --immediate-mode -w $work/$1.pcap" || true
  kill "$steal_pid" 2>/dev/null || true
  sleep 1
}

measure() {  # measure NAME: one line of medians and maxima over the streams
  tshark -r "$work/$1.pcap" -o rtp.heuristic_rtp:TRUE -q -z rtp,streams 2>/dev/null | python3 -c '
import re, statistics, sys
rows = []
for line in sys.stdin:
    m = re.search(r"g711U\s+(\d+)\s+(-?\d+) \(\S+%\)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", line)
    if m:
        rows.append([float(x) for x in m.groups()])
if not rows:
    print("no streams"); sys.exit(0)
print("%d streams, %d packets, lost %d; mean jitter median %.3f ms (max %.3f); max jitter max %.3f ms; max delta median %.3f ms (max %.3f); streams with a delta > 25 ms: %d"
      % (len(rows), sum(r[0] for r in rows), sum(r[1] for r in rows), statistics.median(r[6] for r in rows), max(r[6] for r in rows),
         max(r[7] for r in rows), statistics.median(r[4] for r in rows), max(r[4] for r in rows), sum(1 for r in rows if r[4] > 25)))
'
}

echo "== $calls calls, $rate/s, ${duration}s each; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# siptool: callers' RTP leaves from 20000-29999 towards the answer side's 30000-39999; once at
# normal priority (nice -10), once with --realtime (SCHED_FIFO pacing thread).
for mode in normal realtime; do
  flag=""; [ "$mode" = realtime ] && flag="--realtime"
  start_answer "siptool-$mode"
  capture "siptool-$mode" udp and src portrange 20000-29999 and dst portrange 30000-39999
  /usr/bin/time -f "siptool call $flag: %e s, %M KiB max RSS, %P CPU" "$bin" call --concurrent "$calls" --rate "$rate" --duration "${duration}s" \
    --codecs pcmu --rtp-ports 20000-29999 $flag sip:load@127.0.0.1:5300 || true
  stop_capture "siptool-$mode"
  echo "siptool $flag (tshark on the wire): $(measure "siptool-$mode")"
  echo "  $(python3 bench/vm_pauses.py gaps "$work/siptool-$mode.pcap" "$work/steal-siptool-$mode.txt")"
  stop_answer
done

# SIPp: rtp_stream sends from its media port (-mp 20000) towards the answer side's ports.
sox -n -r 8000 -c 1 -e mu-law -t raw "$work/tone.ulaw" synth $((duration + 5)) sine 440 vol 0.3
start_answer sipp
capture sipp udp and src portrange 20000-29999 and dst portrange 30000-39999
/usr/bin/time -f "sipp: %e s, %M KiB max RSS, %P CPU" env -C "$work" sipp -sf "$PWD/scenarios/sipp/bench-uac-rtp.xml" \
  -i 127.0.0.1 -p 5301 -mp 20000 -r "$rate" -m "$calls" -l "$calls" -d $((duration * 1000)) -nostdin -timeout $((duration * 3 + 60))s \
  -trace_err -error_file "$work/sipp-errors.log" 127.0.0.1:5300 >"$work/sipp.txt" 2>&1 || true
stop_capture sipp
echo "sipp 3.6.1 (tshark on the wire): $(measure sipp)"
echo "  $(python3 bench/vm_pauses.py gaps "$work/sipp.pcap" "$work/steal-sipp.txt")"
