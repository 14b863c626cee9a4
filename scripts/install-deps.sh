#!/usr/bin/env bash
# Installs the Debian packages siptool needs. Usage: scripts/install-deps.sh [build|test]
#   build: what compiling siptool needs (libpcap and libsrtp2 headers, pkg-config)
#   test:  build + the real peers and tools the test suite starts (SIPp, kamailio, baresip,
#          tshark, tcpdump; sox and espeak-ng for test audio; iproute2/iptables/ethtool for
#          the network-namespace NAT tests; dnsmasq-base (the dnsmasq binary without the
#          system service that package "dnsmasq" adds) as the DNS server of the RFC 3263
#          tests, started by the test itself on 127.0.0.1:15353; openssl makes the throwaway
#          certificates of the TLS tests)
# Runs apt-get through sudo only when not already root. Installs nothing already present.
set -euo pipefail

profile=${1:-build}
build_pkgs=(libpcap-dev libsrtp2-dev pkg-config)
test_pkgs=(tshark tcpdump sip-tester kamailio baresip sox espeak-ng iproute2 iptables ethtool dnsmasq-base openssl)

case "$profile" in
  build) want=("${build_pkgs[@]}") ;;
  test)  want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "install-deps: unknown profile '$profile' (expected build or test)" >&2; exit 64 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v swift >/dev/null 2>&1; then
  echo "install-deps: the Swift 6 toolchain is not on PATH (see README: Requirements)" >&2
  exit 69
fi

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
