import SMTPEngine

/// One conformance scenario: the setting of one qmail-smtpd connection and
/// the dialogue expected on it. Parsed from a `.scn` file by `ScenarioParser`.
public struct Scenario: Sendable, Equatable {
    /// Unique within the suite; used in reports.
    public var name: String
    /// Where it was written (file name and line of its `name:`).
    public var file: String
    public var line: Int
    /// `desc:` text, if any.
    public var summary: String?
    /// `spec:` references (e.g. `docs/stock-smtpd.md#replies`, `RFC 5321 4.1.4`).
    public var spec: [String]
    /// `features:` — which patches must be (or must not be) built in.
    public var features: FeatureRequirement
    /// `env:` changes to the base environment: a value sets, `nil` unsets.
    public var environment: [String: String?]
    /// `control:` changes to the base control files: bytes write the file,
    /// `nil` removes it. `.directory` puts a directory in its place (an
    /// unreadable control file).
    public var controls: [String: ControlFile]
    /// `args:` — qmail-smtpd's arguments; `checkpassword` stands for the
    /// suite's check program (see `CheckPasswordStandIn`).
    public var arguments: [String]
    /// `queue-exit:` — how the capture queue program ends.
    public var queueOutcome: QueueOutcome
    /// `targets:` — the target kinds that can run it (`ref`, `build`); empty = all.
    public var targets: Set<String>
    /// The dialogue.
    public var steps: [Step]
    /// `queue:` blocks, in order: exactly these messages must be queued.
    public var queue: [QueuedMessage]
    /// `expect-exit:` — the process's exit status, if checked.
    public var exitStatus: Int32?
    /// `stderr:` — what qmail-smtpd writes on descriptor 2 over the whole
    /// scenario (`.exact([])` for `stderr: empty`); nil = not checked.
    public var stderr: LineMatch?
    /// `program: qmail-remote` — the target's qmail-remote is the client and a
    /// test peer the server (see `RemoteSetup`); nil for qmail-smtpd scenarios.
    /// `queue:` lines then describe what the peer received.
    public var remote: RemoteSetup?

    public init(name: String, file: String, line: Int) {
        self.name = name
        self.file = file
        self.line = line
        summary = nil
        spec = []
        features = FeatureRequirement()
        environment = [:]
        controls = [:]
        arguments = []
        queueOutcome = .exit(0)
        targets = []
        steps = []
        queue = []
        exitStatus = nil
        stderr = nil
        remote = nil
    }

    /// Whether a target with `features` and of kind `kind` runs this scenario.
    public func applies(to features: Features, kind: String) -> Bool {
        self.features.isSatisfied(by: features) && (targets.isEmpty || targets.contains(kind))
    }
}

/// Patches a scenario needs (`auth`) or needs absent (`!auth`).
public struct FeatureRequirement: Sendable, Equatable {
    public var required: Features = []
    public var excluded: Features = []

    public init(required: Features = [], excluded: Features = []) {
        self.required = required
        self.excluded = excluded
    }

    /// True when every required feature is present and no excluded one is.
    public func isSatisfied(by features: Features) -> Bool {
        features.isSuperset(of: required) && features.isDisjoint(with: excluded)
    }

    /// The smallest buildable selection this requirement applies to, if any.
    public var smallestSelection: Features? {
        let selection = required.withRequirements
        return isSatisfied(by: selection) ? selection : nil
    }
}

/// A control file as a scenario sets it.
public enum ControlFile: Sendable, Equatable {
    case contents([UInt8])
    case absent
    /// A directory in the file's place: opening works, reading fails.
    case directory
    /// One of the suite's generated certificates (`SuitePKI`).
    case certificate(String)
}

/// How the queue program ends for every message of a scenario.
public enum QueueOutcome: Sendable, Equatable {
    case exit(Int32)
    /// Killed by a signal.
    case crash
}

