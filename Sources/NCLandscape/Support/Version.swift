/// Version strings recorded in every report.
public enum SoftwareVersion {
    public static let nclandscape = "0.1.0"
    public static var swift: String {
        #if swift(>=6.3)
        return "Swift 6.3+"
        #elseif swift(>=6.0)
        return "Swift 6.x"
        #else
        return "Swift 5.x"
        #endif
    }
    public static var summary: String { "nclandscape \(nclandscape), \(swift), LAPACK 3 (LAPACKE), \(BLASRuntime.summary)" }
}
