// swift-tools-version:6.1
// siptool: SIP/RTP diagnostics and test calls. See README.md and shared DESIGN notes in docs.
import PackageDescription

/// Settings every Swift target of ours shares: Swift 6 language mode (the tools-version
/// default) plus imports that must be explicit per file.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "siptool",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "siptool", targets: ["siptool"]),
        .executable(name: "siptool-bench", targets: ["SiptoolBench"]),
        .library(name: "SIPMessages", targets: ["SIPMessages"]),
        .library(name: "SDP", targets: ["SDP"]),
        .library(name: "SIPAuth", targets: ["SIPAuth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // MARK: - C system libraries (Debian: libpcap-dev, libsrtp2-dev)
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]
        ),
        .systemLibrary(
            name: "CSRTP",
            pkgConfig: "libsrtp2",
            providers: [.apt(["libsrtp2-dev"]), .brew(["srtp"])]
        ),

        // MARK: - Sans-IO core
        .target(
            name: "SIPMessages",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SDP",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SIPAuth",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "DNSResolution",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SIPTransaction",
            dependencies: ["SIPMessages"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SIPUserAgent",
            dependencies: ["SIPMessages", "SIPTransaction", "SDP", "SIPAuth"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CKernels"
        ),
        .target(
            name: "RTP",
            dependencies: ["CKernels"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PacketDecoding",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PcapIO",
            dependencies: ["CPcap"],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "Diagnosis",
            dependencies: ["SIPMessages", "SDP", "SIPAuth", "RTP", "PacketDecoding"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Front end
        .target(
            name: "SiptoolRuntime",
            dependencies: [
                "SIPMessages", "SDP", "SIPTransaction", "SIPUserAgent", "RTP", "PcapIO", "PacketDecoding", "Diagnosis", "DNSResolution",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SiptoolCLI",
            dependencies: ["SIPMessages", "SDP", "SIPAuth", "Diagnosis", "PacketDecoding", "PcapIO", "SiptoolRuntime", "SIPUserAgent", "RTP", "DNSResolution"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "siptool",
            dependencies: ["SiptoolCLI"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SiptoolBench",
            dependencies: ["SIPMessages", "SDP", "SIPAuth"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests
        .testTarget(
            name: "SIPMessagesTests",
            dependencies: ["SIPMessages"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SDPTests",
            dependencies: ["SDP"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SIPAuthTests",
            dependencies: ["SIPAuth", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SiptoolCLITests",
            dependencies: ["SiptoolCLI", "SiptoolRuntime", "SIPMessages", "SDP", "PcapIO", "RTP"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DNSResolutionTests",
            dependencies: ["DNSResolution"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SIPTransactionTests",
            dependencies: ["SIPTransaction", "SIPMessages"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SIPUserAgentTests",
            dependencies: ["SIPUserAgent", "SIPTransaction", "SIPMessages", "SIPAuth"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RTPTests",
            dependencies: ["RTP"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PacketDecodingTests",
            dependencies: ["PacketDecoding"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PcapIOTests",
            dependencies: ["PcapIO"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DiagnosisTests",
            dependencies: ["Diagnosis", "SIPMessages", "SDP", "SIPAuth", "PacketDecoding"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SystemLibraryTests",
            dependencies: ["CPcap", "CSRTP"],
            swiftSettings: swiftSettings
        ),
    ]
)
