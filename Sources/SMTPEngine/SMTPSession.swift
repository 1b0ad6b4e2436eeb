/// The qmail-smtpd state machine without I/O: bytes and completion events in,
/// `Action`s out. It reproduces netqmail-1.06 byte for byte (reply texts,
/// parsing, DATA machine, buffering) plus the features selected in its
/// configuration (docs/README.md#features).
///
/// Transport contract:
/// * Call `start()` once, then `receive(_:)` with bytes in any packetisation,
///   `endOfInput()` on EOF or a read error, `timeout()` when
///   `configuration.readTimeoutSeconds` pass without input while
///   `isAwaitingInput` is true.
/// * Carry out the returned actions in order. `.startQueue`,
///   `.finishQueue`, `.runCheckProgram` and `.startTLS` each await one
///   `SessionEvent` passed to `handle(_:)`; until then the session reads
///   nothing (`isAwaitingInput` is false), and bytes received meanwhile are
///   held for later, up to `memoryLimit`. The transport should stop reading
///   instead.
/// * After `.startTLS`, feed only decrypted bytes; the session has already
///   discarded everything that arrived in clear after STARTTLS.
/// * `.close` is final: every later call returns no actions.
///
/// Cost: linear in the input; one command line is held at a time.
public struct SMTPSession: Sendable {
    public let configuration: SessionConfiguration

    var output = ReplyBuffer()
    var input: [UInt8] = []
    var inputIndex = 0
    var line: [UInt8] = []
    private var sawEndOfInput = false
    private var closed = false
    private var started = false
    var mode = Mode.command
    var waiting: Waiting?

    private let greeting: [UInt8]
    private let addressParser: AddressParser
    private let policy: Result<MessagingPolicy, MessagingPolicy.SyntaxError>?

    // SMTP state, as qmail-smtpd's globals.
    private var heloArgument: [UInt8]?
    var seenMail = false
    private var senderBlocked = false
    private var mailFrom: [UInt8] = []
    private var recipients: [[UInt8]] = []
    var authenticatedUser: [UInt8]?
    var tlsCipher: String?
    /// A verified client certificate listed in control/tlsclients.
    private var tlsClientMayRelay = false
    private var queuePID = 0
    private var message = MessageBodyDecoder(databytes: 0, allowBareLF: false)

    enum Mode {
        case command
        case data
        case authResponse(AuthStep)
    }

    enum AuthStep {
        case loginUser
        case loginPassword(user: [UInt8])
        case plain
        case cramMD5(challenge: [UInt8])
    }

    enum Waiting {
        case queueStart
        case queueFinish(engineRefused: Bool)
        case checkProgram(user: [UInt8])
        case tls(beforeGreeting: Bool)
    }

    /// Creates a session for one connection. Nothing is emitted until `start()`.
    public init(configuration: SessionConfiguration) {
        self.configuration = configuration
        greeting = configuration.greeting ?? []
        addressParser = AddressParser(localIPHost: configuration.effectiveLocalIPHost,
                                      localAddresses: configuration.localAddresses)
        policy = Self.loadPolicy(configuration)
    }

    /// Whether the session is reading input (so the transport should read and
    /// run the `readTimeoutSeconds` timer) rather than waiting for an event.
    public var isAwaitingInput: Bool { started && !closed && waiting == nil }

    /// The reply to a failure before the greeting (controls or ipme).
    public enum StartupFailure: Sendable {
        /// A control file could not be read, or neither smtpgreeting nor me exists.
        case unreadableControls
        /// The interface list could not be read.
        case unknownLocalAddresses
    }

    /// qmail's answer when it cannot even start: a 421 line and exit 1.
    public static func actions(for failure: StartupFailure) -> [Action] {
        let text = switch failure {
        case .unreadableControls: "421 unable to read controls (#4.3.0)\r\n"
        case .unknownLocalAddresses: "421 unable to figure out my IP addresses (#4.3.0)\r\n"
        }
        return [.reply(ASCII.bytes(text)), .flush, .close(exitCode: 1)]
    }

