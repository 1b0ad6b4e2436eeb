/// Everything one qmail-smtpd process reads before its greeting: control
/// values, environment, the check program, the local addresses, which
/// features are built in, and the injected process id and clock.
///
/// Values are stored as qmail reads them (see `ControlFileRules`); the
/// derived settings (`greeting`, `databytes`, …) follow qmail's defaults.
/// `ConfigurationLoader` builds one from a control directory; tests build
/// them directly.
public struct SessionConfiguration: Sendable {
    /// `control/me`, first line; `nil` if absent.
    public var me: [UInt8]?
    /// `control/smtpgreeting`, first line; `nil` if absent.
    public var smtpGreeting: [UInt8]?
    /// `control/localiphost`, first line; `nil` if absent.
    public var localIPHost: [UInt8]?
    /// `control/timeoutsmtpd` as a number, `nil` if absent or not numeric.
    public var timeoutSMTPD: UInt64?
    /// `control/databytes` as a number, `nil` if absent or not numeric.
    public var controlDatabytes: UInt64?
    /// `control/rcpthosts` and `control/morercpthosts.cdb`.
    public var recipientHosts: RecipientHosts
    /// `control/badmailfrom` entries; `nil` if absent.
    public var badMailFrom: [[UInt8]]?
    /// `control/maxrcpt` as a number (maxrcpt feature); `nil` = no limit.
    public var maxRecipients: UInt64?
    /// `control/policy` (empf feature).
    public var policy: PolicySource
    /// `control/servercert.pem` (tls feature).
    public var serverCertificate: ServerCertificate
    /// `control/tlsclients` (tls feature): client certificate e-mail
    /// addresses allowed to relay.
    public var tlsClients: TLSClients
    /// The environment variables of the session.
    public var environment: SessionEnvironment
    /// `argv[1...]` of qmail-smtpd: the checkpassword-style program and its
    /// arguments (auth feature). Empty means AUTH is not available.
    public var checkProgram: [String]
    /// The patches this build carries.
    public var features: Features
    /// HELP and smtplf texts.
    public var flavour: Flavour
    /// Addresses `[d.d.d.d]` may name to mean this host (ipme, incl. 0.0.0.0).
    public var localAddresses: Set<IPv4Address>
    /// Stand-in for qmail's allocation failure: a command or AUTH line (or
    /// input held while an action is pending) longer than this many bytes
    /// gets `421 out of memory (#4.3.0)`.
    public var memoryLimit: Int
    /// qmail-smtpd's own pid (used in the CRAM-MD5 challenge).
    public var processID: Int
    /// Unix time in seconds (250 reply, Received line, CRAM-MD5 challenge).
    public var clock: @Sendable () -> Int64

    public init(me: [UInt8]?, smtpGreeting: [UInt8]? = nil, localIPHost: [UInt8]? = nil,
                timeoutSMTPD: UInt64? = nil, controlDatabytes: UInt64? = nil,
                recipientHosts: RecipientHosts = .open, badMailFrom: [[UInt8]]? = nil,
                maxRecipients: UInt64? = nil, policy: PolicySource = .absent,
                serverCertificate: ServerCertificate = .missing(reason: "control/servercert.pem does not exist"),
                tlsClients: TLSClients = .absent,
                environment: SessionEnvironment = SessionEnvironment(), checkProgram: [String] = [],
                features: Features = [], flavour: Flavour = .netqmail,
                localAddresses: Set<IPv4Address> = [.any], memoryLimit: Int = 1 << 20,
                processID: Int, clock: @escaping @Sendable () -> Int64) {
        self.me = me
        self.smtpGreeting = smtpGreeting
        self.localIPHost = localIPHost
        self.timeoutSMTPD = timeoutSMTPD
        self.controlDatabytes = controlDatabytes
        self.recipientHosts = recipientHosts
        self.badMailFrom = badMailFrom
        self.maxRecipients = maxRecipients
        self.policy = policy
        self.serverCertificate = serverCertificate
        self.tlsClients = tlsClients
        self.environment = environment
        self.checkProgram = checkProgram
        self.features = features
        self.flavour = flavour
        self.localAddresses = localAddresses
        self.memoryLimit = memoryLimit
        self.processID = processID
        self.clock = clock
    }

