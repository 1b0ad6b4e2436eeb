/// What the session asks its transport to do, in order. Actions must be
/// carried out sequentially: a `.sleep` delays every later action.
public enum Action: Equatable, Sendable {
    /// Append these reply bytes to the output buffer.
    case reply([UInt8])
    /// Send the output buffer now. The bytes between two flushes are exactly
    /// what one `write(2)` of qmail-smtpd carries.
    case flush
    /// Start the queue program (`$QMAILQUEUE` or `bin/qmail-queue`) with a
    /// message pipe on fd 0 and an envelope pipe on fd 1. Answer with
    /// `.queueStarted(pid:)` or `.queueStartFailed`.
    case startQueue(QueueRequest)
    /// Write these bytes to the queue's message pipe (the Received line
    /// comes first).
    case queueMessage([UInt8])
    /// Close the message pipe, write `envelope` (`F…\0T…\0\0`) to the envelope
    /// pipe, close it and wait for the child; answer with `.queueFinished`.
    /// `nil`: the engine refused the message (hops or databytes) and, like
    /// qmail, writes no envelope, so the queue program aborts.
    case finishQueue(envelope: [UInt8]?)
    /// Run the checkpassword-style program `argv` with `payload`
    /// (`user\0password\0timestamp\0`) readable on its fd 3; answer with
    /// `.checkProgramFinished`.
    case runCheckProgram(argv: [String], payload: [UInt8])
    /// Wait this many seconds before the next action (failed AUTH).
    case sleep(seconds: Int)
    /// Start the TLS handshake on the connection (any reply before it has
    /// been flushed in clear). Bytes given to `receive` from now on must be
    /// decrypted ones. Answer with `.tlsEstablished` or `.tlsFailed`.
    case startTLS
    /// Write this line to stderr (eMPF decisions with `POLICY_DEBUG`; why an
    /// SMTPS session ended before its handshake).
    case diagnostic(String)
    /// End the session: exit status 0 after QUIT, 1 otherwise. Abandon any
    /// queue program still running (closing its pipes aborts it).
    case close(exitCode: Int32)
}

/// Environment the queue program sees beyond the session's own.
public struct QueueRequest: Equatable, Sendable {
    /// The AUTH user: set `TCPREMOTEINFO` to this for the queue program.
    public var authenticatedUser: [UInt8]?

    /// A request naming the AUTH user, if any.
    public init(authenticatedUser: [UInt8]?) {
        self.authenticatedUser = authenticatedUser
    }
}

/// How a check program run ended.
public enum CheckProgramTermination: Equatable, Sendable {
    /// Exit status; 0 is success, anything else a refusal (535).
    case exited(Int32)
    /// Killed by a signal (454).
    case crashed
    /// pipe/fork failed or the program could not be waited for.
    case couldNotRun
}

/// Completion of an action the session asked for.
public enum SessionEvent: Equatable, Sendable {
    /// The queue program runs; `pid` is the qp in the 250 reply.
    case queueStarted(pid: Int)
    /// pipe() or fork() failed: `451 qqt failure (#4.3.0)`.
    case queueStartFailed
    /// `messageWriteFailed`: writing to the message or envelope pipe failed.
    case queueFinished(QueueTermination, messageWriteFailed: Bool)
    /// The check program ended.
    case checkProgramFinished(CheckProgramTermination)
    /// The handshake completed; `cipher` is the OpenSSL cipher name.
    /// `verifiedClientEmails`: `nil` when no client certificate was asked for
    /// (no control/clientca.pem); otherwise the e-mail addresses (rfc822Name
    /// SANs, then subject emailAddress) of a client certificate that verified
    /// against clientca.pem and clientcrl.pem, empty when there was none or
    /// it did not verify.
    case tlsEstablished(cipher: String, verifiedClientEmails: [[UInt8]]? = nil)
    /// The handshake failed: `454 TLS connection failed: <reason>` and exit.
    case tlsFailed(reason: String)
}
