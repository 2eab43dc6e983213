// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "NCLandscape",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "NCLandscape", targets: ["NCLandscape"]),
        .executable(name: "nclandscape", targets: ["nclandscape"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // LAPACKE + OpenBLAS CBLAS + ARPACK (Debian: liblapacke-dev, libopenblas-dev, libarpack2-dev).
        .systemLibrary(name: "CLinearAlgebra", path: "Sources/CLinearAlgebra"),
        .target(name: "NCLandscape", dependencies: ["CLinearAlgebra"]),
        .executableTarget(
            name: "nclandscape",
            dependencies: ["NCLandscape", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Fixtures are read from the source tree by path (no bundle needed).
        .testTarget(name: "NCLandscapeTests", dependencies: ["NCLandscape"], exclude: ["Fixtures"]),
    ]
)
