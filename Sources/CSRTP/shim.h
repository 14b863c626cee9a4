// libsrtp2, from Debian's libsrtp2-dev. Its headers live in an srtp2/ subfolder.
#ifndef SIPTOOL_CSRTP_SHIM_H
#define SIPTOOL_CSRTP_SHIM_H
#include <srtp2/srtp.h>
#endif
