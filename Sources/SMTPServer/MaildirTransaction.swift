import Dispatch
import Glibc
import SMTPEngine
import Synchronization
import Spawn

/// Delivers one message into a Maildir: the bytes go to `tmp/<name>` as
/// they arrive (on a private serial queue, since file writes block), and
/// `finish` fsyncs and links the file into `new/`. Exit statuses follow
/// qmail-queue's meanings: 53 for a write error, 54 for a bad envelope.
final class MaildirTransaction: DeliveryTransaction {
    private let queue = DispatchQueue(label: "qmailkit.maildir")
    private let file: MaildirFile
    let queueID: Int

    init(maildir: String) {
        let name = MaildirFile.uniqueName()
        file = MaildirFile(maildir: maildir, name: name.text)
        queueID = name.sequence
        let file = self.file
        queue.async { file.open() }
    }

    func append(_ bytes: [UInt8]) {
        let file = self.file
        queue.async { file.write(bytes) }
    }

    func finish(envelope: [UInt8]?, completion: @escaping @Sendable (QueueTermination, Bool) -> Void) {
        let file = self.file
        let valid = envelope.map { ReceivedMessage(envelope: $0, bytes: []) != nil } ?? false
        queue.async { completion(file.commit(valid: valid), false) }
    }

    func abandon() {
        let file = self.file
        queue.async { file.discard() }
    }
}

/// The open `tmp/` file; used only on its transaction's serial queue.
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
