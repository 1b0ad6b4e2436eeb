import Glibc
import NIOCore
import NIOPosix
import SMTPEngine
import Synchronization
import Spawn

/// Delivers one message into a Maildir: the bytes go to `tmp/<name>` as
/// they arrive and `finish` fsyncs and links the file into `new/`. The file
/// work blocks, so it runs on the server's thread pool, one step after the
/// other; bytes that arrive while a write runs are batched into the next.
/// Exit statuses follow qmail-queue's meanings: 53 for a write error, 54
/// for a bad envelope.
final class MaildirTransaction: DeliveryTransaction {
    let queueID: Int
    private(set) var pendingBytes = 0
    var onProgress: (() -> Void)?
    private let file: MaildirFile
    private let loop: any EventLoop
    private let pool: NIOThreadPool
    /// Bytes not yet handed to the pool.
    private var waiting: [UInt8] = []
    private var writing = false
    /// The last step handed to the pool (never failed); the next runs after it.
    private var tail: EventLoopFuture<Void>

    init(maildir: String, loop: any EventLoop, pool: NIOThreadPool) {
        let name = MaildirFile.uniqueName()
        let file = MaildirFile(maildir: maildir, name: name.text)
        self.file = file
        self.loop = loop
        self.pool = pool
        queueID = name.sequence
        tail = loop.makeSucceededVoidFuture()
        _ = step { file.open() }
    }

    func append(_ bytes: [UInt8]) {
        pendingBytes += bytes.count
        waiting += bytes
        if !writing { writeWaiting() }
    }

    func finish(envelope: [UInt8]?, completion: @escaping @Sendable (QueueTermination, Bool) -> Void) {
        if !waiting.isEmpty { writeWaiting() }
        let file = self.file
        let valid = envelope.map { ReceivedMessage(envelope: $0, bytes: []) != nil } ?? false
        step { file.commit(valid: valid) }.whenComplete { result in
            completion((try? result.get()) ?? .exited(53), false)
        }
    }

    func abandon() {
        waiting = []
        let file = self.file
        _ = step { file.discard() }
    }

    private func writeWaiting() {
        writing = true
        let batch = waiting
        waiting = []
        let file = self.file
        step { file.write(batch) }.assumeIsolated().whenComplete { _ in
            self.pendingBytes -= batch.count
            self.writing = false
            if !self.waiting.isEmpty { self.writeWaiting() }
            self.onProgress?()
        }
    }

    /// Runs `work` on the pool after every step before it.
    private func step<T: Sendable>(_ work: @escaping @Sendable () -> T) -> EventLoopFuture<T> {
        let pool = self.pool
        let loop = self.loop
        let result = tail.flatMap { pool.runIfActive(eventLoop: loop, work) }
        tail = result.map { _ in }.recover { _ in }
        return result
    }
}

/// The open `tmp/` file; used by one pool step at a time.
private final class MaildirFile: @unchecked Sendable {
    private static let sequence = Mutex(0)
    private let temporaryPath: String
    private let finalPath: String
    private var fd: Int32 = -1
    private var failed = false

    init(maildir: String, name: String) {
        temporaryPath = maildir + "/tmp/" + name
        finalPath = maildir + "/new/" + name
    }

    /// `<seconds>.M<microseconds>P<pid>Q<sequence>.<host>`, unique per process
    /// and second as the Maildir convention asks.
    static func uniqueName() -> (text: String, sequence: Int) {
        let number = sequence.withLock { $0 += 1; return $0 }
        var now = timeval()
        gettimeofday(&now, nil)
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .replacingSlashesAndColons()
        return ("\(now.tv_sec).M\(now.tv_usec)P\(getpid())Q\(number).\(hostName)", number)
    }

    func open() {
        fd = Glibc.open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 { failed = true }
    }

    func write(_ bytes: [UInt8]) {
        guard !failed else { return }
        if !ChildProcess.writeAll(fd, bytes) { failed = true }
    }

    func commit(valid: Bool) -> QueueTermination {
        guard valid else {
            discard()
            return .exited(54)
        }
        guard !failed, fsync(fd) == 0, close(fd) == 0 else {
            discard()
            return .exited(53)
        }
        fd = -1
        guard link(temporaryPath, finalPath) == 0 else {
            unlink(temporaryPath)
            return .exited(53)
        }
        unlink(temporaryPath)
        return .exited(0)
    }

    func discard() {
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(temporaryPath)
    }
}

private extension String {
    /// Maildir names use `/` and `:` specially; hosts with them get them escaped.
    func replacingSlashesAndColons() -> String {
        var result = ""
        for character in self {
            switch character {
            case "/": result += "\\057"
            case ":": result += "\\072"
            default: result.append(character)
            }
        }
        return result
    }
}
