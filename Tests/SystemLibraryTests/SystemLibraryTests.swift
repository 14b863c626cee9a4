// Checks that the system-library targets declared in Package.swift really build and link
// against Debian's libpcap-dev and libsrtp2-dev, so a broken declaration shows here first.
import CPcap
import CSRTP
import Testing

@Suite struct SystemLibraryTests {
    @Test func libpcapReportsItsVersion() {
        let version = String(cString: pcap_lib_version())
        #expect(version.hasPrefix("libpcap version"))
    }

    @Test func libsrtp2InitialisesAndReportsItsVersion() {
        #expect(srtp_init() == srtp_err_status_ok)
        let version = String(cString: srtp_get_version_string())
        #expect(version.hasPrefix("libsrtp2"))
        #expect(srtp_shutdown() == srtp_err_status_ok)
    }
}
