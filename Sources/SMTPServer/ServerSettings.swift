import SMTPEngine

/// Everything that is the same for every connection of one server (or one
/// inetd-mode process). Per-connection facts (addresses, control file
/// contents) are read when each connection starts, as qmail-smtpd does.
public struct ServerSettings: Sendable {
    /// The qmail home: working directory of the queue program, base of
    /// `bin/qmail-queue`.
    public var qmailHome: String
    /// The control directory (`control/me`, `rcpthosts`, `servercert.pem`, …).
    public var controlDirectory: String
    /// The patches to behave as.
    public var features: Features
    /// HELP and smtplf texts.
    public var flavour: Flavour
    /// The checkpassword program and its arguments (qmail-smtpd's argv[1...]).
    public var checkProgram: [String]
    /// Where accepted messages go.
    public var delivery: DeliveryMethod
    /// The process environment; per-connection `TCP*` variables are added
    /// to (and override) it in server mode.
    public var environment: [String: String]
    /// Most connections served at once; further clients wait in the listen
    /// backlog, as with tcpserver `-c`.
    public var connectionLimit: Int
    /// The engine's stand-in for an allocation failure: longer lines get
    /// `421 out of memory (#4.3.0)`.
    public var memoryLimit: Int
    /// Receives one line per finished connection (see `SessionLogLine`).
    public var log: @Sendable (String) -> Void

    /// Settings with qmail's defaults for everything not given.
    public init(qmailHome: String = "/var/qmail", controlDirectory: String? = nil, features: Features = [],
                flavour: Flavour = .netqmail, checkProgram: [String] = [], delivery: DeliveryMethod = .queueProgram,
                environment: [String: String] = [:], connectionLimit: Int = 40, memoryLimit: Int = 1 << 20,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.qmailHome = qmailHome
        self.controlDirectory = controlDirectory ?? qmailHome + "/control"
        self.features = features
        self.flavour = flavour
        self.checkProgram = checkProgram
        self.delivery = delivery
        self.environment = environment
        self.connectionLimit = connectionLimit
        self.memoryLimit = memoryLimit
        self.log = log
    }
}
