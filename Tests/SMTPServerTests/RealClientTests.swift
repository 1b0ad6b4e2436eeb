import Foundation
import SMTPEngine
import SMTPServer
import Testing
import TestSupport

/// Real SMTP clients against the in-process server: STARTTLS, every AUTH
/// mechanism through the checkpassword script, and a message that must
/// arrive byte-exact.
@Suite("SMTPServer with real clients", .ownThread, .enabled(if: hasOpenSSL, "needs openssl (certificate, CRAM-MD5 check)"))
struct RealClientTests {
    /// CRLF-terminated, with a leading dot and 8-bit text; stored with LF.
    static let message = "From: alice@b.example\r\nSubject: real client\r\n\r\n.leading dot\r\nna\u{EF}ve 8-bit\r\n\r\nend\r\n"

    static func settings(_ home: TestHome, sink: MemorySink) throws -> ServerSettings {
        try home.makeServerCertificate()
        let check = try CheckPasswordScript.write(in: home)
        return home.settings(features: [.auth, .tls], delivery: .memory(sink), checkProgram: [check, "/bin/true"],
                             environment: ["SMTPAUTH": "+cram", "AUTHSLEEP": "0"])
    }

    /// `ciphers`: the cipher of each session as the client's OpenSSL named it,
    /// which the Received header must repeat (as qmail-smtpd's does).
    static func expectDelivered(_ sink: MemorySink, ciphers: [String]) {
        let messages = sink.messages
        #expect(messages.count == ciphers.count)
        let stored = Array(message.replacingOccurrences(of: "\r\n", with: "\n").utf8)
        for (delivered, cipher) in zip(messages, ciphers) {
            #expect(bodyAfterReceivedLine(delivered.bytes) == stored)
            #expect(delivered.sender == Array("alice@b.example".utf8))
            #expect(delivered.recipients == [Array("c@d.example".utf8)])
            let received = String(decoding: delivered.bytes.prefix(200), as: UTF8.self)
            #expect(received.contains("(alice@127.0.0.1)\n  by 127.0.0.1 with ESMTPSA (\(cipher) encrypted); "), "\(received)")
        }
    }

    @Test("Python smtplib: STARTTLS (TLS 1.3, and 1.2 for CRAM-MD5), then AUTH LOGIN, PLAIN and CRAM-MD5, one message each",
          .enabled(if: hasPython, "python3 is not installed"))
    func pythonSmtplib() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let sink = MemorySink()
        let client = #"""
            import smtplib, ssl, sys
            port, message = int(sys.argv[1]), sys.stdin.buffer.read()
            for mechanism in ("LOGIN", "PLAIN", "CRAM-MD5"):
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                if mechanism == "CRAM-MD5":
                    context.maximum_version = ssl.TLSVersion.TLSv1_2
                with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                    smtp.ehlo("client.example")
                    smtp.starttls(context=context)
                    print("CIPHER", smtp.sock.cipher()[0])
                    smtp.ehlo("client.example")
                    smtp.user, smtp.password = "alice", "wonder land"
                    method = {"LOGIN": smtp.auth_login, "PLAIN": smtp.auth_plain, "CRAM-MD5": smtp.auth_cram_md5}
                    code, text = smtp.auth(mechanism, method[mechanism], initial_response_ok=False)
                    print(mechanism, code, text.decode())
                    smtp.sendmail("alice@b.example", ["c@d.example"], message)
            """#
        let result = try await withServer(try Self.settings(home, sink: sink)) { port in
            try Command.run("python3", ["-c", client, String(port)], input: Array(Self.message.utf8))
        }
        #expect(result.status == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n")
        #expect(lines.filter { !$0.hasPrefix("CIPHER ") } == [
            "LOGIN 235 ok, go ahead (#2.0.0)", "PLAIN 235 ok, go ahead (#2.0.0)", "CRAM-MD5 235 ok, go ahead (#2.0.0)",
        ])
        let ciphers = lines.filter { $0.hasPrefix("CIPHER ") }.map { String($0.dropFirst(7)) }
        #expect(ciphers.count == 3)
        #expect(ciphers.first?.hasPrefix("TLS_") == true && ciphers.last?.hasPrefix("TLS_") == false, "\(ciphers)")
        Self.expectDelivered(sink, ciphers: ciphers)
    }

    @Test("swaks --tls --auth (PLAIN and CRAM-MD5)", .enabled(if: hasSwaks, "swaks is not installed"))
    func swaks() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let sink = MemorySink()
        let results = try await withServer(try Self.settings(home, sink: sink)) { port in
            try ["PLAIN", "CRAM-MD5"].map { mechanism in
                try Command.run("swaks", [
                    "--server", "127.0.0.1", "--port", String(port), "--helo", "client.example",
                    "--tls", "--auth", mechanism, "--auth-user", "alice", "--auth-password", CheckPasswordScript.password,
                    "--from", "alice@b.example", "--to", "c@d.example", "--timeout", "10", "--data", "-",
                ], input: Array(String(Self.message.dropLast()).utf8))  // drops the final CRLF (one Character): swaks adds CRLF . CRLF
            }
        }
        // swaks says "=== TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256".
        var ciphers: [String] = []
        for result in results {
            #expect(result.status == 0, "\(result.out)\(result.err)")
            #expect(result.out.contains("<~  235 ok, go ahead (#2.0.0)"))
            if let line = result.out.split(separator: "\n").first(where: { $0.contains("TLS started with cipher ") }) {
                let fields = line.split(separator: " ").last?.split(separator: ":") ?? []
                if fields.count > 1 { ciphers.append(String(fields[1])) }
            }
        }
        #expect(ciphers.count == 2, "\(results.map(\.out))")
        Self.expectDelivered(sink, ciphers: ciphers)
    }
}
