// swift-tools-version:6.0
// Interforce: a federated information-sharing node for police forces.
// Layers, each a target, arrows pointing one way (see docs/ARCHITECTURE.md):
//   C shims -> InterforceCore (pure) -> InterforceStore (SQLite) -> InterforceTransport (HTTPS) -> InterforceNode
//   -> interforce (CLI)
// No Swift package dependencies: system C libraries from Debian only.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Interforce",
    products: [
        .executable(name: "interforce", targets: ["interforce"]),
        .executable(name: "interforce-bench", targets: ["interforce-bench"]),
    ],
    targets: [
        // C shims: module maps over Debian's headers, plus static inline helpers where C is variadic or macro-only.
        .systemLibrary(name: "CSodium", path: "Sources/CSodium", pkgConfig: "libsodium",
                       providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", path: "Sources/CMicroHTTPD", pkgConfig: "libmicrohttpd",
                       providers: [.apt(["libmicrohttpd-dev", "libgnutls28-dev"])]),

        .target(name: "InterforceCore", dependencies: ["CSodium"], swiftSettings: strict),
        .target(name: "InterforceStore", dependencies: ["InterforceCore", "CSQLite"], swiftSettings: strict),
        .target(name: "InterforceTransport", dependencies: ["CCurl", "CMicroHTTPD"], swiftSettings: strict),
        .target(name: "InterforceNode", dependencies: ["InterforceCore", "InterforceStore", "InterforceTransport"],
                swiftSettings: strict),
        .executableTarget(name: "interforce", dependencies: ["InterforceNode", "InterforceCore"], swiftSettings: strict),
        .executableTarget(name: "interforce-bench", dependencies: ["InterforceNode", "InterforceStore", "InterforceCore"],
                          swiftSettings: strict),

        .target(name: "InterforceTestSupport", dependencies: ["InterforceCore", "InterforceStore", "InterforceNode"],
                path: "Tests/InterforceTestSupport", swiftSettings: strict),
        .testTarget(name: "InterforceCoreTests", dependencies: ["InterforceCore", "InterforceTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "InterforceStoreTests", dependencies: ["InterforceStore", "InterforceTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "InterforceNodeTests",
                    dependencies: ["InterforceNode", "InterforceStore", "InterforceCore", "InterforceTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "InterforceTransportTests", dependencies: ["InterforceTransport", "InterforceTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "InterforceFederationTests",
                    dependencies: ["InterforceCore", "InterforceTransport", "InterforceTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "InterforceCLITests", dependencies: ["InterforceCore", "InterforceTestSupport"],
                    swiftSettings: strict),
    ]
)
