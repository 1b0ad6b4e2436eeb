import Foundation
#if canImport(Glibc)
import Glibc
import RealBuildSupport
#endif

/// The system OpenSSL 3 (libssl.so.3), loaded with dlopen so the test target needs
/// no C module: the real TLS stack on the client side of every STARTTLS dialogue
/// and on the server side of the loopback server qmail-remote talks to.
struct OpenSSL: @unchecked Sendable {
    typealias Pointer = OpaquePointer
    let clientMethod: @convention(c) () -> Pointer?
    let serverMethod: @convention(c) () -> Pointer?
    let contextNew: @convention(c) (Pointer?) -> Pointer?
    let contextFree: @convention(c) (Pointer?) -> Void
    let contextControl: @convention(c) (Pointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int
    let loadVerifyLocations: @convention(c) (Pointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Int32
    let setVerify: @convention(c) (Pointer?, Int32, UnsafeMutableRawPointer?) -> Void
    let useCertificateChainFile: @convention(c) (Pointer?, UnsafePointer<CChar>?) -> Int32
    let usePrivateKeyFile: @convention(c) (Pointer?, UnsafePointer<CChar>?, Int32) -> Int32
    let setCipherList: @convention(c) (Pointer?, UnsafePointer<CChar>?) -> Int32
    let setSecurityLevel: @convention(c) (Pointer?, Int32) -> Void
    let sslNew: @convention(c) (Pointer?) -> Pointer?
    let sslFree: @convention(c) (Pointer?) -> Void
    let setFD: @convention(c) (Pointer?, Int32) -> Int32
    let setHost: @convention(c) (Pointer?, UnsafePointer<CChar>?) -> Int32
    let sslControl: @convention(c) (Pointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int
    let connect: @convention(c) (Pointer?) -> Int32
    let accept: @convention(c) (Pointer?) -> Int32
    let read: @convention(c) (Pointer?, UnsafeMutableRawPointer?, Int32) -> Int32
    let write: @convention(c) (Pointer?, UnsafeRawPointer?, Int32) -> Int32
    let shutdown: @convention(c) (Pointer?) -> Int32
    let getError: @convention(c) (Pointer?, Int32) -> Int32
    let getVersion: @convention(c) (Pointer?) -> UnsafePointer<CChar>?
    let currentCipher: @convention(c) (Pointer?) -> Pointer?
    let cipherName: @convention(c) (Pointer?) -> UnsafePointer<CChar>?
    let peerCertificate: @convention(c) (Pointer?) -> Pointer?
    let certificateFree: @convention(c) (Pointer?) -> Void
    let errorGet: @convention(c) () -> UInt
    let errorString: @convention(c) (UInt, UnsafeMutablePointer<CChar>?, Int) -> Void

    /// The loaded library, or why it could not be loaded.
    static let shared: Result<OpenSSL, any Error> = Result { try OpenSSL() }

    static var available: Bool { (try? shared.get()) != nil }

    static func get() throws -> OpenSSL { try shared.get() }

    private init() throws(HarnessError) {
        guard let ssl = dlopen("libssl.so.3", RTLD_NOW | RTLD_GLOBAL),
              let crypto = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_GLOBAL) else {
            throw HarnessError("cannot load libssl.so.3/libcrypto.so.3 (install libssl3)")
        }
        func symbol<T>(_ handle: UnsafeMutableRawPointer, _ name: String, _: T.Type = T.self) throws(HarnessError) -> T {
            guard let address = dlsym(handle, name) else { throw HarnessError("OpenSSL has no symbol \(name)") }
            return unsafeBitCast(address, to: T.self)
        }
        clientMethod = try symbol(ssl, "TLS_client_method")
        serverMethod = try symbol(ssl, "TLS_server_method")
        contextNew = try symbol(ssl, "SSL_CTX_new")
        contextFree = try symbol(ssl, "SSL_CTX_free")
        contextControl = try symbol(ssl, "SSL_CTX_ctrl")
        loadVerifyLocations = try symbol(ssl, "SSL_CTX_load_verify_locations")
        setVerify = try symbol(ssl, "SSL_CTX_set_verify")
        useCertificateChainFile = try symbol(ssl, "SSL_CTX_use_certificate_chain_file")
        usePrivateKeyFile = try symbol(ssl, "SSL_CTX_use_PrivateKey_file")
        setCipherList = try symbol(ssl, "SSL_CTX_set_cipher_list")
        setSecurityLevel = try symbol(ssl, "SSL_CTX_set_security_level")
        sslNew = try symbol(ssl, "SSL_new")
        sslFree = try symbol(ssl, "SSL_free")
        setFD = try symbol(ssl, "SSL_set_fd")
        setHost = try symbol(ssl, "SSL_set1_host")
        sslControl = try symbol(ssl, "SSL_ctrl")
        connect = try symbol(ssl, "SSL_connect")
        accept = try symbol(ssl, "SSL_accept")
        read = try symbol(ssl, "SSL_read")
        write = try symbol(ssl, "SSL_write")
        shutdown = try symbol(ssl, "SSL_shutdown")
        getError = try symbol(ssl, "SSL_get_error")
        getVersion = try symbol(ssl, "SSL_get_version")
        currentCipher = try symbol(ssl, "SSL_get_current_cipher")
        cipherName = try symbol(ssl, "SSL_CIPHER_get_name")
        peerCertificate = try symbol(ssl, "SSL_get1_peer_certificate")
        certificateFree = try symbol(crypto, "X509_free")
        errorGet = try symbol(crypto, "ERR_get_error")
        errorString = try symbol(crypto, "ERR_error_string_n")
    }

    /// Drains this thread's OpenSSL error queue into one line.
    func errors() -> String {
        var parts: [String] = []
        while case let code = errorGet(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            errorString(code, &buffer, buffer.count)
            parts.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return parts.joined(separator: "; ")
    }
}

/// Protocol versions for `TLSSettings` (OpenSSL's TLS1_x_VERSION values).
enum TLSVersion: Int {
    case tls1 = 0x0301
    case tls1_1 = 0x0302
    case tls1_2 = 0x0303
    case tls1_3 = 0x0304
}

/// How one side of a TLS connection is configured.
struct TLSSettings: Sendable {
    /// CA file to verify the peer against; nil = no verification.
    var trustedCA: URL?
    /// Host name (or IP address text) the peer certificate must match; also sent as SNI when it is a name.
    var expectedHost: String?
    /// PEM file holding our certificate chain and key (server certificate, or client certificate).
    var certificate: URL?
    var minimumVersion: TLSVersion?
    var maximumVersion: TLSVersion?
    /// TLS ≤ 1.2 cipher list.
    var ciphers: String?
    /// Server side: ask the client for a certificate (verified against `trustedCA`), do not require it.
    var requestClientCertificate = false
    /// OpenSSL security level (0 allows the legacy protocols some tests must offer).
    var securityLevel: Int32?

    init(trustedCA: URL? = nil, expectedHost: String? = nil, certificate: URL? = nil,
         minimumVersion: TLSVersion? = nil, maximumVersion: TLSVersion? = nil, ciphers: String? = nil,
         requestClientCertificate: Bool = false, securityLevel: Int32? = nil) {
        self.trustedCA = trustedCA
        self.expectedHost = expectedHost
        self.certificate = certificate
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.ciphers = ciphers
        self.requestClientCertificate = requestClientCertificate
        self.securityLevel = securityLevel
    }
}

/// One TLS connection over a blocking descriptor we keep owning (it is not closed here).
final class TLSStream: @unchecked Sendable {
    private let library: OpenSSL
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    let descriptor: Int32

    /// Negotiated protocol, e.g. `TLSv1.3`.
    var version: String { library.getVersion(ssl).map { String(cString: $0) } ?? "" }
    /// Negotiated cipher's OpenSSL name, e.g. `TLS_AES_256_GCM_SHA384`.
    var cipher: String { library.cipherName(library.currentCipher(ssl)).map { String(cString: $0) } ?? "" }
    /// True when the peer presented a certificate.
    var peerPresentedCertificate: Bool {
        guard let certificate = library.peerCertificate(ssl) else { return false }
        library.certificateFree(certificate)
        return true
    }

    /// Runs the handshake (client or server side); throws with OpenSSL's reason on failure.
    init(descriptor: Int32, settings: TLSSettings, server: Bool) throws {
        library = try OpenSSL.get()
        self.descriptor = descriptor
        guard let context = library.contextNew(server ? library.serverMethod() : library.clientMethod()) else {
            throw HarnessError("SSL_CTX_new failed: \(library.errors())")
        }
        self.context = context
        // SSL_new copies the context's certificate, verify mode and protocol range:
        // configure the context first.
        do {
            try Self.configure(context, settings, server: server, library)
        } catch {
            library.contextFree(context)
            throw error
        }
        guard let ssl = library.sslNew(context) else {
            library.contextFree(context)
            throw HarnessError("SSL_new failed")
        }
        self.ssl = ssl
        if let host = settings.expectedHost {
            guard library.setHost(ssl, host) == 1 else { throw HarnessError("SSL_set1_host(\(host)) failed") }
            if host.contains(where: \.isLetter) {
                let setHostName: Int32 = 55
                _ = host.withCString { library.sslControl(ssl, setHostName, 0, UnsafeMutableRawPointer(mutating: $0)) }
            }
        }
        _ = library.setFD(ssl, descriptor)
        let result = server ? library.accept(ssl) : library.connect(ssl)
        guard result == 1 else {
            throw HarnessError("TLS handshake failed: \(library.errors()) (SSL error \(library.getError(ssl, result)))")
        }
    }

    private static func configure(_ context: OpaquePointer, _ settings: TLSSettings, server: Bool,
                                  _ library: OpenSSL) throws {
        let setMinimum: Int32 = 123, setMaximum: Int32 = 124
        if let level = settings.securityLevel { library.setSecurityLevel(context, level) }
        if let minimum = settings.minimumVersion { _ = library.contextControl(context, setMinimum, minimum.rawValue, nil) }
        if let maximum = settings.maximumVersion { _ = library.contextControl(context, setMaximum, maximum.rawValue, nil) }
        if let ciphers = settings.ciphers, library.setCipherList(context, ciphers) != 1 {
            throw HarnessError("cipher list \(ciphers) refused: \(library.errors())")
        }
        if let certificate = settings.certificate {
            guard library.useCertificateChainFile(context, certificate.path) == 1,
                  library.usePrivateKeyFile(context, certificate.path, 1) == 1 else {
                throw HarnessError("cannot use \(certificate.path): \(library.errors())")
            }
        }
        if let ca = settings.trustedCA {
            guard library.loadVerifyLocations(context, ca.path, nil) == 1 else {
                throw HarnessError("cannot load CA \(ca.path): \(library.errors())")
            }
            if !server || settings.requestClientCertificate { library.setVerify(context, 1, nil) }
        }
    }

    /// Up to `maximum` bytes; nil at end of stream, on error, or after `timeout` seconds.
    func read(maximum: Int = 16384, timeout: Double) -> [UInt8]? {
        setReceiveTimeout(descriptor, timeout)
        var buffer = [UInt8](repeating: 0, count: maximum)
        let count = library.read(ssl, &buffer, Int32(maximum))
        guard count > 0 else { return nil }
        return Array(buffer[..<Int(count)])
    }

    /// Writes every byte; false when the connection failed.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return true }
        return bytes.withUnsafeBytes { library.write(ssl, $0.baseAddress, Int32(bytes.count)) } == Int32(bytes.count)
    }

    /// Sends close_notify (best effort).
    func close() {
        _ = library.shutdown(ssl)
    }

    deinit {
        library.sslFree(ssl)
        library.contextFree(context)
    }
}

/// Bounds every blocking read on `descriptor` (SO_RCVTIMEO).
func setReceiveTimeout(_ descriptor: Int32, _ seconds: Double) {
    var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
}
