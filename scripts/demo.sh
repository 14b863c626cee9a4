#!/usr/bin/env bash
# The README's demo: siptool's main jobs on loopback, no trunk needed.
#   1. `siptool answer --echo` listens on 127.0.0.1 (in the background, time-bounded);
#   2. `siptool call` places a real call to it: SIP, RTP both ways for 3 s, a verdict, a pcap;
#   3. `siptool diagnose` reads that pcap back and explains the call.
set -euo pipefail
cd "$(dirname "$0")/.."
siptool=${1:-.build/release/siptool}
port=${SIPTOOL_DEMO_PORT:-55060}
work=$(mktemp -d)
answer_pid=
cleanup() {
  if [ -n "$answer_pid" ]; then kill "$answer_pid" 2>/dev/null || true; wait "$answer_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$siptool" answer --listen "127.0.0.1:$port" --echo --calls 1 --run-for 30s >"$work/answer.txt" 2>&1 &
answer_pid=$!
sleep 1

echo "\$ siptool call --duration 3s --pcap demo.pcap sip:echo@127.0.0.1:$port"
status=0
"$siptool" call --duration 3s --rtp-ports 40000-40999 --pcap "$work/demo.pcap" "sip:echo@127.0.0.1:$port" || status=$?
wait "$answer_pid" 2>/dev/null || true
answer_pid=
echo
echo "\$ siptool diagnose demo.pcap"
"$siptool" diagnose "$work/demo.pcap" || true
exit "$status"
