// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "qmailkit",
    platforms: [.macOS(.v13)],
    targets: [
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(name: "Archive", dependencies: ["CZlib"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "CZlib"]),
    ]
)
