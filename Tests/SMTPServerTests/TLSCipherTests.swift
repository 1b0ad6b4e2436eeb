import Foundation
import NIOCore
import NIOEmbedded
import SMTPEngine
@testable import SMTPServer
import Testing
import TestSupport

/// control/tlsserverciphers and TLSCIPHERS (docs/tls.md#ciphers): OpenSSL
/// cipher lists evaluated for BoringSSL, a list that selects nothing refused
/// with tls.patch's 454, and TLS setups that follow the files.
@Suite("SMTPServer TLS cipher lists", .ownThread)
struct TLSCipherTests {
    @Test("OpenSSL lists: names, aliases, A+B, !, -, +, @STRENGTH, as BoringSSL evaluates them")
    func evaluation() {
        #expect(ServerCipherList("ECDHE-RSA-AES128-GCM-SHA256").suites == ["ECDHE-RSA-AES128-GCM-SHA256"])
        #expect(ServerCipherList("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").suites == ["ECDHE-RSA-AES128-GCM-SHA256"])
        let high = ServerCipherList("HIGH:!aNULL:!MD5:!RC4")
        #expect(high.suites.count == 19 && high.skipped.isEmpty, "\(high)")
        // ALL leaves out the deprecated suites unless an alias or a name asks for them.
        #expect(!ServerCipherList("ALL").suites.contains("DES-CBC3-SHA"))
        #expect(ServerCipherList("RSA+3DES").suites == ["DES-CBC3-SHA"])
        #expect(ServerCipherList("ECDH+AESGCM:-aECDSA").suites
            == ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384"])
        #expect(ServerCipherList("kECDHE+aRSA+TLSv1.2").suites
            == ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"])
        #expect(ServerCipherList("AES128-SHA:ECDHE-RSA-AES128-SHA:+kRSA").suites == ["ECDHE-RSA-AES128-SHA", "AES128-SHA"])
        #expect(ServerCipherList("!kRSA:AES128-SHA").suites == [])
        #expect(ServerCipherList("-kRSA:AES128-SHA").suites == ["AES128-SHA"])
        #expect(ServerCipherList("AES128-SHA AES256-SHA,ECDHE-RSA-AES128-SHA;@STRENGTH").suites
            == ["AES256-SHA", "AES128-SHA", "ECDHE-RSA-AES128-SHA"])
    }

    @Test("what BoringSSL lacks is skipped and reported; a list of only that selects nothing")
    func skipped() {
        let list = ServerCipherList("DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0:CAMELLIA:NO-SUCH")
        #expect(list.suites == ["ECDHE-RSA-AES256-GCM-SHA384"])
        // CAMELLIA is an OpenSSL alias for suites BoringSSL has none of: nothing to report.
        #expect(list.skipped == ["DHE-RSA-AES256-GCM-SHA384", "@SECLEVEL=0", "NO-SUCH"])
        #expect(ServerCipherList("NO-SUCH-CIPHER").suites.isEmpty)
        #expect(ServerCipherList("").suites.isEmpty)
    }

    @Test("every suite of the table is one BoringSSL knows, and it selects exactly the list, in order")
    func boringSSLAgrees() {
        let lists = ["ALL:3DES:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256", "HIGH:!aNULL:@STRENGTH",
                     "ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA", "kECDHE+CHACHA20:PSK"]
        for text in lists {
            let list = ServerCipherList(text)
            #expect(list.selectedByBoringSSL() == list.suiteIDs, "\(text)")
        }
        #expect(ServerCipherList("ALL:3DES:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256").suites.count
            == ServerCipherList.table.count)
    }

    @Test("TLSCIPHERS that selects nothing: STARTTLS gets 454 TLS bad cipher list, the session goes on in clear",
          .enabled(if: hasOpenSSL, "needs openssl for the test certificate"))
    func noCipherMatch() throws {
        let home = try TestHome.withCertificate()
        defer { home.remove() }
        let lines = LogLines()
        let server = home.server(log: lines.append)
        for _ in 0..<2 {
            let session = try EmbeddedSession(server, environment: ["TLSCIPHERS": "NO-SUCH-CIPHER"])
            try session.send("EHLO x\r\nSTARTTLS\r\nNOOP\r\n")
            #expect(try session.replies()
                == "250-mx.test.example\r\n250-STARTTLS\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
                + "454 TLS bad cipher list: no cipher match (#4.3.0)\r\n250 ok\r\n")
            session.tearDown()
        }
        // Reported once for the server, not per connection.
        #expect(lines.all.filter { $0.contains("skipped 'NO-SUCH-CIPHER'") }.count == 1, "\(lines.all)")
        #expect(lines.all.filter { $0.contains("454 TLS bad cipher list") }.count == 1, "\(lines.all)")
    }

    @Test("servercert.pem without its key: 454 TLS missing certificate before any handshake, as tls.patch",
          .enabled(if: hasOpenSSL, "needs openssl for the test certificate"))
    func certificateWithoutKey() throws {
        let home = try TestHome.withCertificate()
        defer { home.remove() }
        try FileManager.default.removeItem(at: home.control.appendingPathComponent("servercert.pem"))
        try FileManager.default.copyItem(at: home.root.appendingPathComponent("cert.pem"),
                                         to: home.control.appendingPathComponent("servercert.pem"))
        let server = ServerContext(settings: home.settings(features: [.tls], delivery: .memory(MemorySink())))
        let session = try EmbeddedSession(server)
        try session.send("STARTTLS\r\nNOOP\r\n")
        #expect(try session.replies()
            == "454 TLS missing certificate: cannot load private key from control/servercert.pem (#4.3.0)\r\n250 ok\r\n")
    }

    @Test("control/tlsserverciphers is read per connection; TLSCIPHERS, when set, wins",
          .enabled(if: hasOpenSSL, "needs openssl for the test certificate"))
    func controlFileAndEnvironment() throws {
        let home = try TestHome.withCertificate()
        defer { home.remove() }
        let server = home.server()
        let standard = try server.serverTLS(environment: [:]).get()
        try home.write(control: "tlsserverciphers", "NO-SUCH-CIPHER  \nECDHE-RSA-AES128-GCM-SHA256\n")
        #expect(throws: ServerTLS.SetupError.self) { try server.serverTLS(environment: [:]).get() }
        let fromEnvironment = try server.serverTLS(environment: ["TLSCIPHERS": "ECDHE-RSA-AES128-GCM-SHA256"]).get()
        #expect(fromEnvironment.context !== standard.context)
        // An empty TLSCIPHERS means the default list, as an empty file does.
        #expect(try server.serverTLS(environment: ["TLSCIPHERS": ""]).get().context === standard.context)
    }

    @Test("a replaced servercert.pem or clientcrl.pem counts from the next connection; unchanged files are not read again",
          .enabled(if: hasOpenSSL, "needs openssl for the test certificate"))
    func setupFollowsFiles() throws {
        let home = try TestHome.withCertificate()
        defer { home.remove() }
        let server = home.server()
        let first = try server.serverTLS(environment: [:]).get()
        #expect(try server.serverTLS(environment: [:]).get().context === first.context)
        try home.makeServerCertificate()
        let second = try server.serverTLS(environment: [:]).get()
        #expect(second.context !== first.context)
        #expect(second.clientVerifier == nil)
        // clientca.pem appearing asks for client certificates from then on.
        try FileManager.default.copyItem(at: home.root.appendingPathComponent("cert.pem"),
                                         to: home.control.appendingPathComponent("clientca.pem"))
        let third = try server.serverTLS(environment: [:]).get()
        #expect(third.clientVerifier != nil)
        #expect(try server.serverTLS(environment: [:]).get().context === third.context)
    }
}
