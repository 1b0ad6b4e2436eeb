// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "qmailkit",
    products: [
        .library(name: "GitStore", targets: ["GitStore"]),
    ],
    targets: [
        .systemLibrary(
            name: "CGit2",
            path: "Sources/CGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .target(
            name: "GitStore",
            dependencies: ["CGit2"]
        ),
        .testTarget(
            name: "GitStoreTests",
            dependencies: ["GitStore"]
        ),
    ]
)
