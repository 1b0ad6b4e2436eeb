// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "qmailkit",
    products: [
        .library(name: "DiffFormat", targets: ["DiffFormat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: [
        .target(
            name: "DiffFormat",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "DiffFormatTests",
            dependencies: ["DiffFormat"]
        ),
    ]
)
