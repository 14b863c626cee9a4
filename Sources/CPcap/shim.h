// libpcap, from Debian's libpcap-dev. The header lives in a pcap/ subfolder.
#ifndef SIPTOOL_CPCAP_SHIM_H
#define SIPTOOL_CPCAP_SHIM_H
#include <pcap/pcap.h>

#endif
