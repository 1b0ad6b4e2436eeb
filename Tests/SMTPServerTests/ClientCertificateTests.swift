import Conformance
import Foundation
import SMTPEngine
import SMTPServer
import Testing
import TestSupport

/// Client certificates through the real transport: Python's ssl module (the
/// system OpenSSL) presents certificates from the conformance suite's
/// generated PKI over loopback.
@Suite("SMTPServer client certificates", .ownThread, .enabled(if: hasOpenSSL && hasPython, "needs openssl (test PKI) and python3 (TLS client)"))
struct ClientCertificateTests {
    /// argv: port, certificate file or "-"; prints the RCPT reply and the
    /// TLS version.
    static let client = #"""
        import socket, ssl, sys
        sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
        plain = sock.makefile("rb", buffering=0)
        plain.readline()
        sock.sendall(b"STARTTLS\r\n")
        assert plain.readline() == b"220 ready for tls\r\n"
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        if sys.argv[2] != "-":
            context.load_cert_chain(sys.argv[2])
        tls = context.wrap_socket(sock, server_hostname="127.0.0.1")
        secure = tls.makefile("rb", buffering=0)
        tls.sendall(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<x@other.test>\r\n")
        secure.readline()
        print(secure.readline().decode().strip())
        tls.sendall(b"QUIT\r\n")
        secure.readline()
        print(tls.version())
        """#

    func rcptReply(_ home: TestHome, certificate: String?) async throws -> [String] {
        var path = "-"
        if let certificate {
            path = home.path("\(certificate).pem")
            try Data(try SuitePKI.pem(certificate)).write(to: URL(fileURLWithPath: path))
        }
        let settings = home.settings(features: [.tls], delivery: .memory(MemorySink()))
        let result = try await withServer(settings) { port in
            try Command.run("python3", ["-c", Self.client, String(port), path])
        }
        #expect(result.status == 0, "\(result.err)")
        return result.out.split(separator: "\n").map(String.init)
    }

    func makeHome(crl: Bool = false, clientCA: Bool = true) throws -> TestHome {
        let home = try TestHome(controls: ["me": "mx.test.example\n", "rcpthosts": "example.org\n",
                                           "tlsclients": "relay@example.org\n"])
        try Data(try SuitePKI.pem("server")).write(to: home.control.appendingPathComponent("servercert.pem"))
        if clientCA { try Data(try SuitePKI.pem("ca")).write(to: home.control.appendingPathComponent("clientca.pem")) }
        if crl { try Data(try SuitePKI.pem("crl")).write(to: home.control.appendingPathComponent("clientcrl.pem")) }
        return home
    }

    static let refused = "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"

    @Test("a verified certificate listed in tlsclients relays; others get TLS but no relaying")
    func relayingByCertificate() async throws {
        let home = try makeHome()
        defer { home.remove() }
        #expect(try await rcptReply(home, certificate: "relay") == ["250 ok", "TLSv1.3"])
        for refused in ["stranger", "untrusted", nil] as [String?] {
            #expect(try await rcptReply(home, certificate: refused) == [Self.refused, "TLSv1.3"], "\(refused ?? "no certificate")")
        }
    }

    @Test("clientcrl.pem revokes; without clientca.pem no certificate counts")
    func revocationAndNoAuthorities() async throws {
        let withCRL = try makeHome(crl: true)
        defer { withCRL.remove() }
        #expect(try await rcptReply(withCRL, certificate: "revoked") == [Self.refused, "TLSv1.3"])
        #expect(try await rcptReply(withCRL, certificate: "relay") == ["250 ok", "TLSv1.3"])
        let noCA = try makeHome(clientCA: false)
        defer { noCA.remove() }
        #expect(try await rcptReply(noCA, certificate: "relay") == [Self.refused, "TLSv1.3"])
    }

    @Test("the verifier reads e-mail addresses from the SAN and the subject of a verifying chain only")
    func verifierExtractsAddresses() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = directory.appendingPathComponent("ca.pem")
        try Data(try SuitePKI.pem("ca")).write(to: ca)
        let verifier = try ClientCertificateVerifier(authorities: ca.path, revocationLists: nil)
        func emails(_ item: String) throws -> [String] {
            let der = try derOfFirstCertificate(SuitePKI.pem(item))
            return verifier.verifiedEmails(chain: [der]).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(try emails("relay") == ["relay@example.org"])
        #expect(try emails("relay-san") == ["san@example.org"])
        #expect(try emails("untrusted") == [])
        #expect(try emails("revoked") == ["relay@example.org"], "no clientcrl.pem given")
        #expect(throws: ClientCertificateVerifier.LoadError.self) {
            _ = try ClientCertificateVerifier(authorities: directory.appendingPathComponent("missing.pem").path, revocationLists: nil)
        }
    }

    /// The DER bytes of the first PEM certificate block.
    func derOfFirstCertificate(_ pem: [UInt8]) throws -> [UInt8] {
        let text = String(decoding: pem, as: UTF8.self)
        let begin = try #require(text.range(of: "-----BEGIN CERTIFICATE-----\n"))
        let end = try #require(text.range(of: "-----END CERTIFICATE-----"))
        let base64 = text[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        return Array(try #require(Data(base64Encoded: String(base64))))
    }
}