    /// The greeting (or, with SMTPS, the TLS handshake first).
    public mutating func start() -> [Action] {
        guard !started else { return [] }
        started = true
        guard configuration.greeting != nil else {
            closed = true
            return Self.actions(for: .unreadableControls)
        }
        dohelo(configuration.environment.remoteHostOrUnknown)
        var actions: [Action] = []
        if configuration.startsWithTLS {
            // Port 465 without a usable certificate cannot speak at all: the client
            // waits for a TLS handshake, so a reply in clear would only be noise
            // on the wire. Like tls.patch, exit 1 without a reply; the reason also
            // goes to stderr (the log).
            switch configuration.serverCertificate {
            case .missing(let reason):
                actions.append(.diagnostic("SMTPS: TLS missing certificate: \(reason)"))
                close(1, &actions)
            case .unusable(let reason):
                actions.append(.diagnostic("SMTPS: TLS \(reason)"))
                close(1, &actions)
            case .usable:
                waiting = .tls(beforeGreeting: true)
                actions.append(.startTLS)
            }
            return actions
        }
        greet(&actions)
        run(&actions)
        return actions
    }

    /// Feeds bytes read from the client.
    public mutating func receive(_ bytes: [UInt8]) -> [Action] {
        guard started, !closed else { return [] }
        input.append(contentsOf: bytes)
        var actions: [Action] = []
        if waiting != nil {
            if input.count - inputIndex > configuration.memoryLimit { outOfMemory(&actions) }
            return actions
        }
        run(&actions)
        return actions
    }

    /// The client closed its side (or a read failed): after any held input is
    /// processed, the session ends silently with exit status 1.
    public mutating func endOfInput() -> [Action] {
        guard started, !closed else { return [] }
        sawEndOfInput = true
        var actions: [Action] = []
        if waiting == nil { run(&actions) }
        return actions
    }

    /// The read timer expired: `451 timeout (#4.4.2)` and exit 1. Ignored while
    /// the session waits for an event (qmail is not reading then).
    public mutating func timeout() -> [Action] {
        guard isAwaitingInput else { return [] }
        var actions: [Action] = []
        out("451 timeout (#4.4.2)\r\n", &actions)
        fatal(&actions)
        return actions
    }

    /// Reports the completion of an action. Events that were not asked for
    /// are ignored.
    public mutating func handle(_ event: SessionEvent) -> [Action] {
        guard !closed, let waitingFor = waiting else { return [] }
        var actions: [Action] = []
        switch (waitingFor, event) {
        case (.queueStart, .queueStarted(let pid)):
            waiting = nil
            queuePID = pid
            out("354 go ahead\r\n", &actions)
            actions.append(.queueMessage(receivedHeader()))
            mode = .data
        case (.queueStart, .queueStartFailed):
            waiting = nil
            out("451 qqt failure (#4.3.0)\r\n", &actions)
            output.flush(into: &actions)
        case (.queueFinish(let engineRefused), .queueFinished(let termination, let writeFailed)):
            waiting = nil
            finishMessage(termination, failed: engineRefused || writeFailed, &actions)
        case (.checkProgram(let user), .checkProgramFinished(let termination)):
            waiting = nil
            finishAuth(user: user, termination, &actions)
        case (.tls(let beforeGreeting), .tlsEstablished(let cipher, let emails)):
            waiting = nil
            tlsCipher = cipher
            forgetSessionState()
            if let emails {
                switch configuration.tlsClients {
                case .absent: break
                case .listed(let listed):
                    tlsClientMayRelay = emails.contains { email in
                        !email.isEmpty && listed.contains { ASCII.equalsIgnoringCase($0, email) }
                    }
                case .unreadable:
                    out("421 unable to read controls (#4.3.0)\r\n", &actions)
                    fatal(&actions)
                    return actions
                }
            }
            if beforeGreeting { greet(&actions) }
        case (.tls, .tlsFailed(let reason)):
            waiting = nil
            out("454 TLS connection failed: \(reason) (#4.3.0)\r\n", &actions)
            fatal(&actions)
            return actions
        default:
            return []
        }
        run(&actions)
        return actions
    }

