/// One thing to put in a staged qmail home: a directory, a file and where its
/// bytes come from, a FIFO; with the mode, owner and group it must end up with.
public struct InstallEntry: Sendable, Equatable {
    /// Where the bytes of a file come from.
    public enum Kind: Sendable, Equatable {
        case directory
        /// A file of the build folder, copied as it is.
        case built(String)
        /// A manual page source (`forward.1`): the build folder's file, else made from its
        /// `.9` template as `make man` does (see `ManualPages`).
        case manualPage(String)
        /// A formatted manual page: the build folder's `.0` file, else `nroff -man` of `source` (as `make man` does).
        case formattedPage(source: String, formatted: String)
        /// `count` zero bytes (qmail's `queue/lock/tcpto`).
        case zeroes(count: Int)
        /// A named pipe (qmail's `queue/lock/trigger`).
        case fifo
        /// Text written by qmailkit (run scripts, starter control files).
        case text(String)
        /// A self-signed certificate and its key (EC P-256) for `commonName`, made with openssl.
        case selfSignedCertificate(commonName: String)
    }

    /// Relative to the qmail home, without a leading slash; "" is the home itself.
    public var path: String
    public var kind: Kind
    /// Permission bits, setuid and setgid included (e.g. 0o4711).
    public var mode: UInt32
    public var owner: String
    public var group: String

    public init(path: String, kind: Kind, mode: UInt32, owner: String, group: String) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.owner = owner
        self.group = group
    }

    /// True for setuid or setgid entries: their mode must be set again after a chown, which clears those bits.
    public var isPrivileged: Bool { mode & 0o6000 != 0 }

    /// `path` under `home` (an absolute path without a trailing slash).
    public func location(in home: String) -> String {
        path.isEmpty ? home : home + "/" + path
    }
}
