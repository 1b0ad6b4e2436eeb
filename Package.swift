// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "qmailkit",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "QmailBuild", targets: ["QmailBuild"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: [
        .target(
            name: "QmailBuild",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "QmailBuildTests",
            dependencies: ["QmailBuild"]
        ),
    ]
)