    // MARK: - Input loop

    /// Capacity the input buffer keeps between reads.
    static let keptCapacity = 1 << 16

    /// Processes held input until it runs dry or an action must complete.
    /// Before every "read" pending output is flushed, as qmail does.
    private mutating func run(_ actions: inout [Action]) {
        while !closed && waiting == nil {
            if inputIndex == input.count {
                // Keep a read's worth of capacity, not what a burst (a
                // megabyte of pipelined junk) grew it to.
                input.removeAll(keepingCapacity: input.capacity <= Self.keptCapacity)
                inputIndex = 0
                output.flush(into: &actions)
                if sawEndOfInput { close(1, &actions) }
                return
            }
            switch mode {
            case .data:
                consumeMessage(&actions)
            case .command:
                guard let commandLine = nextLine(&actions) else { continue }
                dispatch(commandLine, &actions)
            case .authResponse(let step):
                guard let responseLine = nextLine(&actions) else { continue }
                mode = .command
                authResponse(responseLine, step: step, &actions)
                if waiting == nil, case .command = mode { output.flush(into: &actions) }
            }
        }
    }

    /// The next LF-terminated line with one trailing CR removed and cut at the
    /// first NUL (qmail handles it as a C string), or `nil` if incomplete.
    private mutating func nextLine(_ actions: inout [Action]) -> [UInt8]? {
        let available = input[inputIndex...]
        guard let lf = available.firstIndex(of: UInt8(ascii: "\n")) else {
            line.append(contentsOf: available)
            inputIndex = input.count
            if line.count > configuration.memoryLimit { outOfMemory(&actions) }
            return nil
        }
        line.append(contentsOf: input[inputIndex..<lf])
        inputIndex = lf + 1
        if line.count > configuration.memoryLimit {
            outOfMemory(&actions)
            return nil
        }
        // Hand the line over and start afresh: clearing while `complete`
        // shares the storage would copy, and keep a long line's capacity for
        // the rest of the session.
        var complete = line
        line = []
        if complete.last == UInt8(ascii: "\r") { complete.removeLast() }
        if let nul = complete.firstIndex(of: 0) { complete.removeSubrange(nul...) }
        return complete
    }

    // MARK: - Commands

    private mutating func dispatch(_ commandLine: [UInt8], _ actions: inout [Action]) {
        let space = commandLine.firstIndex(of: UInt8(ascii: " ")) ?? commandLine.endIndex
        let verb = ASCII.lowercased(commandLine[..<space])
        var argumentStart = space
        while argumentStart < commandLine.endIndex, commandLine[argumentStart] == UInt8(ascii: " ") {
            argumentStart += 1
        }
        let argument = commandLine[argumentStart...]
        var flushAfter = true
        switch String(decoding: verb, as: UTF8.self) {
        case "rcpt": rcpt(argument, &actions); flushAfter = false
        case "mail": mail(argument, &actions); flushAfter = false
        case "rset":
            seenMail = false
            out("250 flushed\r\n", &actions)
            flushAfter = false
        case "data": data(&actions)
        case "quit":
            out("221 ", &actions); out(greeting, &actions); out("\r\n", &actions)
            output.flush(into: &actions)
            close(0, &actions)
            return
        case "helo":
            out("250 ", &actions); out(greeting, &actions); out("\r\n", &actions)
            seenMail = false
            dohelo(Array(argument))
        case "ehlo":
            ehlo(&actions)
            seenMail = false
            dohelo(Array(argument))
        case "help": out(configuration.flavour.helpReply + "\r\n", &actions)
        case "noop": out("250 ok\r\n", &actions)
        case "vrfy": out("252 send some mail, i'll try my best\r\n", &actions)
        case "auth" where configuration.features.contains(.auth):
            auth(argument, &actions)
        case "starttls" where configuration.features.contains(.tls):
            startTLS(argument, &actions)
            flushAfter = false
        default: out("502 unimplemented (#5.5.1)\r\n", &actions)
        }
        // Commands that wait for an event flush when that event arrives.
        if flushAfter && waiting == nil, case .command = mode { output.flush(into: &actions) }
    }

