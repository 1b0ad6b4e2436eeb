/// How the queue program (qmail-queue or `$QMAILQUEUE`) ended, as the
/// transport observed it.
public enum QueueTermination: Equatable, Sendable {
    /// The child exited with this status (120 when exec failed).
    case exited(Int32)
    /// The child was killed by a signal.
    case crashed
    /// `waitpid` did not return the child (e.g. SIGCHLD was ignored).
    case waitFailed
}

/// qmail.c's `qmail_close` mapping from the queue program's end to the text
/// qmail-smtpd answers with (docs/stock-smtpd.md#queue-exit-codes).
enum QueueVerdict {
    /// `nil` means the message was accepted; otherwise the full reply line
    /// without CRLF. `writeFailed` is qmail's `flagerr`: a pipe write failed
    /// or the engine itself refused the message (hops, databytes).
    static func reply(for termination: QueueTermination, writeFailed: Bool) -> String? {
        let code: Int32
        switch termination {
        case .waitFailed: return "451 qq waitpid surprise (#4.3.0)"
        case .crashed: return "451 qq crashed (#4.3.0)"
        case .exited(let c): code = c
        }
        switch code {
        case 0: return writeFailed ? "451 qq read error (#4.3.0)" : nil
        case 11, 115: return "554 envelope address too long for qq (#5.1.3)"
        case 31: return "554 mail server permanently rejected message (#5.3.0)"
        case 51: return "451 qq out of memory (#4.3.0)"
        case 52: return "451 qq timeout (#4.3.0)"
        case 53: return "451 qq write error or disk full (#4.3.0)"
        case 54: return "451 qq read error (#4.3.0)"
        case 55: return "451 qq unable to read configuration (#4.3.0)"
        case 56: return "451 qq trouble making network connection (#4.3.0)"
        case 61: return "451 qq trouble in home directory (#4.3.0)"
        case 62...66: return "451 qq trouble creating files in queue (#4.3.0)"
        case 71: return "451 mail server temporarily rejected message (#4.3.0)"
        case 72: return "451 connection to mail server timed out (#4.4.1)"
        case 73: return "451 connection to mail server rejected (#4.4.1)"
        case 74: return "451 communication with mail server failed (#4.4.2)"
        case 81, 91: return "451 qq internal bug (#4.3.0)"
        case 120: return "451 unable to exec qq (#4.3.0)"
        case 11...40: return "554 qq permanent problem (#5.3.0)"
        default: return "451 qq temporary problem (#4.3.0)"
        }
    }
}
