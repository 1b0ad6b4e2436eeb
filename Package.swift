// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "qmailkit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SMTPEngine", targets: ["SMTPEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: [
        .target(name: "SMTPEngine"),
        .testTarget(
            name: "SMTPEngineTests",
            dependencies: [
                "SMTPEngine",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
