import NIOCore
import NIOPosix
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
    /// The session's event loop: the transaction is driven from it.
    var loop: any EventLoop
    /// Where blocking file work (a Maildir's writes) runs.
    var blockingPool: NIOThreadPool
}

/// One message on its way out, driven from the event loop: bytes are
/// appended in order, then `finish` reports the queue program's verdict
/// (on any thread). `abandon` drops the message (connection lost).
///
/// Backpressure: `pendingBytes` counts appended bytes the delivery side has
/// not taken yet; the session stops reading from its client while it is
/// above `pendingLimit`, and `onProgress` (on the event loop) tells it when
/// the count went down.
protocol DeliveryTransaction: AnyObject {
    /// The `qp` number of the 250 reply.
    var queueID: Int { get }
    var pendingBytes: Int { get }
    var onProgress: (() -> Void)? { get set }
    func append(_ bytes: [UInt8])
    func finish(envelope: [UInt8]?, completion: @escaping @Sendable (QueueTermination, _ writeFailed: Bool) -> Void)
    func abandon()
}

/// How many bytes may wait for the delivery side before the session stops
/// reading: a few pipe buffers' worth, so that a fast client and a slow queue
/// program cost a bounded amount of memory however long the message.
let pendingLimit = 256 * 1024

extension DeliveryMethod {
    /// Starts one message; throws when the queue cannot even be started
    /// (pipe or fork failure: `451 qqt failure`).
    func begin(_ context: DeliveryContext) throws -> any DeliveryTransaction {
        switch self {
        case .queueProgram: return try QueueProgramTransaction(context)
        case .maildir(let path): return MaildirTransaction(maildir: path, loop: context.loop, pool: context.blockingPool)
        case .memory(let sink): return MemoryTransaction(sink: sink)
        }
    }
}
