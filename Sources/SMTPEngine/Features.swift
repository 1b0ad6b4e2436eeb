/// The patches of our set that a build carries. Each switches on the
/// behaviour docs/ describes for it; an empty set is stock netqmail.
/// Their names and requirements are in `Features.table`.
public struct Features: OptionSet, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// SMTP AUTH (LOGIN, PLAIN, CRAM-MD5) with a checkpassword program.
    public static let auth = Features(rawValue: 1 << 0)
    /// STARTTLS and SMTPS.
    public static let tls = Features(rawValue: 1 << 1)
    /// No AUTH before TLS (`FORCETLS`).
    public static let forceTLS = Features(rawValue: 1 << 2)
    /// control/maxrcpt.
    public static let maxRecipients = Features(rawValue: 1 << 3)
    /// Bare LF in DATA when `ALLOW_BARELF` is set.
    public static let liberalLF = Features(rawValue: 1 << 4)
    /// control/policy (eMPF).
    public static let empf = Features(rawValue: 1 << 5)
    /// qmail-send logs each new message's Message-ID (docs/msgid-log.md).
    public static let msgidLog = Features(rawValue: 1 << 6)

    /// Every feature of the set.
    public static let all = Features(table.map(\.feature))
}

/// Which qmail distribution's fixed texts to speak (docs/stock-smtpd.md#flavours).
public enum Flavour: Sendable {
    /// netqmail-1.06 (the default).
    case netqmail
    /// qmail-1.03.
    case qmail103
    /// notqmail 1.09.
    case notqmail

    /// The whole `214` reply line to HELP, without CRLF.
    public var helpReply: String {
        switch self {
        case .netqmail: return "214 netqmail home page: http://qmail.org/netqmail"
        case .qmail103: return "214 qmail home page: http://pobox.com/~djb/qmail.html"
        case .notqmail: return "214 notqmail home page: https://notqmail.org"
        }
    }

    /// The `451` reply line to a bare LF in DATA, without CRLF.
    public var strayNewlineReply: String {
        switch self {
        case .netqmail, .qmail103: return "451 See http://pobox.com/~djb/docs/smtplf.html."
        case .notqmail: return "451 See https://cr.yp.to/docs/smtplf.html."
        }
    }
}

/// SASL mechanisms the auth feature can offer, in advertising order.
public enum AuthMechanism: String, CaseIterable, Sendable {
    /// RFC 4954 LOGIN (username and password prompts).
    case login = "LOGIN"
    /// RFC 4616 PLAIN.
    case plain = "PLAIN"
    /// RFC 2195 CRAM-MD5.
    case cramMD5 = "CRAM-MD5"
}

/// What `SMTPAUTH` asks for (docs/auth.md#smtpauth).
public struct AuthPolicy: Equatable, Sendable {
    /// Advertised and accepted mechanisms; empty means AUTH is off.
    public var mechanisms: [AuthMechanism]
    /// `!` modes: MAIL is refused with 530 until AUTH succeeded.
    public var required: Bool

    /// Interprets the `SMTPAUTH` value, compared case-insensitively: unset or
    /// exactly `-` is off; a leading `!` makes AUTH required, and the rest
    /// selects the mechanisms (`+cram…` all three, `cram…` CRAM-MD5, anything
    /// else LOGIN PLAIN), so `!-` is LOGIN PLAIN, required.
    public init(smtpAuth: [UInt8]?) {
        guard var value = smtpAuth?[...], value != [UInt8(ascii: "-")] else {
            self.init(mechanisms: [], required: false)
            return
        }
        let required = value.first == UInt8(ascii: "!")
        if required { value = value.dropFirst() }
        if ASCII.hasPrefixIgnoringCase(value, "+cram") {
            self.init(mechanisms: [.login, .plain, .cramMD5], required: required)
        } else if ASCII.hasPrefixIgnoringCase(value, "cram") {
            self.init(mechanisms: [.cramMD5], required: required)
        } else {
            self.init(mechanisms: [.login, .plain], required: required)
        }
    }

    /// A policy given directly.
    public init(mechanisms: [AuthMechanism], required: Bool) {
        self.mechanisms = mechanisms
        self.required = required
    }
}

/// What STARTTLS can expect from `control/servercert.pem`.
public enum ServerCertificate: Equatable, Sendable {
    /// Present and loadable (or not yet checked): STARTTLS is offered.
    case usable
    /// The file does not exist: STARTTLS is not advertised and answers
    /// `454 TLS missing certificate: <reason> (#4.3.0)`.
    case missing(reason: String)
    /// The file exists but cannot be used: STARTTLS is advertised and answers
    /// `454 TLS <reason> (#4.3.0)`; the session continues in clear.
    case unusable(reason: String)
}

extension ServerCertificate {
    var isMissing: Bool {
        if case .missing = self { return true }
        return false
    }
}
