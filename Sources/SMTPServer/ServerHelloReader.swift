/// The cipher suite a TLS server chose, read from its ServerHello as the
/// bytes go out. swift-nio-ssl does not expose the negotiated cipher, and
/// qmail-smtpd's Received header names it (`with ESMTPS (<cipher> encrypted)`);
/// the ServerHello carries it in clear in TLS 1.2 and 1.3 alike. Sans-IO.
public struct ServerHelloReader: Sendable {
    private var bytes: [UInt8] = []
    private var finished = false
    /// The chosen suite (e.g. 0x1302), once the ServerHello's cipher field has been seen.
    public private(set) var cipherSuite: UInt16?

    public init() {}

    /// Feeds bytes the server sends, from the first one on. After the cipher
    /// field, or once the stream is not a ServerHello, later bytes are ignored.
    public mutating func feed(_ chunk: some Sequence<UInt8>) {
        guard !finished else { return }
        bytes.append(contentsOf: chunk)
        // Record header (5): content type 22 = handshake. Handshake header (4):
        // type 2 = ServerHello. Then version (2), random (32), session id
        // length (1) and the id, then the cipher suite (2).
        if bytes.count >= 1 && bytes[0] != 22 || bytes.count >= 6 && bytes[5] != 2 {
            finished = true
            return
        }
        guard bytes.count >= 44 else { return }
        let cipherAt = 44 + Int(bytes[43])
        guard bytes.count >= cipherAt + 2 else { return }
        cipherSuite = UInt16(bytes[cipherAt]) << 8 | UInt16(bytes[cipherAt + 1])
        finished = true
        bytes = []
    }
}

/// OpenSSL's names for the cipher suites (what `SSL_get_cipher_name` returns,
/// and so what qmail-smtpd with the tls patch writes into Received).
public enum CipherSuiteName {
    /// The OpenSSL name of `suite`, or nil for a suite not in the table.
    public static func openSSL(_ suite: UInt16) -> String? { names[suite] }

    private static let names: [UInt16: String] = [
        0x1301: "TLS_AES_128_GCM_SHA256",
        0x1302: "TLS_AES_256_GCM_SHA384",
        0x1303: "TLS_CHACHA20_POLY1305_SHA256",
        0xC02B: "ECDHE-ECDSA-AES128-GCM-SHA256",
        0xC02C: "ECDHE-ECDSA-AES256-GCM-SHA384",
        0xC02F: "ECDHE-RSA-AES128-GCM-SHA256",
        0xC030: "ECDHE-RSA-AES256-GCM-SHA384",
        0xCCA8: "ECDHE-RSA-CHACHA20-POLY1305",
        0xCCA9: "ECDHE-ECDSA-CHACHA20-POLY1305",
        0xC009: "ECDHE-ECDSA-AES128-SHA",
        0xC00A: "ECDHE-ECDSA-AES256-SHA",
        0xC013: "ECDHE-RSA-AES128-SHA",
        0xC014: "ECDHE-RSA-AES256-SHA",
        0x009C: "AES128-GCM-SHA256",
        0x009D: "AES256-GCM-SHA384",
        0x002F: "AES128-SHA",
        0x0035: "AES256-SHA",
    ]
}
