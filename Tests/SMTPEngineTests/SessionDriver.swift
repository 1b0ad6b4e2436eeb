import SMTPEngine
import Testing
import TestSupport

/// Test double for the transport: carries out a session's actions the way a
/// real one would (answers every awaited event at once) and records what
/// happened. The session under test is the real one.
struct SessionDriver {
    var session: SMTPSession
    /// Concatenated reply bytes.
    var replies: [UInt8] = []
    /// Reply bytes split at `.flush` (one qmail write each).
    var writes: [[UInt8]] = []
    private var unflushed: [UInt8] = []
    /// Message bytes per started queue run.
    var messages: [[UInt8]] = []
    /// The `finishQueue` envelope per queue run.
    var envelopes: [[UInt8]?] = []
    var checkPayloads: [[UInt8]] = []
    var checkArgv: [[String]] = []
    var sleeps: [Int] = []
    var queueRequests: [QueueRequest] = []
    var tlsStarts = 0
    var diagnostics: [String] = []
    var exitCode: Int32?

    /// Answers for the events.
    var queuePID = 4242
    var queueStartFails = false
    var queueTermination: QueueTermination = .exited(0)
    var queueWriteFails = false
    var checkResult: ([UInt8]) -> CheckProgramTermination = { _ in .exited(1) }
    /// `nil` makes the handshake fail.
    var tlsCipher: String? = "TLS_AES_256_GCM_SHA384"

    init(_ configuration: SessionConfiguration) {
        session = SMTPSession(configuration: configuration)
    }

    var replyText: String { String(decoding: replies, as: UTF8.self) }

    mutating func start() {
        perform(session.start())
    }

    /// Feeds `bytes` cut into pieces of the given sizes (the rest in one).
    mutating func receive(_ bytes: [UInt8], splits: [Int] = []) {
        var rest = bytes[...]
        for size in splits where !rest.isEmpty {
            perform(session.receive(Array(rest.prefix(size))))
            rest = rest.dropFirst(size)
        }
        if !rest.isEmpty { perform(session.receive(Array(rest))) }
    }

    mutating func receive(_ text: String, splits: [Int] = []) {
        receive(Array(text.utf8), splits: splits)
    }

    mutating func endOfInput() { perform(session.endOfInput()) }
    mutating func timeout() { perform(session.timeout()) }

    mutating func perform(_ actions: [Action]) {
        for action in actions {
            switch action {
            case .reply(let bytes):
                replies += bytes
                unflushed += bytes
            case .flush:
                writes.append(unflushed)
                unflushed = []
            case .startQueue(let request):
                queueRequests.append(request)
                if queueStartFails {
                    perform(session.handle(.queueStartFailed))
                } else {
                    messages.append([])
                    perform(session.handle(.queueStarted(pid: queuePID)))
                }
            case .queueMessage(let bytes):
                messages[messages.count - 1] += bytes
            case .finishQueue(let envelope):
                envelopes.append(envelope)
                perform(session.handle(.queueFinished(queueTermination, messageWriteFailed: queueWriteFails)))
            case .runCheckProgram(let argv, let payload):
                checkArgv.append(argv)
                checkPayloads.append(payload)
                perform(session.handle(.checkProgramFinished(checkResult(payload))))
            case .sleep(let seconds):
                sleeps.append(seconds)
            case .startTLS:
                tlsStarts += 1
                if let cipher = tlsCipher {
                    perform(session.handle(.tlsEstablished(cipher: cipher)))
                } else {
                    perform(session.handle(.tlsFailed(reason: "handshake failure")))
                }
            case .diagnostic(let text):
                diagnostics.append(text)
            case .close(let code):
                #expect(exitCode == nil, "closed twice")
                exitCode = code
            }
        }
    }
}

/// Ways to cut an input: whole, byte by byte, and a few random splits.
func packetisations(of length: Int, seeds: [UInt64] = [1, 2, 3]) -> [[Int]] {
    var result: [[Int]] = [[], Array(repeating: 1, count: length)]
    for seed in seeds {
        var rng = SplitMix64(seed: seed)
        var sizes: [Int] = []
        var total = 0
        while total < length {
            let size = Int.random(in: 1...max(1, min(40, length)), using: &rng)
            sizes.append(size)
            total += size
        }
        result.append(sizes)
    }
    return result
}

let fixedTime: Int64 = 1_795_618_026 // 25 Nov 2026 14:47:06 UTC

func testConfiguration(features: Features = [], environment: [String: String] = [:],
                       rcpthosts: [String]? = ["example.org", ".example.net", "mail.example.org"],
                       configure: (inout SessionConfiguration) -> Void = { _ in }) -> SessionConfiguration {
    var configuration = SessionConfiguration(
        me: Array("mail.example.org".utf8),
        recipientHosts: RecipientHosts(entries: rcpthosts.map { $0.map { Array($0.utf8) } }, moreHosts: nil),
        environment: SessionEnvironment(environment),
        features: features,
        localAddresses: [.any, IPv4Address(127, 0, 0, 1)],
        processID: 1234,
        clock: { fixedTime })
    configure(&configuration)
    return configuration
}

/// Runs `input` through a fresh session in every packetisation, checks that
/// replies, messages and envelopes agree, and returns the whole-input run.
func converse(_ input: String, configuration: SessionConfiguration = testConfiguration(),
              endOfInput: Bool = true, setUp: (inout SessionDriver) -> Void = { _ in }) -> SessionDriver {
    let bytes = Array(input.utf8)
    var reference: SessionDriver?
    for splits in packetisations(of: bytes.count) {
        var driver = SessionDriver(configuration)
        setUp(&driver)
        driver.start()
        driver.receive(bytes, splits: splits)
        if endOfInput { driver.endOfInput() }
        if let reference {
            #expect(driver.replyText == reference.replyText, "splits \(splits.prefix(20))")
            #expect(driver.messages == reference.messages)
            #expect(driver.envelopes == reference.envelopes)
            #expect(driver.exitCode == reference.exitCode)
        } else {
            reference = driver
        }
    }
    return reference!
}

let greetingLine = "220 mail.example.org ESMTP\r\n"
