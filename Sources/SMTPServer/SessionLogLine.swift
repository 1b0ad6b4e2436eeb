/// The one line logged per connection, in the terse key-value style of
/// tcpserver's `end` lines:
/// `end 7 ip 127.0.0.1 port 40312 status 0 messages 1 tls TLSv1.3 auth alice reason quit`.
/// `status` is qmail-smtpd's exit code (0 after QUIT, else 1).
public struct SessionLogLine: Equatable, Sendable {
    /// How the session ended.
    public enum Reason: String, Sendable {
        case quit, timeout, eof, fatal, tlsFailed = "tls-failed"
    }

    public var connection: Int
    public var remoteIP: String
    public var remotePort: Int?
    public var exitCode: Int32
    public var messages: Int
    public var tlsVersion: String?
    public var authenticatedUser: String?
    public var reason: Reason

    /// The text, without a newline.
    public var text: String {
        var line = "end \(connection) ip \(remoteIP)"
        if let remotePort { line += " port \(remotePort)" }
        line += " status \(exitCode) messages \(messages)"
        if let tlsVersion { line += " tls \(tlsVersion)" }
        if let authenticatedUser { line += " auth \(authenticatedUser.filter { $0.isASCII && !$0.isWhitespace })" }
        return line + " reason \(reason.rawValue)"
    }
}
