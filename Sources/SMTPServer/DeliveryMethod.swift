import SMTPEngine

/// Where accepted messages go.
public enum DeliveryMethod: Sendable {
    /// qmail's way: run the session's queue program (`QMAILQUEUE`, else
    /// `bin/qmail-queue` in the qmail home) with the message on fd 0 and the
    /// envelope on fd 1; its exit status decides the reply.
    case queueProgram
    /// Store every message as one file in this Maildir (`tmp/`, then
    /// `new/`), whatever its recipients.
    case maildir(String)
    /// Keep messages in memory (tests, benchmarks).
    case memory(MemorySink)
}

/// What one message's delivery needs to know about its session.
struct DeliveryContext {
    var qmailHome: String
    /// The queue program (the session configuration's `queueProgram`).
    var program: String
    /// The environment the queue program gets.
    var environment: [String: String]
}

/// One message on its way out, driven from the event loop: bytes are
/// appended in order, then `finish` reports the queue program's verdict on
/// an arbitrary thread. `abandon` drops the message (connection lost).
protocol DeliveryTransaction: AnyObject {
    /// The `qp` number of the 250 reply.
    var queueID: Int { get }
    func append(_ bytes: [UInt8])
    func finish(envelope: [UInt8]?, completion: @escaping @Sendable (QueueTermination, _ writeFailed: Bool) -> Void)
    func abandon()
}

extension DeliveryMethod {
    /// Starts one message; throws when the queue cannot even be started
    /// (pipe or fork failure: `451 qqt failure`).
    func begin(_ context: DeliveryContext) throws -> any DeliveryTransaction {
        switch self {
        case .queueProgram: return try QueueProgramTransaction(context)
        case .maildir(let path): return MaildirTransaction(maildir: path)
        case .memory(let sink): return MemoryTransaction(sink: sink)
        }
    }
}