/// One step of the dialogue, with the line it was written on.
public struct Step: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `> text` (CRLF appended) or `>> bytes` (sent exactly).
        case send([UInt8])
        /// `< line` / `< ~ regex`: the next reply line.
        case expect(LineMatch)
        /// `cram: user password` — answer the last `334` challenge.
        case cramResponse(user: String, password: String)
        /// `close` — the client shuts down its sending side.
        case close
        /// `eof` — the server must close the connection now (no more lines).
        case expectEOF
        /// `tls` / `tls: relay max=1.2` — a TLS handshake now, as `TLSOffer` says.
        case startTLS(TLSOffer)
        /// `tls-refused: max=1.1` — a handshake now that must fail; the
        /// server must then end the connection (what it writes is not read).
        case refusedTLS(TLSOffer)
        /// `silence: 1.5` — for this many seconds the client sends nothing
        /// and the server must say nothing and keep the connection open.
        case silence(seconds: Double)
        /// `within: 3` — the next `<` or `eof` must come within this many
        /// seconds (instead of the runner's reply wait).
        case within(seconds: Double)
        /// `reconnect` — the client closes, the server must end, and a new
        /// connection starts with these control files changed (`control:`
        /// and `pki:` lines after the `reconnect`).
        case reconnect(controls: [String: ControlFile])
    }
    public var kind: Kind
    public var line: Int

    public init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }
}

/// What the suite's TLS client offers in a handshake: a `SuitePKI` client
/// certificate, the protocol versions and the TLS 1.2 cipher suites
/// (a BoringSSL cipher list). Nil fields take the client's defaults.
public struct TLSOffer: Sendable, Equatable {
    public var certificate: String?
    public var minimumVersion: TLSProtocolVersion?
    public var maximumVersion: TLSProtocolVersion?
    public var ciphers: String?

    public init(certificate: String? = nil, minimumVersion: TLSProtocolVersion? = nil,
                maximumVersion: TLSProtocolVersion? = nil, ciphers: String? = nil) {
        self.certificate = certificate
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.ciphers = ciphers
    }

    /// The words of a `tls:` line: `relay min=1.2 max=1.3 ciphers=AES128-SHA`.
    public var words: [String] {
        [certificate, minimumVersion.map { "min=\($0.rawValue)" }, maximumVersion.map { "max=\($0.rawValue)" },
         ciphers.map { "ciphers=\($0)" }].compactMap { $0 }
    }
}

/// A TLS protocol version as scenarios write it.
public enum TLSProtocolVersion: String, Sendable, Equatable, CaseIterable {
    case tls10 = "1.0", tls11 = "1.1", tls12 = "1.2", tls13 = "1.3"
}

/// How an expected line (reply, envelope, message part) is compared.
public enum LineMatch: Sendable, Equatable, CustomStringConvertible {
    /// Byte for byte.
    case exact([UInt8])
    /// An ICU regular expression that must match somewhere (anchor it).
    case regex(String)

    public var description: String {
        switch self {
        case .exact(let bytes): return ByteEscapes.encode(bytes)
        case .regex(let pattern): return "~ " + pattern
        }
    }
}

/// What one queued message must look like.
public struct QueuedMessage: Sendable, Equatable {
    /// The envelope bytes (`F…\0T…\0\0`).
    public var envelope: LineMatch
    /// The first two lines (qmail-smtpd's Received header), if checked.
    public var received: LineMatch?
    /// Everything after the Received header, if checked.
    public var body: LineMatch?
    public var line: Int

    public init(envelope: LineMatch, line: Int) {
        self.envelope = envelope
        self.line = line
    }
}

extension Scenario {
    /// Seconds this scenario spends waiting by design rather than working:
    /// its `silence:` pauses, the control/timeoutsmtpd it sets (a scenario
    /// sets one to see it expire) and an AUTHSLEEP pause (at most the 5 s
    /// default). Used only to start such scenarios first.
    public var expectedWait: Double {
        var seconds = steps.reduce(0.0) { total, step in
            if case .silence(let pause) = step.kind { total + pause } else { total }
        }
        if case .contents(let bytes) = controls["timeoutsmtpd"],
           let timeout = Double(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) {
            seconds += timeout
        }
        if let value = environment["AUTHSLEEP"] ?? nil, let pause = Double(value) {
            seconds += min(pause, 5)
        }
        return seconds
    }
}
