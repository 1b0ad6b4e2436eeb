/// What `pkg-config` reports for OpenSSL, used when the tree has a `conf-ssl` file.
public struct OpenSSLFlags: Sendable, Equatable {
    /// `pkg-config --libs openssl`, e.g. `-lssl -lcrypto`.
    public var libs: String
    /// `pkg-config --cflags openssl`, often empty on Debian.
    public var cflags: String
    /// `pkg-config --modversion openssl`, e.g. `3.0.19`.
    public var version: String

    public init(libs: String, cflags: String, version: String) {
        self.libs = libs
        self.cflags = cflags
        self.version = version
    }
}
