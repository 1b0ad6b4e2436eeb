// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "qmailkit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SourceFetch", targets: ["SourceFetch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: [
        .target(
            name: "SourceFetch",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "SourceFetchTests",
            dependencies: [
                "SourceFetch",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
