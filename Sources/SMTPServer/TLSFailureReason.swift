import NIOCore
import NIOSSL

/// The `<reason>` of `454 TLS connection failed: <reason> (#4.3.0)`: a short
/// phrase a person can read, as OpenSSL words it in qmail-smtpd's reply
/// (`wrong version number`, `no shared cipher`, …), never an error dump, a
/// type name or a file name (docs/tls.md#tls-errors). The full error goes
/// to the log instead.
public enum TLSFailureReason {
    /// The phrase for a handshake error; `handshake failed` when the error
    /// names no reason.
    public static func phrase(for error: any Error) -> String {
        switch error {
        case let error as NIOSSLError:
            switch error {
            case .handshakeFailed(let inner): return phrase(for: inner)
            case .uncleanShutdown: return "unexpected eof"
            default: return fallback
            }
        case let error as BoringSSLError:
            switch error {
            case .sslError(let stack), .unknownError(let stack):
                return stack.lazy.compactMap { phrase(forEntry: String(describing: $0)) }.first ?? fallback
            case .zeroReturn, .syscallError: return "unexpected eof"
            default: return fallback
            }
        case let error as ChannelError where error == .eof || error == .ioOnClosedChannel:
            return "unexpected eof"
        default:
            return fallback
        }
    }

    static let fallback = "handshake failed"

    /// The reason of one BoringSSL error-queue entry as written by
    /// `ERR_error_string_n` (`error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER`,
    /// followed by NIOSSL's ` at <file>:<line>`), lowercased with spaces as
    /// OpenSSL's reason strings are; nil when it has none.
    static func phrase(forEntry entry: String) -> String? {
        if after("EOF during handshake", in: entry) != nil { return "unexpected eof" }
        guard let start = after("OPENSSL_internal:", in: entry) else { return nil }
        let code = entry[start...].prefix { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") }
        guard !code.isEmpty, code.count <= 64 else { return nil }
        // BoringSSL keeps OpenSSL's reason codes, whose strings are the code
        // lowercased with spaces (WRONG_VERSION_NUMBER: "wrong version number").
        return String(code.lowercased().map { $0 == "_" ? " " : $0 })
    }

    /// The index just past the first occurrence of `marker` in `text`.
    private static func after(_ marker: String, in text: String) -> String.Index? {
        var index = text.startIndex
        while index < text.endIndex {
            if text[index...].hasPrefix(marker) { return text.index(index, offsetBy: marker.count) }
            index = text.index(after: index)
        }
        return nil
    }
}
