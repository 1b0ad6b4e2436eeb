/// The environment variables qmail-smtpd and our patches read, as raw bytes
/// (`nil` = unset, empty = set to the empty string).
public struct SessionEnvironment: Equatable, Sendable {
    // In order: TCPREMOTEIP, TCPREMOTEHOST, TCPREMOTEINFO, TCPLOCALHOST,
    // TCPLOCALIP, RELAYCLIENT, DATABYTES, SMTPAUTH, FORCETLS, ALLOW_BARELF,
    // SMTPS, AUTHSLEEP, POLICY_DEBUG, QMAILQUEUE.
    public var remoteIP: [UInt8]?
    public var remoteHost: [UInt8]?
    public var remoteInfo: [UInt8]?
    public var localHost: [UInt8]?
    public var localIP: [UInt8]?
    public var relayClient: [UInt8]?
    public var databytes: [UInt8]?
    public var smtpAuth: [UInt8]?
    public var forceTLS: [UInt8]?
    public var allowBareLF: [UInt8]?
    public var smtps: [UInt8]?
    public var authSleep: [UInt8]?
    public var policyDebug: [UInt8]?
    public var qmailQueue: String?

    /// Picks the variables out of a process environment; everything else is
    /// ignored. Pure: pass `ProcessInfo.processInfo.environment` or a literal.
    public init(_ variables: [String: String] = [:]) {
        func value(_ name: String) -> [UInt8]? { variables[name].map { Array($0.utf8) } }
        remoteIP = value("TCPREMOTEIP")
        remoteHost = value("TCPREMOTEHOST")
        remoteInfo = value("TCPREMOTEINFO")
        localHost = value("TCPLOCALHOST")
        localIP = value("TCPLOCALIP")
        relayClient = value("RELAYCLIENT")
        databytes = value("DATABYTES")
        smtpAuth = value("SMTPAUTH")
        forceTLS = value("FORCETLS")
        allowBareLF = value("ALLOW_BARELF")
        smtps = value("SMTPS")
        authSleep = value("AUTHSLEEP")
        policyDebug = value("POLICY_DEBUG")
        qmailQueue = variables["QMAILQUEUE"]
    }

    /// `TCPREMOTEIP`, or `unknown`.
    var remoteIPOrUnknown: [UInt8] { remoteIP ?? ASCII.bytes("unknown") }
    /// `TCPREMOTEHOST`, or `unknown`.
    var remoteHostOrUnknown: [UInt8] { remoteHost ?? ASCII.bytes("unknown") }
    /// `TCPLOCALHOST`, else `TCPLOCALIP`, else `unknown`.
    var localName: [UInt8] { localHost ?? localIP ?? ASCII.bytes("unknown") }
}
