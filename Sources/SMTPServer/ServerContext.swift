import Glibc
import NIOPosix
import SMTPEngine
import Synchronization

/// What every connection of one server shares: the settings, the local
/// address list (ipme, read once at start) and the TLS setups built from
/// the control files, each kept while its files stay the same.
final class ServerContext: Sendable {
    let settings: ServerSettings
    private let localAddresses: Result<Set<IPv4Address>, any Error>
    private let tlsSetups = Mutex<[TLSSetupKey: Result<ServerTLS, ServerTLS.SetupError>]>([:])
    /// tlsserverciphers elements already reported as skipped.
    private let reportedCipherElements = Mutex<Set<String>>([])
    fileprivate let connectionCounter = Mutex(0)
    private let controlFiles = ControlFileCache()
    /// Where a connection's control files are read, off the event loop; nil:
    /// on the loop itself (inetd mode, virtual-time tests).
    let blockingPool: NIOThreadPool?

    init(settings: ServerSettings, blockingPool: NIOThreadPool? = nil) {
        self.settings = settings
        self.blockingPool = blockingPool
        localAddresses = Result { try ConfigurationLoader.localInterfaceAddresses() }
    }

    /// Reads the control files for one connection, like qmail-smtpd at its
    /// start: a stat per file, a read only for a file that changed.
    func configuration(environment: [String: String]) throws -> SessionConfiguration {
        let addresses = try localAddresses.get()
        return try ConfigurationLoader.load(
            qmailHome: settings.qmailHome, controlDirectory: settings.controlDirectory, environment: environment,
            checkProgram: settings.checkProgram, features: settings.features, flavour: settings.flavour,
            localAddresses: addresses, memoryLimit: settings.memoryLimit, processID: Int(getpid()),
            clock: { Int64(time(nil)) }, readFile: controlFiles.read)
    }

    /// One connection's configuration and, with the tls feature and a
    /// servercert.pem, the TLS setup its STARTTLS (or SMTPS) will use. A
    /// setup that cannot be made (certificate or key unloadable, a cipher
    /// list that selects nothing, clientca.pem unreadable) makes the
    /// certificate `.unusable`: STARTTLS answers `454 TLS <reason>` and the
    /// session goes on in clear, as with tls.patch. Small blocking file
    /// reads and stats; the setup itself is built only when a file changed.
    func connectionSetup(environment: [String: String]) throws -> ConnectionSetup {
        var configuration = try configuration(environment: environment)
        guard settings.features.contains(.tls), case .usable = configuration.serverCertificate else {
            return ConnectionSetup(configuration: configuration, tls: nil)
        }
        switch serverTLS(environment: environment) {
        case .success(let tls):
            return ConnectionSetup(configuration: configuration, tls: tls)
        case .failure(let error):
            configuration.serverCertificate = .unusable(reason: error.reason)
            return ConnectionSetup(configuration: configuration, tls: nil)
        }
    }

    /// Whether the ipme list could be read (else every session gets `421
    /// unable to figure out my IP addresses`).
    var knowsLocalAddresses: Bool {
        if case .success = localAddresses { return true }
        return false
    }

    /// The TLS setup for `environment` (TLSCIPHERS) and the control files as
    /// they are now: servercert.pem, clientca.pem and clientcrl.pem are read
    /// again when one of them has changed (device, inode, size or
    /// modification time), so a new certificate or CRL counts from the next
    /// connection on; tlsserverciphers is read every time (one line).
    func serverTLS(environment: [String: String]) -> Result<ServerTLS, ServerTLS.SetupError> {
        let directory = settings.controlDirectory
        let cipherText: String?
        switch ServerTLS.cipherText(environment: environment, controlDirectory: directory) {
        case .success(let text): cipherText = text
        case .failure(let error): return .failure(error)
        }
        let key = TLSSetupKey(ciphers: cipherText,
                              files: ["servercert.pem", "clientca.pem", "clientcrl.pem"].map {
                                  FileSignature(path: directory + "/" + $0)
                              })
        if let known = tlsSetups.withLock({ $0[key] }) { return known }
        let ciphers = key.ciphers.map(ServerCipherList.init)
        reportSkipped(ciphers, from: environment["TLSCIPHERS"] != nil ? "TLSCIPHERS" : "control/tlsserverciphers")
        let setup = Result { try ServerTLS(controlDirectory: directory, ciphers: ciphers) }.mapError { error in
            error as? ServerTLS.SetupError ?? ServerTLS.SetupError(reason: "cannot create context",
                                                                   detail: String(describing: error))
        }
        if case .failure(let error) = setup { settings.log("tls: STARTTLS refused: 454 TLS \(error)") }
        tlsSetups.withLock { setups in
            // Old setups go once a few have piled up (files replaced over time).
            if setups.count >= 4 { setups.removeAll() }
            setups[key] = setup
        }
        return setup
    }

