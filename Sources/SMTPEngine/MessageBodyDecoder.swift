/// The DATA byte machine of qmail-smtpd (`blast` and `put`, docs/stock-smtpd.md#data):
/// turns the SMTP-encoded body into the stored message, finds the end of
/// data, counts hops in the header and enforces databytes.
///
/// Stored form: CR LF becomes LF, leading dots are removed, other bytes pass
/// through unchanged. With `allowBareLF` (liberal-lf, `ALLOW_BARELF`) a bare LF
/// ends a line like CR LF does, `<LF>.<LF>` ends the data, and an empty line
/// ending in a bare LF also ends the header for hop counting (so `Received:`
/// lines in the body are not counted).
struct MessageBodyDecoder {
    enum Progress: Equatable {
        /// All input consumed; the final dot has not been seen.
        case needMore
        /// The final `.` line was consumed; `consumed` bytes were used.
        case finished
        /// A bare LF without liberal-lf: qmail answers 451 smtplf and exits.
        case strayNewline
    }

    static let maximumHops = 100
    private static let delivered = Array("delivered".utf8)
    private static let received = Array("received".utf8)
    private static let crlf = Array("\r\n".utf8)

    private let allowBareLF: Bool
    private var state = LineState.lineStart
    private var inHeader = true
    private var position = 0
    private var maybeReceived = true
    private var maybeBlankLine = true
    private var maybeDelivered = true
    /// Header lines starting with `Received` or `Delivered`.
    private(set) var hops = 0
    /// `databytes + 1`, counted down per stored byte; 0 means no limit left
    /// to enforce (either unlimited or already exceeded).
    private var bytesUntilOverflow: UInt64
    private let limited: Bool
    /// qmail's `flagerr` from the size limit: once set, nothing more is stored.
    private(set) var exceededDatabytes = false

    private enum LineState {
        case midLine, lineStart, dot, dotCR, cr
    }

    init(databytes: UInt32, allowBareLF: Bool) {
        self.allowBareLF = allowBareLF
        limited = databytes != 0
        bytesUntilOverflow = limited ? UInt64(databytes) + 1 : 0
    }

    var tooManyHops: Bool { hops >= Self.maximumHops }

    /// Consumes bytes from `input`, appending stored bytes to `stored`.
    /// Returns how many bytes were consumed and why it stopped.
    mutating func consume(_ input: ArraySlice<UInt8>, into stored: inout [UInt8]) -> (consumed: Int, progress: Progress) {
        var consumed = 0
        for byte in input {
            consumed += 1
            scanHeader(byte)
            switch step(byte, into: &stored) {
            case .needMore: continue
            case let other: return (consumed, other)
            }
        }
        return (consumed, .needMore)
    }

    private mutating func scanHeader(_ byte: UInt8) {
        guard inHeader else { return }
        if position < 9 {
            let lower = ASCII.lowercased(byte)
            if lower != Self.delivered[position] { maybeDelivered = false }
            if maybeDelivered && position == 8 { hops += 1 }
            if position < 8 {
                if lower != Self.received[position] { maybeReceived = false }
            }
            if maybeReceived && position == 7 { hops += 1 }
            if position < 2 {
                if byte != Self.crlf[position] { maybeBlankLine = false }
            }
            if maybeBlankLine && position == 1 { inHeader = false }
            if allowBareLF && position == 0 && byte == UInt8(ascii: "\n") { inHeader = false }
            position += 1
        }
        if byte == UInt8(ascii: "\n") {
            position = 0
            maybeReceived = true
            maybeBlankLine = true
            maybeDelivered = true
        }
    }

    private mutating func step(_ byte: UInt8, into stored: inout [UInt8]) -> Progress {
        let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), dot = UInt8(ascii: ".")
        switch state {
        case .midLine:
            if byte == lf {
                guard allowBareLF else { return .strayNewline }
                state = .lineStart
            } else if byte == cr {
                state = .cr
                return .needMore
            }
        case .lineStart:
            if byte == lf {
                guard allowBareLF else { return .strayNewline }
            } else if byte == dot {
                state = .dot
                return .needMore
            } else if byte == cr {
                state = .cr
                return .needMore
            } else {
                state = .midLine
            }
        case .dot:
            if byte == lf {
                guard allowBareLF else { return .strayNewline }
                return .finished
            }
            if byte == cr {
                state = .dotCR
                return .needMore
            }
            state = .midLine
        case .dotCR:
            if byte == lf { return .finished }
            store(dot, into: &stored)
            store(cr, into: &stored)
            if byte == cr {
                state = .cr
                return .needMore
            }
            state = .midLine
        case .cr:
            if byte == lf {
                state = .lineStart
            } else if byte != cr {
                store(cr, into: &stored)
                state = .midLine
            }
        }
        store(byte, into: &stored)
        return .needMore
    }

    private mutating func store(_ byte: UInt8, into stored: inout [UInt8]) {
        if bytesUntilOverflow > 0 {
            bytesUntilOverflow -= 1
            if bytesUntilOverflow == 0 { exceededDatabytes = true }
        }
        if !exceededDatabytes { stored.append(byte) }
    }

    /// Whether the size limit refused the message (`552`).
    var refusedForSize: Bool { limited && exceededDatabytes }
}
