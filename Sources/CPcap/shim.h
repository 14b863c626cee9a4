// libpcap, from Debian's libpcap-dev. The header lives in a pcap/ subfolder.
#ifndef SIPTOOL_CPCAP_SHIM_H
#define SIPTOOL_CPCAP_SHIM_H
#include <pcap/pcap.h>

/// Asks the CPU to start loading the cache line holding `address` (a hint: it never faults and
/// changes no result). The mapped capture reader requests the records a few kilobytes ahead of
/// the one it returns, so their bytes are in cache by the time the packet is decoded.
static inline void siptool_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
#endif
