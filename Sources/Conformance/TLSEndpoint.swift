import NIOCore
import NIOEmbedded
import NIOSSL
import NIOTLS

/// One side of a TLS connection run in memory: NIOSSL on an
/// `EmbeddedChannel`, ciphertext in and out as bytes, so that the suite's
/// blocking connections (and the in-process reference server) can do a
/// real handshake over whatever carries their bytes.
final class TLSEndpoint {
    private let channel = EmbeddedChannel()
    private let events = HandshakeWatcher()

    /// A client making `offer`: its `SuitePKI` client certificate, protocol
    /// versions and TLS 1.2 suites. It does not check the server's
    /// certificate (the suite tests servers).
    static func client(offer: TLSOffer) throws -> TLSEndpoint {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        if let item = offer.certificate {
            let certificate = try SuitePKI.pem(item)
            configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: certificate, format: .pem))
        }
        if let version = offer.minimumVersion { configuration.minimumTLSVersion = version.nioVersion }
        if let version = offer.maximumVersion { configuration.maximumTLSVersion = version.nioVersion }
        if let ciphers = offer.ciphers { configuration.cipherSuites = ciphers }
        let handler = try NIOSSLClientHandler(context: try NIOSSLContext(configuration: configuration), serverHostname: nil)
        return try TLSEndpoint(handler)
    }

    /// Starts the handshake (a client's first flight is then in `outgoing()`).
    init(_ handler: some ChannelHandler) throws {
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.pipeline.syncOperations.addHandler(events)
        _ = channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 25))
        channel.embeddedEventLoop.run()
    }

    /// Whether the handshake completed on this side.
    var isEstablished: Bool { events.established }
    /// Why the connection failed, if it did.
    var failure: String? { events.failure.map { String(describing: $0) } }
    /// The error behind `failure`.
    var failureError: (any Error)? { events.failure }
    /// The negotiated version, once established.
    var version: TLSVersion? {
        try? channel.pipeline.syncOperations.handler(type: NIOSSLHandler.self).tlsVersion
    }

    /// Ciphertext this side wants to send.
    func outgoing() -> [UInt8] {
        channel.embeddedEventLoop.run()
        var bytes: [UInt8] = []
        while let buffer = try? channel.readOutbound(as: ByteBuffer.self) {
            bytes += buffer.readableBytesView
        }
        return bytes
    }

    /// Takes ciphertext from the peer and returns the plaintext it carried.
    /// A failure (or a closed connection) shows in `failure` and `isOpen`.
    func incoming(_ bytes: [UInt8]) -> [UInt8] {
        if !bytes.isEmpty {
            do { try channel.writeInbound(ByteBuffer(bytes: bytes)) } catch { events.record(error) }
        }
        channel.embeddedEventLoop.run()
        var plaintext: [UInt8] = []
        while let buffer = try? channel.readInbound(as: ByteBuffer.self) {
            plaintext += buffer.readableBytesView
        }
        return plaintext
    }

    /// False once either side closed the TLS connection.
    var isOpen: Bool { channel.isActive }

    /// Encrypts `plaintext` (read the result with `outgoing()`).
    func send(_ plaintext: [UInt8]) {
        channel.writeAndFlush(ByteBuffer(bytes: plaintext), promise: nil)
    }

}

extension TLSProtocolVersion {
    var nioVersion: TLSVersion {
        switch self {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }
}

/// Records the handshake's completion and the first error.
private final class HandshakeWatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    var established = false
    var failure: (any Error)?

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent { established = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        record(error)
    }

    func record(_ error: any Error) {
        if failure == nil { failure = error }
    }
}
