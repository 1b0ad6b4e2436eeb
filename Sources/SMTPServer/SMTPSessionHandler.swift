import NIOCore
import NIOSSL
import NIOTLS
import SMTPEngine

/// The SwiftNIO transport of one `SMTPSession`: feeds it the bytes read,
/// carries out its actions in order and reports their completion.
///
/// Everything runs on the channel's event loop, the pipes to a queue or
/// checkpassword program included; only Maildir file writes and (with a
/// server's thread pool) the reading of the control files at the start run
/// elsewhere and come back to the loop. The channel must have `autoRead`
/// off: the handler asks for input only while the session reads (not while
/// a queue program, checkpassword or a failed-AUTH sleep is pending, nor
/// while the channel is not writable, nor while more than `pendingLimit`
/// bytes of a message wait for the delivery side), which also keeps what it
/// holds bounded. It also needs half-closure allowed, so that a client's
/// shutdown(SHUT_WR) still gets its replies.
///
/// Timeouts follow qmail-smtpd, which gives every read and every write
/// `timeoutsmtpd` seconds: waiting for input ends with `451 timeout`; replies
/// the client does not take (the channel stays unwritable) end the
/// connection silently with status 1, as qmail's failed write does. The TLS
/// handshake and the checkpassword program are bounded by the same figure:
/// `454 TLS connection failed: timeout`, and a killed program's `454 oops`.
///
/// The handler owns nothing beyond its channel's life: `handlerRemoved`
/// drops the context (which holds the handler: a cycle otherwise), the
/// session and every buffer, and cancels its timers, so a closed
/// connection leaves no memory behind.
final class SMTPSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: ServerContext
    /// This connection's variables (tcpserver's TCP*), over the server's
    /// environment. Only these are kept: a merged copy of the whole process
    /// environment per connection was a third of an idle connection's memory.
    private let connectionEnvironment: [String: String]
    private var log: SessionLogLine
    /// Set from `handlerAdded` to `handlerRemoved` only.
    private var context: ChannelHandlerContext?
    private var session: SMTPSession?
    /// Bytes read while the session must not see them yet (during a sleep).
    private var held: [UInt8] = []
    private var output: ByteBuffer
    private var sawEndOfInput = false
    private var deliveredEndOfInput = false
    private var sleeping = false
    private var awaitingHandshake = false
    /// What STARTTLS (or SMTPS) uses, made from the control files when the
    /// connection began; nil without the tls feature or a usable setup.
    private var tlsSetup: ServerTLS?
    private var clientCertificate: ClientCertificateOutcome?
    private var closed = false
    /// The control files are being read for `begin()`.
    private var beginning = false
    private var readRequested = false
    /// Runs while the session waits for input it is reading.
    private var timer: Scheduled<Void>?
    /// Runs while the channel is not writable (the client takes no replies).
    private var writeTimer: Scheduled<Void>?
    /// Ends a `.sleep` action (a failed AUTH's delay).
    private var sleepTimer: Scheduled<Void>?
    /// Kills the checkpassword program once it has run for timeoutsmtpd.
    /// Holds only the child, so it stays armed after the handler is gone.
    private var checkTimer: Scheduled<Void>?
    /// The event an action completed synchronously with, delivered once the
    /// current action list is done.
    private var immediateEvent: SessionEvent?
    private var transaction: (any DeliveryTransaction)?
    private let onEnd: (SessionLogLine) -> Void

    /// A handler for one connection; `connectionEnvironment` holds the
    /// connection's TCP* variables, which the session sees over the server
    /// settings' environment. `onEnd` gets the log line when the connection
    /// is gone.
    init(server: ServerContext, connectionEnvironment: [String: String], connection: Int,
         onEnd: @escaping (SessionLogLine) -> Void) {
        self.server = server
        self.onEnd = onEnd
        self.connectionEnvironment = connectionEnvironment
        output = ByteBuffer()
        func variable(_ name: String) -> String? { connectionEnvironment[name] ?? server.settings.environment[name] }
        log = SessionLogLine(connection: connection, remoteIP: variable("TCPREMOTEIP") ?? "unknown",
                             remotePort: variable("TCPREMOTEPORT").flatMap { Int($0) },
                             exitCode: 1, messages: 0, reason: .eof)
    }

    /// The session's whole environment, made when a program or the control
    /// files need it.
    private static func environment(server: ServerContext, connection: [String: String]) -> [String: String] {
        server.settings.environment.merging(connection) { $1 }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { begin() }
    }

    /// The end of the handler's life (the channel closed, or the handler was
    /// taken out): whatever still runs for this connection stops, and
    /// nothing the handler holds outlives it.
    func handlerRemoved(context: ChannelHandlerContext) {
        closed = true
        cancelTimers()
        sleepTimer?.cancel()
        sleepTimer = nil
        transaction?.abandon()
        transaction = nil
        self.context = nil
        bypassContext = nil
        session = nil
        held = []
        output = ByteBuffer()
        clientCertificate = nil
        tlsSetup = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        begin()
        context.fireChannelActive()
    }

    /// Reads the control files (on the server's thread pool when it has
    /// one, so a slow disk or a huge morercpthosts.cdb holds no event loop),
    /// then starts the session. Nothing is read from the client meanwhile.
    private func begin() {
        guard session == nil, !closed, !beginning else { return }
        guard server.knowsLocalAddresses else {
            return perform(SMTPSession.actions(for: .unknownLocalAddresses), reason: .fatal)
        }
        let server = self.server
        let connection = connectionEnvironment
        let setup: @Sendable () throws -> ConnectionSetup = {
            try server.connectionSetup(environment: Self.environment(server: server, connection: connection))
        }
        guard let pool = server.blockingPool, let loop = context?.eventLoop else {
            return start(Result { try setup() })
        }
        beginning = true
        pool.runIfActive(eventLoop: loop) { try setup() }
            .assumeIsolated().whenComplete { result in
                self.beginning = false
                self.start(result)
            }
    }

    private func start(_ setup: Result<ConnectionSetup, any Error>) {
        guard session == nil, !closed else { return }
        guard case .success(let setup) = setup else {
            return perform(SMTPSession.actions(for: .unreadableControls), reason: .fatal)
        }
        tlsSetup = setup.tls
        var newSession = SMTPSession(configuration: setup.configuration)
        let actions = newSession.start()
        session = newSession
        perform(actions)
        // The client may have gone (or half-closed) while the files were read.
        feedHeldInput()
        afterProgress()
    }

    // MARK: - Input

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard !closed else { return }
        held += buffer.readableBytesView
        timer?.cancel()
        timer = nil
        feedHeldInput()
        // Not only at channelReadComplete: once STARTTLS has put the TLS
        // handler in front, no read-complete reaches this handler until the
        // handshake has delivered data, and the handshake timer must run.
        afterProgress()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readRequested = false
        afterProgress()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed {
            sawEndOfInput = true
            if awaitingHandshake {
                // The client ended halfway through a TLS record (say, a cut
                // ClientHello): NIOSSL would wait for the rest forever.
                awaitingHandshake = false
                failedTLS = true
                deliver(.tlsFailed(reason: "unexpected eof"), reason: .tlsFailed)
            } else {
                feedHeldInput()
                afterProgress()
            }
        } else if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent, awaitingHandshake {
            awaitingHandshake = false
            let version = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).tlsVersion
            let name = version.map(ServerTLS.versionName) ?? "TLS"
            log.tlsVersion = name
            let suite = try? context.pipeline.syncOperations.handler(type: CipherSniffer.self).cipherSuite
            deliver(.tlsEstablished(cipher: suite.flatMap(CipherSuiteName.openSSL) ?? name,
                                    verifiedClientEmails: clientCertificate?.verifiedEmails))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeTimer?.cancel()
            writeTimer = nil
            afterProgress()
        } else if writeTimer == nil && !closed {
            writeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(Int64(timeoutSeconds))) {
                self.writeTimer = nil
                self.closeChannel(reason: .timeout)
            }
            afterProgress()
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if awaitingHandshake {
            // qmail answers in clear: write below the TLS handler. The reply
            // gets a short reason; the log the whole error.
            awaitingHandshake = false
            failedTLS = true
            logTLSFailure(error)
            deliver(.tlsFailed(reason: TLSFailureReason.phrase(for: error)), reason: .tlsFailed)
        } else {
            closeChannel(reason: .eof)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        transaction?.abandon()
        transaction = nil
        closed = true
        onEnd(log)
        context.fireChannelInactive()
    }

    /// One log line with what the reply leaves out: the error as NIOSSL
    /// gives it, on one line.
    private func logTLSFailure(_ error: any Error) {
        let text = String(String(describing: error).map { $0 == "\r" || $0 == "\n" ? " " : $0 })
        server.settings.log("tls \(log.connection) ip \(log.remoteIP): \(text)")
    }

    /// Gives held bytes (and a pending end of input) to the session unless a
    /// sleep must pass first.
    private func feedHeldInput() {
        guard session != nil, !sleeping, !closed else { return }
        if !held.isEmpty {
            // A fresh array, not the old capacity: one long line must not
            // leave its megabyte with the connection.
            let bytes = held
            held = []
            perform(session!.receive(bytes))
        }
        if sawEndOfInput && !deliveredEndOfInput && !sleeping && !closed {
            deliveredEndOfInput = true
            perform(session!.endOfInput(), reason: .eof)
        }
    }

    /// After any progress: ask for more input and run the idle timer when
    /// the session reads and its replies are being taken.
    private func afterProgress() {
        guard !closed, let session, let context else { return }
        let wantsInput = !sleeping && (session.isAwaitingInput || awaitingHandshake) && !sawEndOfInput
            && (transaction?.pendingBytes ?? 0) <= pendingLimit
        if wantsInput && context.channel.isWritable {
            if !readRequested {
                readRequested = true
                context.read()
            }
            if timer == nil {
                timer = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(Int64(timeoutSeconds))) {
                    self.timer = nil
                    self.idleTimeout()
                }
            }
        } else {
            timer?.cancel()
            timer = nil
        }
    }

    /// timeoutsmtpd, for reads and writes alike (qmail's default before the
    /// control files are read).
    private var timeoutSeconds: Int {
        session?.configuration.readTimeoutSeconds ?? 1200
    }

    private func cancelTimers() {
        timer?.cancel()
        timer = nil
        writeTimer?.cancel()
        writeTimer = nil
    }

    private func idleTimeout() {
        guard !closed else { return }
        if awaitingHandshake {
            awaitingHandshake = false
            failedTLS = true
            deliver(.tlsFailed(reason: "timeout"), reason: .timeout)
        } else if session != nil {
            perform(session!.timeout(), reason: .timeout)
        }
    }

    // MARK: - Actions

    private func deliver(_ event: SessionEvent, reason: SessionLogLine.Reason = .fatal) {
        guard !closed, session != nil else { return }
        perform(session!.handle(event), reason: reason)
        feedHeldInput()
        afterProgress()
    }

    /// Carries out `actions` in order. `reason` names the ending if they
    /// close the session with status 1.
    private func perform(_ actions: [Action], reason: SessionLogLine.Reason = .fatal) {
        perform(actions[...], reason: reason)
        if let event = immediateEvent {
            immediateEvent = nil
            deliver(event, reason: reason)
        }
    }

    private func perform(_ actions: ArraySlice<Action>, reason: SessionLogLine.Reason) {
        var index = actions.startIndex
        while index < actions.endIndex, !closed {
            let action = actions[index]
            index += 1
            switch action {
            case .reply(let bytes):
                output.writeBytes(bytes)
            case .flush:
                flush()
            case .startQueue(let request):
                startQueue(request)
            case .queueMessage(let bytes):
                transaction?.append(bytes)
            case .finishQueue(let envelope):
                finishQueue(envelope)
            case .runCheckProgram(let argv, let payload):
                runCheckProgram(argv: argv, payload: payload)
            case .sleep(let seconds):
                guard let context else { return }
                sleeping = true
                let rest = actions[index...]
                sleepTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(Int64(seconds))) {
                    self.sleepTimer = nil
                    self.sleeping = false
                    self.perform(Array(rest), reason: reason)
                    self.feedHeldInput()
                    self.afterProgress()
                }
                return
            case .startTLS:
                startTLS()
            case .diagnostic(let line):
                server.settings.log(line)
            case .close(let exitCode):
                log.exitCode = exitCode
                closeChannel(reason: exitCode == 0 ? .quit : reason)
            }
        }
    }

    private func flush() {
        guard output.readableBytes > 0 else { return }
        let bytes = output
        output = ByteBuffer()
        writeContext?.writeAndFlush(NIOAny(bytes), promise: nil)
    }

    /// Writes go below the TLS handler's plaintext bypass once one exists
    /// and the handshake failed; otherwise through the whole pipeline.
    private var writeContext: ChannelHandlerContext? {
        if let bypass = bypassContext, failedTLS { return bypass }
        return context
    }
    private var bypassContext: ChannelHandlerContext?
    private var failedTLS = false

    private func closeChannel(reason: SessionLogLine.Reason) {
        guard !closed else { return }
        closed = true
        log.reason = reason
        cancelTimers()
        transaction?.abandon()
        transaction = nil
        writeContext?.close(promise: nil)
    }

    private func startQueue(_ request: QueueRequest) {
        var environment = Self.environment(server: server, connection: connectionEnvironment)
        if let user = request.authenticatedUser {
            environment["TCPREMOTEINFO"] = String(decoding: user, as: UTF8.self)
        }
        guard let loop = context?.eventLoop else { return }
        let deliveryContext = DeliveryContext(qmailHome: server.settings.qmailHome,
                                              program: session!.configuration.queueProgram, environment: environment,
                                              loop: loop, blockingPool: server.blockingPool ?? .singleton)
        do {
            let started = try server.settings.delivery.begin(deliveryContext)
            started.onProgress = { [weak self] in self?.afterProgress() }
            transaction = started
            immediateEvent = .queueStarted(pid: started.queueID)
        } catch {
            immediateEvent = .queueStartFailed
        }
    }

    private func finishQueue(_ envelope: [UInt8]?) {
        guard let transaction else {
            immediateEvent = .queueFinished(.waitFailed, messageWriteFailed: true)
            return
        }
        self.transaction = nil
        guard let loop = context?.eventLoop else { return transaction.abandon() }
        let bound = NIOLoopBound(self, eventLoop: loop)
        transaction.finish(envelope: envelope) { termination, writeFailed in
            loop.execute {
                let handler = bound.value
                if termination == .exited(0) && !writeFailed && envelope != nil { handler.log.messages += 1 }
                handler.deliver(.queueFinished(termination, messageWriteFailed: writeFailed))
            }
        }
    }

    /// Runs the checkpassword program for at most timeoutsmtpd seconds;
    /// then it is killed, which the session answers with 454 like any crash.
    private func runCheckProgram(argv: [String], payload: [UInt8]) {
        guard let loop = context?.eventLoop else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        let environment = Self.environment(server: server, connection: connectionEnvironment)
        let child = CheckProgram.run(argv: argv, payload: payload, environment: environment, loop: loop) { termination in
            loop.execute {
                let handler = bound.value
                handler.checkTimer?.cancel()
                handler.checkTimer = nil
                handler.deliver(.checkProgramFinished(termination))
            }
        }
        guard let child else { return }
        let seconds = timeoutSeconds
        let log = server.settings.log
        let connection = self.log.connection
        checkTimer = loop.scheduleTask(in: .seconds(Int64(seconds))) {
            if child.kill() {
                log("auth \(connection): checkpassword pid \(child.pid) killed after \(seconds) s (timeoutsmtpd)")
            }
        }
    }

    /// docs/tooling.md#starttls-in-swiftnio: the `220 ready for tls` is already written; the
    /// session has dropped the clear-text rest; the TLS handler goes first in
    /// the pipeline, with a plaintext bypass in front of it for the 454.
    private func startTLS() {
        guard !sawEndOfInput else {
            // The client ended its side with (or before) STARTTLS, so no
            // ClientHello can come; qmail's SSL_accept would read EOF.
            failedTLS = true
            immediateEvent = .tlsFailed(reason: "unexpected eof")
            return
        }
        do {
            guard let tlsSetup else { throw ServerTLS.SetupError(reason: "no TLS setup", detail: "") }
            let (tls, outcome) = tlsSetup.makeHandler()
            clientCertificate = outcome
            let bypass = PlaintextBypass()
            guard let pipeline = context?.pipeline.syncOperations else { return }
            try pipeline.addHandler(tls, position: .first)
            try pipeline.addHandler(CipherSniffer(), position: .first)
            try pipeline.addHandler(bypass, position: .first)
            bypassContext = try pipeline.context(handler: bypass)
            awaitingHandshake = true
        } catch {
            logTLSFailure(error)
            immediateEvent = .tlsFailed(reason: TLSFailureReason.phrase(for: error))
            failedTLS = true
        }
    }

}

/// Sits between the socket and the TLS handler so that a reply can still be
/// written in clear after a failed handshake.
final class PlaintextBypass: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
}
