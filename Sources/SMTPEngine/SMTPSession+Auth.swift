/// The auth feature: `AUTH LOGIN`, `PLAIN` and `CRAM-MD5` (docs/auth.md).
///
/// Project rules beyond RFC 4954, in qmail's terse style (docs/auth.md#mechanisms,
/// docs/auth.md#challenges, docs/auth.md#malformed-input):
/// * `AUTH` without a mechanism is an unknown mechanism (504).
/// * `CRAM-MD5` takes no initial response; one is malformed input (501).
/// * `=` as a response is the empty response (RFC 4954), hence malformed.
/// * A user or password containing NUL is malformed: it could not be passed
///   to the check program intact.
/// * The CRAM-MD5 challenge names the Received line's local host
///   (`TCPLOCALHOST`, else `TCPLOCALIP`, else `unknown`).
/// * The CRAM-MD5 response is split at its last space (the digest has none).
/// * The check program's PLAIN authorisation identity is ignored.
extension SMTPSession {
    mutating func auth(_ argument: ArraySlice<UInt8>, _ actions: inout [Action]) {
        let policy = configuration.authPolicy
        guard !policy.mechanisms.isEmpty else {
            out("503 auth not available (#5.3.3)\r\n", &actions)
            return
        }
        if configuration.authNeedsTLS && tlsCipher == nil {
            out("538 auth not available without TLS (#5.3.3)\r\n", &actions)
            return
        }
        if authenticatedUser != nil {
            out("503 you're already authenticated (#5.5.0)\r\n", &actions)
            return
        }
        if seenMail {
            out("503 no auth during mail transaction (#5.5.0)\r\n", &actions)
            return
        }
        let space = argument.firstIndex(of: UInt8(ascii: " ")) ?? argument.endIndex
        let name = argument[..<space]
        var responseStart = space
        while responseStart < argument.endIndex, argument[responseStart] == UInt8(ascii: " ") { responseStart += 1 }
        let initialResponse = argument[responseStart...]
        guard let mechanism = policy.mechanisms.first(where: { ASCII.equalsIgnoringCase(ASCII.bytes($0.rawValue), name) })
        else {
            out("504 auth type unimplemented (#5.5.1)\r\n", &actions)
            return
        }
        switch mechanism {
        case .login:
            if initialResponse.isEmpty {
                out("334 VXNlcm5hbWU6\r\n", &actions)
                mode = .authResponse(.loginUser)
            } else {
                authResponse(Array(initialResponse), step: .loginUser, initial: true, &actions)
            }
        case .plain:
            if initialResponse.isEmpty {
                out("334 \r\n", &actions)
                mode = .authResponse(.plain)
            } else {
                authResponse(Array(initialResponse), step: .plain, initial: true, &actions)
            }
        case .cramMD5:
            guard initialResponse.isEmpty else {
                malformed(&actions)
                return
            }
            let challenge = ASCII.bytes("<\(configuration.processID).\(configuration.clock())@")
                + configuration.environment.localName + ASCII.bytes(">")
            out(ASCII.bytes("334 ") + Base64.encode(challenge) + ASCII.bytes("\r\n"), &actions)
            mode = .authResponse(.cramMD5(challenge: challenge))
        }
    }

    /// One client line of an AUTH exchange (or the initial response). `*`
    /// cancels only as the answer to a `334`; as an initial response it is
    /// not base64, hence malformed (docs/auth.md#auth-replies).
    mutating func authResponse(_ responseLine: [UInt8], step: AuthStep, initial: Bool = false, _ actions: inout [Action]) {
        if !initial && responseLine == [UInt8(ascii: "*")] {
            out("501 auth exchange canceled (#5.0.0)\r\n", &actions)
            return
        }
        let decoded: [UInt8]
        if responseLine == [UInt8(ascii: "=")] {
            decoded = []
        } else if let bytes = Base64.decode(responseLine) {
            decoded = bytes
        } else {
            malformed(&actions)
            return
        }
        switch step {
        case .loginUser:
            guard isUsable(decoded) else { return malformed(&actions) }
            out("334 UGFzc3dvcmQ6\r\n", &actions)
            mode = .authResponse(.loginPassword(user: decoded))
        case .loginPassword(let user):
            guard isUsable(decoded) else { return malformed(&actions) }
            runCheckProgram(user: user, password: decoded, timestamp: [], &actions)
        case .plain:
            let fields = decoded.split(separator: 0, omittingEmptySubsequences: false)
            guard fields.count == 3, isUsable(Array(fields[1])), isUsable(Array(fields[2])) else {
                return malformed(&actions)
            }
            runCheckProgram(user: Array(fields[1]), password: Array(fields[2]), timestamp: [], &actions)
        case .cramMD5(let challenge):
            guard let space = decoded.lastIndex(of: UInt8(ascii: " ")) else { return malformed(&actions) }
            let user = Array(decoded[..<space]), digest = Array(decoded[(space + 1)...])
            guard isUsable(user), isUsable(digest) else { return malformed(&actions) }
            runCheckProgram(user: user, password: digest, timestamp: challenge, &actions)
        }
    }

    /// The check program's verdict: 235, or 535 after the delay, or 454.
    mutating func finishAuth(user: [UInt8], _ termination: CheckProgramTermination, _ actions: inout [Action]) {
        switch termination {
        case .exited(0):
            authenticatedUser = user
            out("235 ok, go ahead (#2.0.0)\r\n", &actions)
        case .exited:
            let delay = configuration.authFailureDelay
            if delay > 0 { actions.append(.sleep(seconds: delay)) }
            out("535 authentication failed (#5.7.1)\r\n", &actions)
        case .crashed, .couldNotRun:
            out("454 oops, problem with child and I can't auth (#4.3.0)\r\n", &actions)
        }
        output.flush(into: &actions)
    }

    private mutating func runCheckProgram(user: [UInt8], password: [UInt8], timestamp: [UInt8],
                                          _ actions: inout [Action]) {
        waiting = .checkProgram(user: user)
        let payload = user + [0] + password + [0] + timestamp + [0]
        actions.append(.runCheckProgram(argv: configuration.checkProgram, payload: payload))
    }

    private func isUsable(_ field: [UInt8]) -> Bool {
        !field.isEmpty && !field.contains(0)
    }

    private mutating func malformed(_ actions: inout [Action]) {
        out("501 malformed auth input (#5.5.4)\r\n", &actions)
    }
}
