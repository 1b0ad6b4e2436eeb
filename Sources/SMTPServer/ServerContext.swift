import Glibc
import SMTPEngine
import Synchronization

/// What every connection of one server shares: the settings, the local
/// address list (ipme, read once at start) and the TLS setup, built from
/// the control files on the first STARTTLS and then reused.
final class ServerContext: Sendable {
    let settings: ServerSettings
    private let localAddresses: Result<Set<IPv4Address>, any Error>
    private let tlsSetup = Mutex<ServerTLS?>(nil)
    fileprivate let connectionCounter = Mutex(0)

    init(settings: ServerSettings) {
        self.settings = settings
        localAddresses = Result { try ConfigurationLoader.localInterfaceAddresses() }
    }

    /// Reads the control files for one connection, like qmail-smtpd at its
    /// start. Small blocking file reads.
    func configuration(environment: [String: String]) throws -> SessionConfiguration {
        let addresses = try localAddresses.get()
        return try ConfigurationLoader.load(
            qmailHome: settings.qmailHome, controlDirectory: settings.controlDirectory, environment: environment,
            checkProgram: settings.checkProgram, features: settings.features, flavour: settings.flavour,
            localAddresses: addresses, memoryLimit: settings.memoryLimit, processID: Int(getpid()),
            clock: { Int64(time(nil)) })
    }

    /// Whether the ipme list could be read (else every session gets `421
    /// unable to figure out my IP addresses`).
    var knowsLocalAddresses: Bool {
        if case .success = localAddresses { return true }
        return false
    }

    /// The TLS setup from `servercert.pem`, `clientca.pem` and
    /// `clientcrl.pem`, read on the first STARTTLS and then reused.
    func serverTLS() throws -> ServerTLS {
        if let setup = tlsSetup.withLock({ $0 }) { return setup }
        let setup = try ServerTLS(controlDirectory: settings.controlDirectory)
        tlsSetup.withLock { $0 = setup }
        return setup
    }
}

extension ServerContext {
    /// Numbers connections 1, 2, … for the log.
    func nextConnectionNumber() -> Int {
        connectionCounter.withLock { $0 += 1; return $0 }
    }
}
