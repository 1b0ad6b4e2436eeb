import ArgumentParser
import Dispatch
import Foundation
import SMTPEngine
import SMTPServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the reference SMTP engine as a server (or under tcpserver with --inetd).",
        discussion: """
            Speaks SMTP exactly as qmail-smtpd with the selected patches does. The control \
            directory is read as qmail-smtpd reads it (me, smtpgreeting, rcpthosts, \
            databytes, timeoutsmtpd, tlsclients, …), once per connection; servercert.pem, \
            clientca.pem and clientcrl.pem at the first STARTTLS, then kept. A client \
            certificate that verifies against clientca.pem and names an address in \
            tlsclients may relay. Messages go \
            to the queue program (QMAILQUEUE, else bin/qmail-queue in the qmail home) unless \
            --maildir or --discard is given. Arguments after the options are the \
            checkpassword program and its arguments, as for qmail-smtpd. Each connection \
            logs one line on standard error: \
            'end N ip A port P status S messages M [tls V] [auth U] reason R'. \
            SIGINT or SIGTERM stops the server; open sessions are dropped without acknowledging \
            unfinished messages.

            Examples:
              qmailkit serve --control ./qmail/control --maildir ./Maildir
              qmailkit serve --listen 127.0.0.1:2525 --features auth,tls --queue /var/qmail/bin/qmail-queue \\
                  /bin/checkpassword /bin/true
              SMTPAUTH=+cram qmailkit serve --features auth --discard ./check-password.sh
              tcpserver -H -R 127.0.0.1 2525 qmailkit serve --inetd --control /var/qmail/control

            \(ExitStatus.helpText)
            """)

    @Option(help: ArgumentHelp("The control directory (its parent is the qmail home).", valueName: "dir"))
    var control = "/var/qmail/control"

    @Option(help: ArgumentHelp("Address and port to listen on (not with --inetd).", valueName: "ip:port"))
    var listen = "127.0.0.1:2525"

    @Option(help: ArgumentHelp("Patches to behave as: auth, tls, forcetls, maxrcpt, liberal-lf, empf, or all.",
                               valueName: "list"))
    var features = ""

    @Option(help: ArgumentHelp("Deliver every message into this Maildir (created if needed).", valueName: "dir"))
    var maildir: String?

    @Option(help: ArgumentHelp("The queue program (sets QMAILQUEUE).", valueName: "program"))
    var queue: String?

    @Flag(help: "Accept and count messages without storing them (benchmarks).")
    var discard = false

    @Option(help: ArgumentHelp("Most connections served at once (tcpserver -c).", valueName: "n"))
    var connections = 40

    @Flag(help: "Speak SMTP on standard input and output, as qmail-smtpd under tcpserver or inetd.")
    var inetd = false

    @Argument(parsing: .captureForPassthrough,
              help: ArgumentHelp("The checkpassword program and its arguments (auth).", valueName: "checkprogram"))
    var checkProgram: [String] = []

    func validate() throws {
        if [maildir != nil, queue != nil, discard].filter({ $0 }).count > 1 {
            throw ValidationError("give at most one of --maildir, --queue and --discard")
        }
        guard connections >= 1 else { throw ValidationError("--connections takes a number of at least 1") }
        _ = try parsedFeatures()
        if !inetd { _ = try parsedListen() }
        // Passthrough capture takes --help too when it comes first.
        if let first = checkProgram.first, ["--help", "-h"].contains(first) { throw CleanExit.helpRequest(self) }
        if let first = checkProgram.first, first.hasPrefix("-") {
            throw ValidationError("unknown option '\(first)'; put options before the checkpassword program")
        }
    }

    func run() async throws {
        let controlDirectory = URL(fileURLWithPath: control).standardizedFileURL
        var environment = ProcessInfo.processInfo.environment
        if let queue { environment["QMAILQUEUE"] = queue }
        let delivery: DeliveryMethod
        if let maildir {
            do { delivery = .maildir(try Self.prepareMaildir(maildir)) } catch { throw failure(error) }
        } else if discard {
            delivery = .memory(MemorySink(keepsMessages: false))
        } else {
            delivery = .queueProgram
        }
        let settings = ServerSettings(
            qmailHome: controlDirectory.deletingLastPathComponent().path, controlDirectory: controlDirectory.path,
            features: try parsedFeatures(), checkProgram: checkProgram, delivery: delivery,
            environment: environment, connectionLimit: connections, log: { printError($0) })

        if inetd {
            let code = try await InetdSession.run(settings: settings)
            throw ExitCode(code)
        }
        let (host, port) = try parsedListen()
        let server: SMTPServer
        do {
            server = try await SMTPServer.start(host: host, port: port, settings: settings)
        } catch {
            printError("qmailkit: cannot listen on \(listen): \(error)")
            throw ExitCode(ExitStatus.environment.rawValue)
        }
        printError("qmailkit serve: listening on \(server.localAddress)")
        await Self.waitForTerminationSignal()
        printError("qmailkit serve: stopping")
        try await server.shutdown()
    }

    private func parsedFeatures() throws -> Features {
        var selected: Features = []
        for name in features.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            switch name {
            case "auth": selected.insert(.auth)
            case "tls": selected.insert(.tls)
            case "forcetls": selected.insert(.forceTLS)
            case "maxrcpt": selected.insert(.maxRecipients)
            case "liberal-lf": selected.insert(.liberalLF)
            case "empf": selected.insert(.empf)
            case "all": selected.formUnion(.all)
            default:
                throw ValidationError("unknown feature '\(name)'; choose from auth, tls, forcetls, maxrcpt, liberal-lf, empf, all")
            }
        }
        return selected
    }

    private func parsedListen() throws -> (String, Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65535).contains(port), colon != listen.startIndex else {
            throw ValidationError("--listen takes ip:port, e.g. 127.0.0.1:2525, not '\(listen)'")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    /// The Maildir's absolute path, with tmp/, new/ and cur/ created if missing.
    private static func prepareMaildir(_ path: String) throws -> String {
        let root = URL(fileURLWithPath: path).standardizedFileURL
        for folder in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder),
                                                    withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        return root.path
    }

    /// Returns at the first SIGINT or SIGTERM.
    private static func waitForTerminationSignal() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = SignalOnce(continuation)
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { once.fire() }
                source.resume()
                once.keep(source)
            }
        }
    }
}

/// Resumes a continuation once, and keeps the signal sources alive until then.
private final class SignalOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var sources: [any DispatchSourceSignal] = []

    init(_ continuation: CheckedContinuation<Void, Never>) {
        self.continuation = continuation
    }

    func keep(_ source: any DispatchSourceSignal) {
        lock.withLock { sources.append(source) }
    }

    func fire() {
        let pending = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            defer { continuation = nil }
            return continuation
        }
        pending?.resume()
    }
}
