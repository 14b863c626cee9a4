#!/usr/bin/env bash
# Times `diagnose --json CAPTURE` of two or more siptool binaries in alternation (one run of each per
# round, after one untimed round), so that the host's changing speed hits them alike, and prints
# each binary's median and fastest wall time. This is how BENCHMARKS.md compares builds on this
# shared machine. Usage: bench/compare.sh CAPTURE RUNS BINARY BINARY...
set -euo pipefail
python3 - "$@" <<'PY'
import statistics, subprocess, sys, time
capture, runs, binaries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def once(binary):
    start = time.perf_counter()
    subprocess.run([binary, "diagnose", "--json", capture], stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start
for binary in binaries:
    once(binary)
times = {binary: [] for binary in binaries}
for _ in range(runs):
    for binary in binaries:
        times[binary].append(once(binary))
for binary in binaries:
    print(f"{binary:40s} median {statistics.median(times[binary]):.3f} s  fastest {min(times[binary]):.3f} s  ({runs} runs)")
PY
