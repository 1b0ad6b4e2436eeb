import Foundation
import Synchronization
import SMTPEngine
import SMTPServer
import Testing
import TestSupport

/// STARTTLS through NIOSSL, driven by Python's ssl module over a plain
/// socket so that the clear-text part is byte-exact too.
@Suite("SMTPServer STARTTLS", .ownThread, .enabled(if: hasOpenSSL && hasPython, "needs openssl (test certificate) and python3 (TLS client)"))
struct TLSTests {
    /// Prints each reply as one JSON string per line, then the TLS version.
    static let injectionClient = #"""
        import json, socket, ssl, sys
        sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
        def reply(stream):
            text = b""
            while True:
                line = stream.readline()
                text += line
                if len(line) < 4 or line[3:4] != b"-":
                    return text.decode()
        plain = sock.makefile("rb", buffering=0)
        print(json.dumps(reply(plain)))
        sock.sendall(b"EHLO client.example\r\n")
        print(json.dumps(reply(plain)))
        sock.sendall(b"STARTTLS\r\nRSET\r\n")   # CVE-2011-0411: RSET must be dropped
        print(json.dumps(reply(plain)))
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        tls = context.wrap_socket(sock, server_hostname="127.0.0.1")
        secure = tls.makefile("rb", buffering=0)
        tls.sendall(b"NOOP\r\n")
        print(json.dumps(reply(secure)))
        tls.sendall(b"EHLO again.example\r\nQUIT\r\n")
        print(json.dumps(reply(secure)))
        print(json.dumps(reply(secure)))
        print(json.dumps(tls.version()))
        """#

    @Test("STARTTLS: 220 in clear, injected RSET dropped (CVE-2011-0411), session state reset, version logged")
    func startTLSInjection() async throws {
        let home = try TestHome.withCertificate()
        defer { home.remove() }
        let lines = LogLines()
        let settings = home.settings(features: [.tls], delivery: .memory(MemorySink()), log: lines.append)
        let result = try await withServer(settings) { port in
            try Command.run("python3", ["-c", Self.injectionClient, String(port)])
        }
        #expect(result.status == 0, "\(result.err)")
        let replies = try result.out.split(separator: "\n").map {
            try JSONDecoder().decode(String.self, from: Data($0.utf8))
        }
        #expect(replies == [
            "220 mx.test.example ESMTP\r\n",
            "250-mx.test.example\r\n250-STARTTLS\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
            "220 ready for tls\r\n",
            "250 ok\r\n",
            "250-mx.test.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
            "221 mx.test.example\r\n",
            "TLSv1.3",
        ])
        #expect(lines.all.first?.hasSuffix("status 0 messages 0 tls TLSv1.3 reason quit") == true)
    }

    @Test("a failed handshake gets 454 TLS connection failed: <short reason> in clear, then close")
    func handshakeFailure() async throws {
        let home = try TestHome.withCertificate()
        defer { home.remove() }
        let settings = home.settings(features: [.tls], delivery: .memory(MemorySink()))
        try await withServer(settings) { port in
            let client = try LoopbackClient(port: port)
            _ = try client.readReply()
            try client.send("STARTTLS\r\n")
            #expect(try client.readReply() == "220 ready for tls\r\n")
            try client.send("this is not a TLS ClientHello\r\n")
            // After BoringSSL's protocol_version alert, the reply as the C build words it.
            let rest = TLSHandshakeTests.withoutAlerts(try client.readUntilClosed())
            #expect(rest == "454 TLS connection failed: wrong version number (#4.3.0)\r\n")
        }
    }

    /// The fuzz sweep of scripts/serve-robustness found these sessions held
    /// open for good: STARTTLS, part of a TLS record, end of input, all at
    /// once, so the end was often seen before STARTTLS was acted on.
    @Test("STARTTLS, a cut ClientHello and end of input in one burst: 454 unexpected eof at once, every time")
    func endOfInputDuringHandshake() async throws {
        let home = try TestHome.withCertificate()
        defer { home.remove() }
        let settings = home.settings(features: [.tls], delivery: .memory(MemorySink()))
        try await withServer(settings) { port in
            for tail in [[0x16, 0x03, 0x01, 0x00, 0x05] + Array("he".utf8), [UInt8]()] {
                for _ in 0..<10 {
                    let client = try LoopbackClient(port: port)
                    try client.send(Array("EHLO x\r\nSTARTTLS\r\n".utf8) + tail)
                    client.shutdownWrite()
                    let all = try client.readUntilClosed()
                    #expect(all.hasSuffix("220 ready for tls\r\n454 TLS connection failed: unexpected eof (#4.3.0)\r\n"),
                            "\(all)")
                }
            }
        }
    }

    @Test("control/tlsserverciphers chooses the TLS 1.2 suite; Received names it")
    func tlsServerCiphers() async throws {
        let home = try TestHome.withCertificate()
        defer { home.remove() }
        try home.write(control: "tlsserverciphers", "DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384\n")
        let sink = MemorySink()
        let lines = LogLines()
        let settings = home.settings(features: [.tls], delivery: .memory(sink), log: lines.append)
        let client = #"""
            import smtplib, ssl, sys
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.maximum_version = ssl.TLSVersion.TLSv1_2
            with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as smtp:
                smtp.starttls(context=context)
                print(smtp.sock.cipher()[0])
                smtp.sendmail("a@b.example", ["c@d.example"], "Subject: x\r\n\r\nhi\r\n")
            """#
        let result = try await withServer(settings) { port in
            try Command.run("python3", ["-c", client, String(port)])
        }
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out == "ECDHE-RSA-AES256-GCM-SHA384\n")
        let text = String(decoding: try #require(sink.messages.first).bytes, as: UTF8.self)
        #expect(text.contains(" with ESMTPS (ECDHE-RSA-AES256-GCM-SHA384 encrypted); "), "\(text)")
        #expect(lines.all.contains { $0.contains("skipped 'DHE-RSA-AES256-GCM-SHA384'") }, "\(lines.all)")
    }

    @Test("SMTPS: the handshake comes before the greeting")
    func smtps() async throws {
        let home = try TestHome.withCertificate()
        defer { home.remove() }
        let settings = home.settings(features: [.tls], delivery: .memory(MemorySink()), environment: ["SMTPS": "1"])
        let client = #"""
            import smtplib, ssl, sys
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            with smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), context=context, timeout=10) as smtp:
                code, text = smtp.ehlo("client.example")
                print(code, text.decode().replace("\n", "|"))
            """#
        let result = try await withServer(settings) { port in
            try Command.run("python3", ["-c", client, String(port)])
        }
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out == "250 mx.test.example|PIPELINING|8BITMIME\n")
    }
}

/// Collects log lines from the server threads.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var append: @Sendable (String) -> Void { { line in self.lines.withLock { $0.append(line) } } }
}
