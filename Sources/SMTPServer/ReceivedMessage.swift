/// One message as the server handed it to delivery: the bytes the queue
/// program would read on fd 0 (the engine's Received line, then the body
/// with dot-stuffing removed and CRLF kept as sent) and the envelope.
public struct ReceivedMessage: Equatable, Sendable {
    /// The envelope sender (`F` record), possibly empty for bounces.
    public var sender: [UInt8]
    /// The envelope recipients (`T` records), in RCPT order.
    public var recipients: [[UInt8]]
    /// The message as delivered, Received line included.
    public var bytes: [UInt8]

    /// A message with these parts.
    public init(sender: [UInt8], recipients: [[UInt8]], bytes: [UInt8]) {
        self.sender = sender
        self.recipients = recipients
        self.bytes = bytes
    }

    /// Parses a qmail-queue envelope (`F<sender>\0T<rcpt>\0…\0`); `nil` if it
    /// is not one.
    public init?(envelope: [UInt8], bytes: [UInt8]) {
        let fields = envelope.split(separator: 0, omittingEmptySubsequences: false)
        guard fields.count >= 3, fields.last?.isEmpty == true, fields[fields.count - 2].isEmpty,
              fields[0].first == UInt8(ascii: "F") else { return nil }
        var recipients: [[UInt8]] = []
        for field in fields[1..<(fields.count - 2)] {
            guard field.first == UInt8(ascii: "T") else { return nil }
            recipients.append(Array(field.dropFirst()))
        }
        self.init(sender: Array(fields[0].dropFirst()), recipients: recipients, bytes: bytes)
    }
}