    /// The EHLO reply. Stock qmail writes it in exactly these three pieces,
    /// which matters for where its 512-byte buffer splits a long greeting.
    private mutating func ehlo(_ actions: inout [Action]) {
        out("250-", &actions)
        out(greeting, &actions)
        let features = configuration.features
        guard !features.isDisjoint(with: [.tls, .auth]) else {
            out("\r\n250-PIPELINING\r\n250 8BITMIME\r\n", &actions)
            return
        }
        var lines: [String] = []
        if features.contains(.tls) && tlsCipher == nil && !configuration.serverCertificate.isMissing {
            lines.append("STARTTLS")
        }
        lines += ["PIPELINING", "8BITMIME"]
        if features.contains(.auth) {
            let policy = configuration.authPolicy
            if !policy.mechanisms.isEmpty && !(configuration.authNeedsTLS && tlsCipher == nil) {
                lines.append("AUTH " + policy.mechanisms.map(\.rawValue).joined(separator: " "))
            }
            lines.append("SIZE \(configuration.databytes)")
        }
        out("\r\n", &actions)
        for (index, text) in lines.enumerated() {
            out((index == lines.count - 1 ? "250 " : "250-") + text + "\r\n", &actions)
        }
    }

    private mutating func dohelo(_ argument: [UInt8]) {
        let remoteHost = configuration.environment.remoteHostOrUnknown
        heloArgument = ASCII.equalsIgnoringCase(remoteHost, argument) ? nil : argument
    }

    private mutating func mail(_ argument: ArraySlice<UInt8>, _ actions: inout [Action]) {
        if configuration.authPolicy.required && authenticatedUser == nil {
            out("530 Authorization required (#5.7.1)\r\n", &actions)
            return
        }
        guard let parsed = addressParser.parse(argument) else {
            out("555 syntax error (#5.5.4)\r\n", &actions)
            return
        }
        if configuration.features.contains(.auth), let size = MailParameters(argument: argument).size,
           configuration.databytes != 0, size > UInt64(configuration.databytes) {
            out("552 sorry, that message size exceeds my databytes limit (#5.3.4)\r\n", &actions)
            return
        }
        senderBlocked = isInBadMailFrom(parsed.address)
        seenMail = true
        recipients.removeAll()
        mailFrom = parsed.address
        out("250 ok\r\n", &actions)
    }

    private func isInBadMailFrom(_ address: [UInt8]) -> Bool {
        guard let entries = configuration.badMailFrom else { return false }
        if entries.contains(where: { ASCII.equalsIgnoringCase($0, address) }) { return true }
        guard let at = address.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let domainPart = address[at...]
        return entries.contains { ASCII.equalsIgnoringCase($0, domainPart) }
    }

