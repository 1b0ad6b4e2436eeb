import SMTPEngine
import Synchronization

/// Collects delivered messages in memory, for tests and benchmarks.
/// Thread-safe; each store takes a lock.
public final class MemorySink: Sendable {
    private let storage = Mutex(Storage())

    private struct Storage {
        var messages: [ReceivedMessage] = []
        var count = 0
    }

    /// Whether messages are kept (`true`) or only counted (benchmarks).
    public let keepsMessages: Bool

    /// A sink that keeps every message, or only counts them.
    public init(keepsMessages: Bool = true) {
        self.keepsMessages = keepsMessages
    }

    /// The messages stored so far, in delivery order (empty if not kept).
    public var messages: [ReceivedMessage] { storage.withLock { $0.messages } }

    /// How many messages were delivered.
    public var count: Int { storage.withLock { $0.count } }

    func store(_ message: ReceivedMessage) {
        storage.withLock {
            $0.count += 1
            if keepsMessages { $0.messages.append(message) }
        }
    }
}

/// Accumulates the message on the event loop and stores it at `finish`.
final class MemoryTransaction: DeliveryTransaction {
    private static let counter = Mutex(0)
    private let sink: MemorySink
    private var bytes: [UInt8] = []
    let queueID: Int
    /// Kept bytes are taken at once.
    let pendingBytes = 0
    var onProgress: (() -> Void)?

    init(sink: MemorySink) {
        self.sink = sink
        queueID = Self.counter.withLock { $0 += 1; return $0 }
    }

    func append(_ bytes: [UInt8]) {
        if sink.keepsMessages { self.bytes += bytes }
    }

    func finish(envelope: [UInt8]?, completion: @escaping @Sendable (QueueTermination, Bool) -> Void) {
        // Like qmail-queue, a missing or malformed envelope is a read error.
        guard let envelope, let message = ReceivedMessage(envelope: envelope, bytes: bytes) else {
            return completion(.exited(54), false)
        }
        sink.store(message)
        completion(.exited(0), false)
    }

    func abandon() {}
}
