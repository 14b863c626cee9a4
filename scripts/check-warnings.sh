#!/usr/bin/env bash
# Builds siptool and its tests and fails when the compiler warns about any of our own files
# (dependencies' warnings are not ours to fix). Swift 6 language mode, no warnings: house rule.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build --build-tests >"$log" 2>&1
status=$?
tail -1 "$log"
if [ "$status" -ne 0 ]; then
  grep -E "error:" "$log" | sort -u | head -40 >&2
  echo "check-warnings: the build failed" >&2
  exit "$status"
fi
ours=$(grep -E "(^|/)(Sources|Tests)/[^ ]*: warning:" "$log" | grep -v "/.build/" | sort -u)
if [ -n "$ours" ]; then
  echo "$ours" >&2
  echo "check-warnings: the compiler warned about our code (the house rule is no warnings)" >&2
  exit 1
fi
echo "check-warnings: no compiler warnings in Sources/ or Tests/"