    /// RCPT checks in order: MAIL seen (503), syntax (555), badmailfrom (553),
    /// relay (RELAYCLIENT or AUTH, else rcpthosts: 553), then eMPF (550/454)
    /// and last maxrcpt (452), so a recipient refused for another reason
    /// never uses up the limit.
    private mutating func rcpt(_ argument: ArraySlice<UInt8>, _ actions: inout [Action]) {
        guard seenMail else {
            out("503 MAIL first (#5.5.1)\r\n", &actions)
            return
        }
        guard let recipient = addressParser.parse(argument)?.address else {
            out("555 syntax error (#5.5.4)\r\n", &actions)
            return
        }
        if senderBlocked {
            out("553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)\r\n", &actions)
            return
        }
        var address = recipient
        // AUTH success and a listed client certificate relay like an empty RELAYCLIENT.
        let relaysAnyway = authenticatedUser != nil || tlsClientMayRelay
        if let relayClient = configuration.environment.relayClient ?? (relaysAnyway ? [] : nil) {
            address += relayClient
        } else {
            switch configuration.recipientHosts.verdict(for: address) {
            case .allowed: break
            case .refused:
                out("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n", &actions)
                return
            case .unreadable:
                out("421 unable to read controls (#4.3.0)\r\n", &actions)
                fatal(&actions)
                return
            }
        }
        if !policyAllows(recipient, &actions) { return }
        if configuration.features.contains(.maxRecipients), let limit = configuration.maxRecipients,
           UInt64(recipients.count) >= limit {
            out("452 too many recipients (#4.5.3)\r\n", &actions)
            return
        }
        recipients.append(address)
        out("250 ok\r\n", &actions)
    }

    private mutating func data(_ actions: inout [Action]) {
        guard seenMail else {
            out("503 MAIL first (#5.5.1)\r\n", &actions)
            return
        }
        guard !recipients.isEmpty else {
            out("503 RCPT first (#5.5.1)\r\n", &actions)
            return
        }
        seenMail = false
        message = MessageBodyDecoder(databytes: configuration.databytes, allowBareLF: configuration.allowsBareLF)
        waiting = .queueStart
        actions.append(.startQueue(QueueRequest(authenticatedUser: authenticatedUser)))
    }

    /// eMPF at RCPT, after the relay check; writes the 550/454 refusal.
    private mutating func policyAllows(_ recipient: [UInt8], _ actions: inout [Action]) -> Bool {
        guard let policy else { return true }
        let debug = configuration.environment.policyDebug != nil
        let address = Self.printable(recipient)
        switch policy {
        case .failure(let error):
            if debug { actions.append(.diagnostic("policy: \(error)")) }
            out("454 cannot message \(address) (#4.3.0 broken policy)\r\n", &actions)
            return false
        case .success(let rules):
            let hosts = configuration.recipientHosts
            let trusted = authenticatedUser != nil || tlsClientMayRelay || configuration.environment.relayClient != nil
            let allowed = rules.allows(
                sender: authenticatedUser ?? mailFrom, trusted: trusted, recipient: recipient,
                // Accepted by rcpthosts, as a recipient's domain: without the file every domain is.
                isLocalDomain: { hosts.verdict(for: [UInt8(ascii: "@")] + $0) == .allowed })
            if debug {
                let sender = Self.printable(authenticatedUser ?? mailFrom)
                actions.append(.diagnostic("policy: \(sender) -> \(address): \(allowed ? "allowed" : "denied")"))
            }
            if !allowed { out("550 cannot message \(address) (#5.0.0 denied by policy)\r\n", &actions) }
            return allowed
        }
    }

