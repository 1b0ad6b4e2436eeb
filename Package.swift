// swift-tools-version:6.0
import PackageDescription

// Linux only (glibc): the server, the conformance targets and the build use
// Glibc calls and Linux socket flags directly, and the system libraries come
// from Debian packages; see README.
let package = Package(
    name: "qmailkit",
    products: [
        .executable(name: "qmailkit-benchmarks", targets: ["Benchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // libbz2 ships no pkg-config file; Debian puts bzlib.h and libbz2.so on the default paths.
        .systemLibrary(name: "CBzip2", path: "Sources/CBzip2", providers: [.apt(["libbz2-dev"])]),
        .systemLibrary(name: "CLzma", path: "Sources/CLzma", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CGit2", path: "Sources/CGit2", pkgConfig: "libgit2",
                       providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .target(name: "Archive", dependencies: ["CZlib", "CBzip2", "CLzma"]),
        .target(name: "GitStore", dependencies: ["CGit2"]),
        .target(name: "Staging"),
        .target(name: "SourceFetch", dependencies: ["Staging", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "DiffFormat", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Recipes", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "Console"),
        .target(name: "QmailBuild", dependencies: ["Spawn", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "QmailInstall", dependencies: ["QmailBuild", "Spawn"]),
        .target(name: "SMTPEngine"),
        .target(name: "Workers"),
        .target(name: "SeededRandom"),
        .target(name: "CViewSpawn"),
        .target(name: "Spawn", dependencies: ["CViewSpawn"]),
        .target(name: "SMTPServer", dependencies: [
            "SMTPEngine", "COpenSSL", "Spawn",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .target(name: "Conformance", dependencies: [
            "QmailBuild", "SeededRandom", "SMTPEngine", "SMTPServer", "Spawn", "Workers",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .target(name: "SourceImport", dependencies: ["Archive", "GitStore", "Recipes", "SourceFetch"]),
        .target(name: "PatchEngine", dependencies: [
            "Archive", "DiffFormat", "GitStore", "Recipes", "Staging", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "SelectionMatrix", dependencies: ["Conformance", "PatchEngine", "QmailBuild", "Workers"]),
        .target(name: "CIWorkflow", dependencies: ["QmailBuild", "SelectionMatrix", .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "qmailkit", dependencies: [
            "Archive", "CIWorkflow", "Conformance", "Console", "DiffFormat", "PatchEngine", "QmailBuild", "QmailInstall", "Recipes", "SelectionMatrix",
            "SMTPServer", .product(name: "NIOCore", package: "swift-nio"),
            "SourceFetch", "SourceImport", "Staging",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "Benchmarks", dependencies: [
            "Conformance", "GitStore", "PatchEngine", "QmailBuild", "Recipes", "SourceFetch", "SourceImport", "Spawn",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "TestSupport", dependencies: ["SeededRandom", "Spawn"], path: "Tests/TestSupport"),
        .target(name: "RealBuildSupport", dependencies: [
            "TestSupport", "Conformance", "DiffFormat", "GitStore", "PatchEngine", "QmailBuild", "Recipes", "SourceFetch", "SourceImport",
        ], path: "Tests/RealBuildSupport"),
        .testTarget(name: "ArchiveTests", dependencies: ["TestSupport", "Archive", "CZlib"]),
        .testTarget(name: "GitStoreTests", dependencies: ["TestSupport", "GitStore"]),
        .testTarget(name: "SourceFetchTests", dependencies: ["TestSupport", "SourceFetch", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "StagingTests", dependencies: ["TestSupport", "Staging"]),
        .testTarget(name: "DiffFormatTests", dependencies: ["TestSupport", "DiffFormat"]),
        .testTarget(name: "WorkersTests", dependencies: ["Workers"]),
        .testTarget(name: "RecipesTests", dependencies: ["TestSupport", "Recipes"]),
        .testTarget(name: "QmailBuildTests", dependencies: ["TestSupport", "QmailBuild"]),
        .testTarget(name: "QmailInstallTests", dependencies: ["TestSupport", "QmailInstall", "QmailBuild"]),
        .testTarget(name: "SMTPEngineTests", dependencies: ["TestSupport", "SMTPEngine", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "SMTPServerTests", dependencies: [
            "TestSupport", "SMTPServer", "SMTPEngine", "Conformance",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "PatchEngineTests", dependencies: ["TestSupport", "PatchEngine", "DiffFormat", "GitStore", "Recipes", "SeededRandom"]),
        .testTarget(name: "PatchSetTests", dependencies: ["TestSupport", "RealBuildSupport", "DiffFormat", "PatchEngine", "SourceImport", "Recipes", "QmailBuild", "GitStore", "SourceFetch", "Conformance", "SMTPEngine", "Spawn"]),
        .testTarget(name: "ConformanceTests", dependencies: ["TestSupport", "RealBuildSupport", "Conformance", "SMTPEngine", "SMTPServer", "QmailBuild", "PatchEngine", "qmailkit"]),
        .testTarget(name: "SelectionMatrixTests", dependencies: [
            "TestSupport", "SelectionMatrix", "CIWorkflow", .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "CLITests", dependencies: [
            "TestSupport", "RealBuildSupport", "qmailkit", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams"),
        ]),
    ]
)
