/// A qmail-remote scenario: the receiving server (the test peer), the
/// delivery qmail-remote is asked to make, and what must come of it.
public struct RemoteSetup: Sendable, Equatable {
    /// `peer:` lines.
    public var peer = PeerSetup()
    /// `host:` — qmail-remote's first argument (looked up in smtproutes).
    public var host = "example.net"
    /// `sender:` — the envelope sender.
    public var sender = "joe@example.org"
    /// `recipient:` lines; `bob@example.net` when none is given.
    public var recipients: [String] = []
    /// `message:` — qmail-remote's stdin (escapes allowed).
    public var message: [UInt8] = Array("Subject: conformance\n\nhello\n".utf8)
    /// `sent:` lines: every command line qmail-remote sent, in order.
    public var sent: [LineExpectation] = []
    /// `report:` lines: every field of qmail-remote's report, in order.
    public var report: [LineExpectation] = []

    public init() {}

    /// The recipients qmail-remote is given.
    public var effectiveRecipients: [String] { recipients.isEmpty ? ["bob@example.net"] : recipients }
}

/// One expected line with the scenario file line it was written on.
public struct LineExpectation: Sendable, Equatable {
    public var match: LineMatch
    public var line: Int

    public init(_ match: LineMatch, line: Int) {
        self.match = match
        self.line = line
    }
}

/// How the test peer is set up. Certificate and AUTH switch on the reference
/// engine's tls and auth features; the mechanism list and the scripted
/// answers are the peer's own knobs, applied in front of the engine.
public struct PeerSetup: Sendable, Equatable {
    /// `peer: certificate NAME` — control/servercert.pem (STARTTLS offered); nil = no STARTTLS.
    public var certificate: String?
    /// `peer: smtps` — TLS from the first byte on 127.0.0.1:465.
    public var smtps = false
    /// `peer: auth MECH…` — the mechanisms the EHLO reply advertises (the
    /// engine accepts LOGIN, PLAIN and CRAM-MD5 with the suite's
    /// checkpassword: alice/secret); nil = no AUTH.
    public var authOffer: [String]?
    /// `peer: answer VERB REPLY` — the peer answers this command (upper case)
    /// itself with REPLY, and the engine never sees it.
    public var answers: [String: [UInt8]] = [:]

    public init() {}

    /// The port the peer listens on (0: any free port).
    public var port: Int { smtps ? 465 : 0 }
}