    /// A client's bytes for a reply line: every byte outside printable ASCII becomes `?`.
    static func printable(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.map { (0x20..<0x7F).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    /// `nil` when eMPF is off or there is no policy file.
    private static func loadPolicy(_ configuration: SessionConfiguration) -> Result<MessagingPolicy, MessagingPolicy.SyntaxError>? {
        guard configuration.features.contains(.empf) else { return nil }
        switch configuration.policy {
        case .absent: return nil
        case .unreadable: return .failure(MessagingPolicy.SyntaxError(line: 0, problem: "control/policy cannot be read"))
        case .text(let bytes):
            do { return .success(try MessagingPolicy(parsing: bytes)) } catch { return .failure(error) }
        }
    }

    // MARK: - DATA

    private mutating func consumeMessage(_ actions: inout [Action]) {
        var stored: [UInt8] = []
        let (consumed, progress) = message.consume(input[inputIndex...], into: &stored)
        inputIndex += consumed
        if !stored.isEmpty { actions.append(.queueMessage(stored)) }
        switch progress {
        case .needMore:
            return
        case .strayNewline:
            out(configuration.flavour.strayNewlineReply + "\r\n", &actions)
            fatal(&actions)
        case .finished:
            mode = .command
            let refused = message.tooManyHops || message.refusedForSize
            var envelope: [UInt8]?
            if !refused {
                var bytes = [UInt8(ascii: "F")] + mailFrom + [0]
                for recipient in recipients { bytes += [UInt8(ascii: "T")] + recipient + [0] }
                envelope = bytes + [0]
            }
            waiting = .queueFinish(engineRefused: refused)
            actions.append(.finishQueue(envelope: envelope))
        }
    }

    private mutating func finishMessage(_ termination: QueueTermination, failed: Bool, _ actions: inout [Action]) {
        if let problem = QueueVerdict.reply(for: termination, writeFailed: failed) {
            if message.tooManyHops {
                out("554 too many hops, this message is looping (#5.4.6)\r\n", &actions)
            } else if message.refusedForSize {
                out("552 sorry, that message size exceeds my databytes limit (#5.3.4)\r\n", &actions)
            } else {
                out(String(problem.prefix(4)), &actions)
                out(String(problem.dropFirst(4)), &actions)
                out("\r\n", &actions)
            }
        } else {
            out("250 ok ", &actions)
            out("\(configuration.clock())", &actions)
            out(" qp ", &actions)
            out("\(queuePID)", &actions)
            out("\r\n", &actions)
        }
        output.flush(into: &actions)
    }

    private func receivedHeader() -> [UInt8] {
        let environment = configuration.environment
        return ReceivedHeader.lines(
            remoteHost: environment.remoteHostOrUnknown, helo: heloArgument,
            remoteInfo: authenticatedUser ?? environment.remoteInfo, remoteIP: environment.remoteIPOrUnknown,
            localHost: environment.localName, protocolName: ASCII.bytes(protocolName),
            unixTime: configuration.clock())
    }

    /// `SMTP`, `ESMTPA` after AUTH, `ESMTPS (<cipher> encrypted)` under TLS and
    /// `ESMTPSA (<cipher> encrypted)` for AUTH under TLS (docs/auth.md#after-success names
    /// ESMTPSA; the cipher text is kept so the TLS fact is not lost).
    private var protocolName: String {
        switch (tlsCipher, authenticatedUser) {
        case (nil, nil): return "SMTP"
        case (nil, _?): return "ESMTPA"
        case (let cipher?, nil): return "ESMTPS (\(cipher) encrypted)"
        case (let cipher?, _?): return "ESMTPSA (\(cipher) encrypted)"
        }
    }

    // MARK: - Endings

    private mutating func greet(_ actions: inout [Action]) {
        out("220 ", &actions); out(greeting, &actions); out(" ESMTP\r\n", &actions)
    }

    private mutating func outOfMemory(_ actions: inout [Action]) {
        out("421 out of memory (#4.3.0)\r\n", &actions)
        fatal(&actions)
    }

    /// Flush and exit 1.
    mutating func fatal(_ actions: inout [Action]) {
        output.flush(into: &actions)
        close(1, &actions)
    }

    private mutating func close(_ code: Int32, _ actions: inout [Action]) {
        closed = true
        input.removeAll()
        inputIndex = 0
        actions.append(.close(exitCode: code))
    }

    // MARK: - Helpers shared with the feature extensions

    mutating func out(_ text: String, _ actions: inout [Action]) {
        output.put(ASCII.bytes(text), into: &actions)
    }

    mutating func out(_ bytes: [UInt8], _ actions: inout [Action]) {
        output.put(bytes, into: &actions)
    }

    /// After a TLS handshake every earlier SMTP fact is forgotten: HELO name,
    /// transaction, recipients and also authentication (RFC 3207 §4.2).
    private mutating func forgetSessionState() {
        dohelo(configuration.environment.remoteHostOrUnknown)
        seenMail = false
        senderBlocked = false
        mailFrom = []
        recipients = []
        authenticatedUser = nil
    }
}
