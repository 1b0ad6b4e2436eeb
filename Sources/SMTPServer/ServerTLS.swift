import Glibc
import NIOCore
import NIOSSL

/// The server side of the tls patch from a control directory:
/// `servercert.pem` (chain and key in one PEM file), TLS 1.2 at least, and
/// when `clientca.pem` exists a request (not a requirement) for a client
/// certificate, checked after the handshake by `ClientCertificateVerifier`
/// (with `clientcrl.pem` if present).
public struct ServerTLS: Sendable {
    public let context: NIOSSLContext
    /// `nil` without clientca.pem: no client certificate is asked for.
    public let clientVerifier: ClientCertificateVerifier?

    /// Reads the files; throws what is wrong with them. Costs about a
    /// millisecond.
    public init(controlDirectory: String) throws {
        let path = controlDirectory + "/servercert.pem"
        let chain = try NIOSSLCertificate.fromPEMFile(path)
        let key = try NIOSSLPrivateKey(file: path, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        let authorities = controlDirectory + "/clientca.pem"
        if access(authorities, F_OK) == 0 {
            let revocationLists = controlDirectory + "/clientcrl.pem"
            clientVerifier = try ClientCertificateVerifier(
                authorities: authorities, revocationLists: access(revocationLists, F_OK) == 0 ? revocationLists : nil)
            // The custom verification below replaces BoringSSL's; these make
            // the server send a CertificateRequest naming the authorities.
            configuration.certificateVerification = .optionalVerification
            configuration.trustRoots = .file(authorities)
            configuration.sendCANameList = true
        } else {
            clientVerifier = nil
        }
        context = try NIOSSLContext(configuration: configuration)
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
