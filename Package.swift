// swift-tools-version:6.0
import PackageDescription

// Sagebox runs on Linux only: jobs use mount namespaces, cgroups and /proc, and the code calls Glibc directly.
// No Apple platform is declared, and a build elsewhere stops at the #error in Runner/Launch/Isolation.swift.
let package = Package(
    name: "sagebox",
    products: [
        .executable(name: "sagebox", targets: ["sagebox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .systemLibrary(name: "CArchive", path: "Sources/CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .target(name: "Archive", dependencies: ["CArchive"]),
        .target(
            name: "Runner",
            dependencies: [.product(name: "Subprocess", package: "swift-subprocess")]
        ),
        .target(
            name: "AWSWire",
            dependencies: [
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "ObjectStore",
            dependencies: [
                "AWSWire",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "CloudWatchLogs",
            dependencies: ["AWSWire", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "CloudWatchMetrics",
            dependencies: ["AWSWire", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(name: "Checkpoints", dependencies: ["AWSWire", "ObjectStore"]),
        .target(
            name: "TrainingJobs",
            dependencies: [
                "AWSWire", "ObjectStore", "CloudWatchLogs", "CloudWatchMetrics", "Runner", "Archive", "Checkpoints",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "SageMaker",
            dependencies: ["AWSWire", "TrainingJobs", "Runner"]
        ),
        .target(
            name: "S3",
            dependencies: [
                "AWSWire", "ObjectStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Dashboard",
            dependencies: [
                "AWSWire", "ObjectStore", "CloudWatchLogs", "CloudWatchMetrics", "TrainingJobs",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .target(
            name: "SageboxServer",
            dependencies: [
                "AWSWire", "ObjectStore", "S3", "CloudWatchLogs", "CloudWatchMetrics", "TrainingJobs", "SageMaker", "Runner", "Dashboard",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "sagebox",
            dependencies: [
                "SageboxServer", "Runner", "AWSWire", "CMalloc",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "AWSWireTests", dependencies: ["AWSWire"]),
        .testTarget(name: "S3Tests", dependencies: ["S3"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive"]),
        .testTarget(
            name: "TrainingJobsTests",
            dependencies: ["TrainingJobs", "Checkpoints", "ObjectStore", "AWSWire", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "RunnerTests", dependencies: ["Runner"]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "TrainingJobs", "AWSWire"]),
        .testTarget(name: "CloudWatchMetricsTests", dependencies: ["CloudWatchMetrics", "AWSWire"]),
        .testTarget(
            name: "ObjectStoreTests",
            dependencies: [
                "ObjectStore", "AWSWire", .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets, one per decoder a hostile request reaches. Only scripts/fuzz.sh declares them (SAGEBOX_FUZZ=1,
// built into .build-fuzz with -sanitize=fuzzer), so the ordinary build neither compiles nor links them.
if Context.environment["SAGEBOX_FUZZ"] != nil {
    package.targets.append(.systemLibrary(name: "CFuzzer", path: "fuzz/Sources/CFuzzer"))
    package.targets.append(.target(name: "FuzzSupport", dependencies: ["CFuzzer"], path: "fuzz/Sources/FuzzSupport"))
    for name in ["FuzzXML", "FuzzJSON", "FuzzQuery", "FuzzSigV4", "FuzzAWSChunked", "FuzzMultipart"] {
        package.targets.append(
            .executableTarget(
                name: name, dependencies: ["AWSWire", "FuzzSupport", .product(name: "NIOCore", package: "swift-nio")],
                path: "fuzz/Sources/\(name)"))
    }
}
