#!/usr/bin/env bash
# The README's demo: runs siptool's main job on a bundled example, no trunk needed.
# Today that is `siptool lint` on a pasted INVITE from a phone behind NAT.
set -euo pipefail
cd "$(dirname "$0")/.."
siptool=${1:-.build/release/siptool}
example=examples/invite-behind-nat.sip
echo "\$ siptool lint $example"
"$siptool" lint "$example"
