import Glibc
import NIOCore
import NIOSSL

/// The server side of the tls patch from a control directory:
/// `servercert.pem` (chain and key in one PEM file), TLS 1.2 at least, and
/// when `clientca.pem` exists a request (not a requirement) for a client
/// certificate, checked after the handshake by `ClientCertificateVerifier`
/// (with `clientcrl.pem` if present), and the TLS 1.2 suites of
/// `tlsserverciphers` (`ServerCipherList`).
public struct ServerTLS: Sendable {
    public let context: NIOSSLContext
    /// `nil` without clientca.pem: no client certificate is asked for.
    public let clientVerifier: ClientCertificateVerifier?

    /// What is wrong with the setup, worded as tls.patch's 454 after `454 TLS `
    /// (`missing certificate: cannot load private key from
    /// control/servercert.pem`, `bad cipher list: no cipher match`, …);
    /// `detail` is the underlying error, for the log.
    public struct SetupError: Error, CustomStringConvertible {
        public var reason: String
        public var detail: String
        public var description: String { detail.isEmpty ? reason : "\(reason) (\(detail))" }
    }

    /// Reads the files; throws a `SetupError`. `ciphers`: the suites for
    /// TLS 1.2 (nil: swift-nio-ssl's default); one that selects nothing is
    /// refused, as OpenSSL refuses it. Costs about a millisecond.
    public init(controlDirectory: String, ciphers: ServerCipherList? = nil) throws {
        func failure(_ reason: String) -> (any Error) -> SetupError {
            { SetupError(reason: reason, detail: String(describing: $0)) }
        }
        let path = controlDirectory + "/servercert.pem"
        let chain = try Result { try NIOSSLCertificate.fromPEMFile(path) }
            .mapError(failure("missing certificate: cannot load certificate from control/servercert.pem")).get()
        let key = try Result { try NIOSSLPrivateKey(file: path, format: .pem) }
            .mapError(failure("missing certificate: cannot load private key from control/servercert.pem")).get()
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let ciphers {
            guard !ciphers.suites.isEmpty else { throw SetupError(reason: "bad cipher list: no cipher match", detail: "") }
            configuration.cipherSuites = ciphers.boringSSLString
        }
        let authorities = controlDirectory + "/clientca.pem"
        if access(authorities, F_OK) == 0 {
            let revocationLists = controlDirectory + "/clientcrl.pem"
            let hasRevocationLists = access(revocationLists, F_OK) == 0
            clientVerifier = try Result {
                try ClientCertificateVerifier(authorities: authorities,
                                              revocationLists: hasRevocationLists ? revocationLists : nil)
            }.mapError(failure(hasRevocationLists ? "cannot load control/clientca.pem or control/clientcrl.pem"
                                                  : "cannot load control/clientca.pem")).get()
            // The custom verification below replaces BoringSSL's; these make
            // the server send a CertificateRequest naming the authorities.
            configuration.certificateVerification = .optionalVerification
            configuration.trustRoots = .file(authorities)
            configuration.sendCANameList = true
        } else {
            clientVerifier = nil
        }
        context = try Result { try NIOSSLContext(configuration: configuration) }
            .mapError(failure("cannot create context")).get()
    }

    /// A handler for one connection. `verifiedEmails` is what the session's
    /// `.tlsEstablished` takes once the handshake completed (read it on the
    /// channel's event loop).
    public func makeHandler() -> (NIOSSLServerHandler, ClientCertificateOutcome) {
        let outcome = ClientCertificateOutcome(asked: clientVerifier != nil)
        guard let verifier = clientVerifier else { return (NIOSSLServerHandler(context: context), outcome) }
        let handler = NIOSSLServerHandler(context: context, customVerificationCallback: { chain, promise in
            outcome.emails = verifier.verifiedEmails(chain: chain.compactMap { try? $0.toDERBytes() })
            // Like tls.patch's acceptany: the handshake never fails over a
            // client certificate; only relaying depends on it.
            promise.succeed(.certificateVerified)
        })
        return (handler, outcome)
    }
}

extension ServerTLS {
    /// The cipher list in force for a connection: `TLSCIPHERS` when set,
    /// else the first line of `tlsserverciphers`; nil when neither gives
    /// one (or it is empty). One small file read.
    public static func cipherText(environment: [String: String], controlDirectory: String) -> Result<String?, SetupError> {
        let text: String?
        if let value = environment["TLSCIPHERS"] {
            text = value
        } else {
            switch ControlLine.read(controlDirectory + "/tlsserverciphers") {
            case .success(let line): text = line
            case .failure(let error):
                return .failure(SetupError(reason: "cannot read control/tlsserverciphers", detail: error.reason))
            }
        }
        return .success(text.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// What the engine gets as the "cipher" (NIOSSL names no cipher): the
    /// protocol version as OpenSSL writes it, e.g. `TLSv1.3`.
    public static func versionName(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "TLSv1"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        }
    }
}

/// What the handshake showed of the client certificate. Written and read on
/// one connection's event loop.
public final class ClientCertificateOutcome: @unchecked Sendable {
    private let asked: Bool
    fileprivate var emails: [[UInt8]] = []

    init(asked: Bool) {
        self.asked = asked
    }

    /// `nil` when no certificate was asked for; else the verified
    /// certificate's e-mail addresses (empty: none shown, or not verified).
    public var verifiedEmails: [[UInt8]]? { asked ? emails : nil }
}

extension ServerCipherList {
    /// The suites BoringSSL itself selects from `boringSSLString` (their
    /// IANA numbers), to check that every name is one it knows. Builds a
    /// context; never call it with an empty list (NIOSSL traps).
    func selectedByBoringSSL() -> [UInt16] {
        precondition(!suites.isEmpty)
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.cipherSuites = boringSSLString
        return configuration.cipherSuiteValues.map(\.rawValue)
    }
}
