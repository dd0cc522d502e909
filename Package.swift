// swift-tools-version:6.1
import PackageDescription

// One set of settings for every Swift target, as hummingbird and swift-log do.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The executables allocate with jemalloc instead of glibc's malloc: parsing feeds allocates many
/// small strings and arrays on both cores, and with jemalloc `gazette parse` took 5% less time
/// on bench/parse's corpus (median of 25 paired runs, faster in 22). Linking it is enough: the
/// executable's malloc comes first.
let executableLinkerSettings: [LinkerSetting] = [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]

let package = Package(
    name: "gazette",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gazette", targets: ["gazette"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
    ],
    targets: [
        // Layer 0: values, no I/O.
        .target(name: "GazetteCore", swiftSettings: swiftSettings),

        // C libraries: system-library targets with a shim for variadic calls.
        // libcurl's headers only: the library is opened on first use (see Sources/CCurl/shim.h),
        // so pkg-config's `-lcurl` must not reach the link. The headers come with
        // libcurl4-openssl-dev, in the compiler's default include path.
        .systemLibrary(name: "CCurl"),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "Curl",
            dependencies: ["CCurl", "GazetteCore"],
            swiftSettings: swiftSettings,
            // dlopen and dlsym: in libc since glibc 2.34, in libdl before (an empty stub after).
            linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]
        ),

        // Layer 1: storage and pure transformations.
        .target(
            name: "GazetteStore",
            dependencies: ["GazetteCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GazetteSummarize",
            dependencies: ["GazetteCore", .product(name: "HeapModule", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GazetteRender",
            dependencies: ["GazetteCore", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: swiftSettings
        ),

        // Layer 2: each owns one kind of I/O.
        .target(
            name: "GazetteIngest",
            dependencies: ["GazetteCore", "Curl", "CLibXML2"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GazetteMail",
            dependencies: [
                "GazetteCore", "Curl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        // Layer 3: the pipeline that composes the stages.
        .target(
            name: "GazetteApp",
            dependencies: [
                "GazetteCore", "GazetteStore", "GazetteIngest", "GazetteRender", "GazetteMail", "GazetteSummarize",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // Layer 4: the faces: HTTP (feeds, unsubscribe, archive) and the command line.
        .target(
            name: "GazetteWeb",
            dependencies: [
                "GazetteApp", "GazetteCore", "GazetteStore", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gazette",
            dependencies: [
                "GazetteApp", "GazetteWeb", "GazetteCore", "GazetteStore", "GazetteRender", "GazetteIngest",
                "GazetteSummarize",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: executableLinkerSettings
        ),

        // Throughput figures at reference scale, for bench/render; not part of the user's CLI.
        .executableTarget(
            name: "gazette-bench",
            dependencies: [
                "GazetteApp", "GazetteCore", "GazetteStore", "GazetteRender",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            // Measures what `gazette` does, so allocates as `gazette` does.
            linkerSettings: executableLinkerSettings
        ),

        .testTarget(name: "GazetteCoreTests", dependencies: ["GazetteCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GazetteSummarizeTests",
            dependencies: ["GazetteSummarize", "GazetteCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GazetteStoreTests",
            dependencies: [
                "GazetteStore", "GazetteCore", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GazetteIngestTests",
            dependencies: ["GazetteIngest", "GazetteCore", "Curl", "TestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GazetteRenderTests",
            dependencies: ["GazetteRender", "GazetteCore", "TestSupport"],
            // Read from the checkout by path, so that GAZETTE_UPDATE_GOLDEN=1 can rewrite them.
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GazetteMailTests",
            dependencies: ["GazetteMail", "GazetteRender", "GazetteCore", "Curl", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GazetteAppTests",
            dependencies: [
                "GazetteApp", "GazetteCore", "GazetteStore", "GazetteMail", "GazetteSummarize", "Curl", "TestSupport",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                // To break the store on purpose mid-run (a ledger write that fails).
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GazetteWebTests",
            dependencies: [
                "GazetteWeb", "GazetteApp", "GazetteCore", "GazetteStore", "GazetteMail", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the tests: temporary folders, Python peers, paths to the repo.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),
    ]
)