    /// The greeting text: smtpgreeting, else me; `nil` means qmail cannot
    /// start (`421 unable to read controls`).
    public var greeting: [UInt8]? { smtpGreeting ?? me }

    /// The name replacing a local `[d.d.d.d]`: localiphost, else me.
    public var effectiveLocalIPHost: [UInt8]? { localIPHost ?? me }

    /// Seconds per read or write: timeoutsmtpd (default 1200), at least 1.
    /// The transport runs this timer while the session awaits input.
    public var readTimeoutSeconds: Int {
        guard let raw = timeoutSMTPD else { return 1200 }
        let value = Int32(truncatingIfNeeded: raw)
        return value <= 0 ? 1 : Int(value)
    }

    /// The message size limit, 0 = none: `DATABYTES` (leading digits, none =
    /// 0) overrides control/databytes; both wrap to 32 bits like qmail's
    /// `unsigned int`, and the maximum value is lowered by one.
    public var databytes: UInt32 {
        var value = UInt32(truncatingIfNeeded: controlDatabytes ?? 0)
        if let env = environment.databytes {
            value = UInt32(truncatingIfNeeded: ControlFileRules.scanUnsigned(env).value)
        }
        return value == UInt32.max ? value - 1 : value
    }

    /// What AUTH offers; off unless the auth feature is built in and a check
    /// program was given.
    public var authPolicy: AuthPolicy {
        guard features.contains(.auth), !checkProgram.isEmpty else { return AuthPolicy(mechanisms: [], required: false) }
        return AuthPolicy(smtpAuth: environment.smtpAuth)
    }

    /// forcetls: `FORCETLS` unset or anything but `0` makes AUTH wait for TLS.
    public var authNeedsTLS: Bool {
        features.contains(.forceTLS) && environment.forceTLS != [UInt8(ascii: "0")]
    }

    /// Seconds to wait before `535`: 5, or `AUTHSLEEP` if that is lower.
    /// A value without leading digits keeps the default.
    public var authFailureDelay: Int {
        guard let raw = environment.authSleep else { return 5 }
        let (value, digits) = ControlFileRules.scanUnsigned(raw)
        return digits == 0 ? 5 : Int(min(value, 5))
    }

    /// The program `.startQueue` runs: `QMAILQUEUE`, else `bin/qmail-queue`
    /// (relative to the qmail home, which is also its working directory).
    public var queueProgram: String { environment.qmailQueue ?? "bin/qmail-queue" }

    /// liberal-lf is built in and `ALLOW_BARELF` is set (any value).
    public var allowsBareLF: Bool { features.contains(.liberalLF) && environment.allowBareLF != nil }

    /// tls is built in and `SMTPS` is non-empty: handshake before greeting.
    public var startsWithTLS: Bool { features.contains(.tls) && !(environment.smtps ?? []).isEmpty }
}

/// The contents of `control/policy` for eMPF.
public enum PolicySource: Equatable, Sendable {
    /// No policy file: everything allowed.
    case absent
    /// The file's bytes.
    case text([UInt8])
    /// The file exists but could not be read: every RCPT gets `454 … broken policy`.
    case unreadable
}

/// The contents of `control/tlsclients`, read only after a handshake that
/// asked for a client certificate (as the tls patch does).
public enum TLSClients: Equatable, Sendable {
    /// No file: no certificate relays.
    case absent
    /// The addresses, one per line (qmail's control file rules).
    case listed([[UInt8]])
    /// The file exists but could not be read: `421 unable to read controls`
    /// after such a handshake.
    case unreadable
}
