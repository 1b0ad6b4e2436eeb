import CGit2

/// Who made a commit and when: name, e-mail, seconds since the Unix epoch and
/// the time-zone offset in minutes east of UTC.
///
/// The time is always explicit (there is no "now"), so the same tree, parents,
/// message and signatures always give the same commit id.
public struct GitSignature: Hashable, Sendable {
    public var name: String
    public var email: String
    public var time: Int64
    public var offsetMinutes: Int32

    public init(name: String, email: String, time: Int64, offsetMinutes: Int32 = 0) {
        self.name = name
        self.email = email
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    init(_ signature: UnsafePointer<git_signature>) {
        let value = signature.pointee
        name = String(cString: value.name)
        email = String(cString: value.email)
        time = value.when.time
        offsetMinutes = value.when.offset
    }

    /// Calls `body` with a libgit2 copy of this signature, freed afterwards.
    /// libgit2 refuses names or e-mails that are empty or contain '<', '>' or
    /// a newline; that error names the signature's role.
    func withGitSignature<Result>(
        role: String, _ body: (UnsafePointer<git_signature>) throws(GitError) -> Result
    ) throws(GitError) -> Result {
        var signature: UnsafeMutablePointer<git_signature>?
        try check(
            git_signature_new(&signature, name, email, git_time_t(time), Int32(offsetMinutes)),
            "use \(role) signature '\(name) <\(email)>'")
        defer { git_signature_free(signature) }
        return try body(signature!)
    }
}
