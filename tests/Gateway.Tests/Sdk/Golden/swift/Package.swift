// swift-tools-version:5.5
import PackageDescription

let package = Package(
    name: "ShopSdk",
    platforms: [.iOS(.v13), .macOS(.v10_15)],
    products: [.library(name: "ShopSdk", targets: ["ShopSdk"])],
    targets: [.target(name: "ShopSdk")]
)