    /// One log line per cipher-list element BoringSSL cannot honour, the
    /// first time it is seen.
    private func reportSkipped(_ ciphers: ServerCipherList?, from source: String) {
        guard let ciphers else { return }
        let new = reportedCipherElements.withLock { reported in
            let new = ciphers.skipped.filter { !reported.contains($0) }
            reported.formUnion(new)
            return new
        }
        for element in new {
            settings.log("tls: \(source): skipped '\(element)': swift-nio-ssl's BoringSSL has no such cipher, alias or command")
        }
    }
}

extension ServerContext {
    /// Numbers connections 1, 2, … for the log.
    func nextConnectionNumber() -> Int {
        connectionCounter.withLock { $0 += 1; return $0 }
    }
}

/// What one connection starts with.
struct ConnectionSetup: Sendable {
    var configuration: SessionConfiguration
    var tls: ServerTLS?
}

/// What a TLS setup was built from.
struct TLSSetupKey: Hashable, Sendable {
    var ciphers: String?
    var files: [FileSignature?]
}

/// Identifies one version of a file: replaced or rewritten, it differs.
struct FileSignature: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int
    var modifiedNanoseconds: Int
    var changed: Int
    var changedNanoseconds: Int

    /// nil when the file does not exist (or cannot be looked at).
    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        modified = status.st_mtim.tv_sec
        modifiedNanoseconds = status.st_mtim.tv_nsec
        changed = status.st_ctim.tv_sec
        changedNanoseconds = status.st_ctim.tv_nsec
    }
}

/// Control files as they were last read, each kept while its signature
/// stays the same: a connection costs a stat per file, not an open and a
/// read, and connections share the bytes. A file that changed (or whose
/// permissions did: the change time moves) is read again, so an edit counts
/// from the next connection on, as with qmail-smtpd.
final class ControlFileCache: Sendable {
    private let files = Mutex<[String: (signature: FileSignature, bytes: [UInt8])]>([:])

    /// `ConfigurationLoader.readFile`, answered from the cache when the file
    /// is unchanged.
    func read(_ path: String) throws -> [UInt8]? {
        guard let signature = FileSignature(path: path) else {
            let absent = errno == ENOENT
            files.withLock { $0[path] = nil }
            // Anything but absence is reported as reading would report it.
            return absent ? nil : try ConfigurationLoader.readFile(path)
        }
        if let known = files.withLock({ $0[path] }), known.signature == signature { return known.bytes }
        let now = time(nil)
        let bytes = try ConfigurationLoader.readFile(path)
        // A file modified in the second it was read may change again with
        // the same signature (timestamps are coarse): it is not kept then,
        // as git treats a "racily clean" index entry.
        files.withLock { $0[path] = signature.modified < now ? bytes.map { (signature: signature, bytes: $0) } : nil }
        return bytes
    }
}

/// A one-line control file read as qmail's control_readline does.
enum ControlLine {
    struct Failure: Error {
        var reason: String
    }

    /// The first line without trailing blanks; nil when the file does not exist.
    static func read(_ path: String) -> Result<String?, Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd == -1 {
            return errno == ENOENT ? .success(nil) : .failure(Failure(reason: String(cString: strerror(errno))))
        }
        defer { close(fd) }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !contents.contains(UInt8(ascii: "\n")) {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(reason: String(cString: strerror(errno))))
            }
            contents += buffer[..<count]
        }
        return .success(String(decoding: ControlFileRules.firstLine(contents), as: UTF8.self))
    }
}
