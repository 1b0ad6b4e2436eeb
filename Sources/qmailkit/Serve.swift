import ArgumentParser
import Dispatch
import Foundation
import NIOCore
import SMTPEngine
import SMTPServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the reference SMTP engine as a server (or under tcpserver with --inetd).",
        discussion: """
            Speaks SMTP exactly as qmail-smtpd with the selected patches does. The control \
            directory is read as qmail-smtpd reads it (me, smtpgreeting, rcpthosts, \
            databytes, timeoutsmtpd, tlsclients, tlsserverciphers, …), once per connection; \
            servercert.pem, clientca.pem and clientcrl.pem too, loaded again only when they \
            have changed. TLSCIPHERS, when set, replaces tlsserverciphers; a cipher list that \
            selects nothing swift-nio-ssl offers refuses STARTTLS with '454 TLS bad cipher \
            list'. A client \
            certificate that verifies against clientca.pem and names an address in \
            tlsclients may relay. Messages go \
            to the queue program (QMAILQUEUE, else bin/qmail-queue in the qmail home) unless \
            --maildir or --discard is given. Arguments after the options are the \
            checkpassword program and its arguments, as for qmail-smtpd. Each connection \
            logs one line on standard error: \
            'end N ip A port P status S messages M [tls V] [auth U] reason R'. \
            Every read and every write waits at most timeoutsmtpd seconds (default 1200), as \
            in qmail-smtpd: a client that sends nothing gets '451 timeout', one that stops \
            reading its replies is disconnected. The same figure bounds a TLS handshake \
            ('454 TLS connection failed: timeout') and the checkpassword program, which is \
            then killed ('454 oops, problem with child and I can't auth').

            SIGTERM or SIGINT stops the server cleanly: the listening socket closes at once, \
            sessions in progress may finish during --grace seconds (a second signal ends the \
            wait), then the rest are closed without acknowledging unfinished messages (their \
            queue programs abort, so nothing half-received is delivered), and qmailkit exits 0. \
            Each step is logged on standard error.

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

    @Option(help: ArgumentHelp("Patches to behave as, comma-separated: \(FeatureList.words) (stock, the default); what they require is added.",
                               valueName: "list"))
    var features = ""

    @Option(help: ArgumentHelp("Deliver every message into this Maildir (created if needed).", valueName: "dir"))
    var maildir: String?

    @Option(help: ArgumentHelp("The queue program (sets QMAILQUEUE).", valueName: "program"))
    var queue: String?

    @Flag(help: "Accept and count messages without storing them (benchmarks).")
    var discard = false

    @Option(help: ArgumentHelp("The local host name for the Received line's 'by' (sets TCPLOCALHOST, as tcpserver -l does; default: TCPLOCALHOST from the environment, else the local IP address).",
                               valueName: "name"))
    var localName: String?

    @Option(help: ArgumentHelp("Most connections served at once (tcpserver -c).", valueName: "n"))
    var connections = 40

    @Option(help: ArgumentHelp("Seconds open sessions may go on after SIGTERM or SIGINT.", valueName: "seconds"))
    var grace = 10

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
        guard grace >= 0 else { throw ValidationError("--grace takes a number of seconds, 0 or more") }
        if let localName, localName.isEmpty || localName.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw ValidationError("--local-name takes a host name without spaces, not '\(localName)'")
        }
        _ = try FeatureList.parse(features)
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
        if let localName { environment["TCPLOCALHOST"] = localName }
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
            features: try FeatureList.parse(features), checkProgram: checkProgram, delivery: delivery,
            environment: environment, connectionLimit: connections, log: { printError($0) })

        if inetd {
            let code = try await InetdSession.run(settings: settings)
            throw ExitCode(code)
        }
        let (host, port) = try parsedListen()
        // Before listening: a signal that comes once the port is open must
        // find the handlers in place.
        let signals = TerminationSignals()
        let server: SMTPServer
        do {
            server = try await SMTPServer.start(host: host, port: port, settings: settings)
        } catch let error as IOError {
            let hint = error.errnoCode == EACCES && port < 1024 ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : ""
            printError("qmailkit: cannot listen on \(listen): \(String(cString: strerror(error.errnoCode)))\(hint)")
            throw ExitCode(ExitStatus.environment.rawValue)
        } catch {
            printError("qmailkit: cannot listen on \(listen): \(error)")
            throw ExitCode(ExitStatus.environment.rawValue)
        }
        printError("qmailkit serve: listening on \(server.localAddress.ipAddress ?? host):\(server.localAddress.port ?? port)")
        let received = await signals.next() ?? "a signal"
        let open = await server.stopAccepting()
        printError("qmailkit serve: \(received), no longer accepting; \(open) session(s) open, "
            + "waiting up to \(grace) s for them to end (another signal: close them now)")
        let impatient = Task {
            if let again = await signals.next() {
                printError("qmailkit serve: \(again) again, closing the open sessions now")
                await server.closeSessions()
            }
        }
        let remaining = await server.waitForSessions(atMost: .seconds(Int64(grace)))
        impatient.cancel()
        await impatient.value
        if remaining > 0 {
            printError("qmailkit serve: closing \(remaining) session(s) still open; their unacknowledged messages are not delivered")
        }
        try await server.shutdown()
        printError("qmailkit serve: stopped")
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
}

/// SIGINT and SIGTERM as a stream of their names, from creation on (the
/// default action, ending the process, is turned off). Unchecked Sendable:
/// the dispatch sources are only held, never touched after `init`.
private final class TerminationSignals: @unchecked Sendable {
    private let stream: AsyncStream<String>
    private let sources: [any DispatchSourceSignal]

    init() {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        self.stream = stream
        sources = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(name) }
            source.resume()
            return source
        }
    }

    /// The next signal's name; nil if the calling task is cancelled.
    func next() async -> String? {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next()
    }
}
