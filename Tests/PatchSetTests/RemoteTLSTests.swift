import Foundation
import Testing
import TestSupport
import RealBuildSupport
import Conformance

/// qmail-remote's TLS client (docs/tls.md#qmail-remote) against the
/// loopback fake server with a real OpenSSL server side, on every selection with tls.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree, tlsTools)
struct RemoteTLSTests {
    static let selections = [["tls"], ["auth", "tls"], ["forcetls"]]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// The server certificate file in the PKI; nil = the server offers no STARTTLS.
        var certificate: String? = "server-rsa.pem"
        /// Extra control files; `CA` and `CLIENT` are replaced by the PKI's CA and client.pem.
        var files: [String: String] = [:]
        var delivered = true
        var reportContains: String?
        var expectTLS = true
        var startTLSReply = "220 ready"
        var smtps = false
        var requestClientCertificate = false
        var serverBegins: [String] = []

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "opportunistic STARTTLS", serverBegins: ["EHLO mail.example.org", "STARTTLS", "EHLO mail.example.org"]),
        Case(name: "notlshosts", files: ["notlshosts/127.0.0.1": ""], expectTLS: false),
        Case(name: "exhaustivelist without the host", files: ["tlshosts/exhaustivelist": "", "tlshosts/other.pem": "CA"],
             expectTLS: false),
        Case(name: "tlshosts/127.0.0.1.pem verified by IP SAN", files: ["tlshosts/127.0.0.1.pem": "CA"]),
        Case(name: "EC server certificate verified", certificate: "server-ec.pem", files: ["tlshosts/127.0.0.1.pem": "CA"]),
        Case(name: "IP SAN mismatch", certificate: "wrongip.pem", files: ["tlshosts/127.0.0.1.pem": "CA"], delivered: false,
             reportContains: "IP address mismatch"),
        Case(name: "IP literal named only by CN and DNS SAN", certificate: "ipasname.pem",
             files: ["tlshosts/127.0.0.1.pem": "CA"], delivered: false, reportContains: "IP address mismatch"),
        Case(name: "untrusted chain", certificate: "untrusted.pem", files: ["tlshosts/127.0.0.1.pem": "CA"], delivered: false,
             reportContains: "TLS negotiation failed: unable to get local issuer certificate"),
        Case(name: "mandatory TLS, STARTTLS not offered", certificate: nil, files: ["tlshosts/127.0.0.1.pem": "CA"],
             delivered: false, reportContains: "does not offer STARTTLS"),
        Case(name: "mandatory TLS, STARTTLS refused", files: ["tlshosts/127.0.0.1.pem": "CA"], delivered: false,
             reportContains: "STARTTLS was rejected", startTLSReply: "454 TLS not available"),
        Case(name: "opportunistic, STARTTLS refused: clear text", expectTLS: false, startTLSReply: "454 TLS not available"),
        Case(name: "opportunistic, no STARTTLS offered", certificate: nil, expectTLS: false),
        Case(name: "client certificate sent", files: ["clientcert.pem": "CLIENT"], requestClientCertificate: true),
        Case(name: "tlsclientciphers junk", files: ["tlsclientciphers": "NO-SUCH-CIPHER\n"], delivered: false,
             reportContains: "bad cipher list"),
        Case(name: "tlsclientciphers with a TLS 1.2 cipher", files: ["tlsclientciphers": "ECDHE-RSA-AES128-GCM-SHA256\n"]),
        Case(name: "opportunistic, handshake fails: deferral, no downgrade", delivered: false,
             reportContains: "TLS negotiation failed", startTLSReply: "garbage"),
    ]

    static let smtpsCases: [Case] = [
        Case(name: "SMTPS on a :465 route", smtps: true),
        Case(name: "SMTPS :465 verified", files: ["tlshosts/127.0.0.1.pem": "CA"], smtps: true),
        Case(name: "SMTPS :465 untrusted", certificate: "untrusted.pem", files: ["tlshosts/127.0.0.1.pem": "CA"],
             delivered: false, reportContains: "unable to get local issuer certificate", smtps: true),
    ]

    @Test(arguments: selections)
    func startTLSClient(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        for scenario in Self.cases {
            try await Self.deliver(scenario, build, port: 0)
        }
    }

    /// qmail-remote speaks SMTPS only to port 465, so the selections share it (see `listen`).
    @Test(.enabled(if: PortPrivilege.refusal(port: 465) == nil, "the SMTPS peer \(PortPrivilege.refusal(port: 465) ?? "")"),
          arguments: selections)
    func smtpsClientOnPort465(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        for scenario in Self.smtpsCases {
            try await Self.deliver(scenario, build, port: 465)
        }
    }

    static func deliver(_ scenario: Case, _ build: PatchedBuild, port: UInt16) async throws {
        let pki = try PKI.get()
        let tls = scenario.certificate.map {
            TLSSettings(trustedCA: scenario.requestClientCertificate ? pki.ca : nil, certificate: pki.file($0),
                        requestClientCertificate: scenario.requestClientCertificate)
        }
        let script = FakeSMTPServer.Script(tls: tls, smtps: scenario.smtps, startTLSReply: scenario.startTLSReply)
        var files: [String: String?] = [:]
        for (name, text) in scenario.files {
            files[name] = text == "CA" ? try pki.text(pki.ca) : text == "CLIENT" ? try pki.text(pki.client) : text
        }
        let (run, server) = try await build.withControl(files) {
            let server = try await listen(script, port: port)
            try build.addControl(["smtproutes": "example.net:[127.0.0.1]:\(server.port)\n"])
            let run = try QmailRemoteRun.run(build)
            server.finish()
            return (run, server)
        }
        let commands = server.commands
        #expect(run.ended(delivered: scenario.delivered, reportContains: scenario.reportContains),
                "\(scenario.name): report \(run.report), server saw \(commands)")
        if scenario.delivered {
            #expect(server.tlsUsed == scenario.expectTLS, "\(scenario.name): TLS used \(server.tlsUsed), \(commands)")
        }
        #expect(Array(commands.prefix(scenario.serverBegins.count)) == scenario.serverBegins, "\(scenario.name): \(commands)")
        if scenario.requestClientCertificate {
            #expect(server.clientPresentedCertificate, "\(scenario.name): the server should receive the client certificate")
        }
        if scenario.smtps && scenario.delivered {
            #expect(commands.first == "EHLO mail.example.org" && !commands.contains("STARTTLS"),
                    "\(scenario.name): no STARTTLS inside SMTPS: \(commands)")
        }
    }

    /// A server on `port` (0: any free port). Port 465 is busy only between another
    /// server's bind and its accept (the listener closes then), so its bind is retried for 30 s.
    private static func listen(_ script: FakeSMTPServer.Script, port: UInt16) async throws -> FakeSMTPServer {
        let deadline = Date().addingTimeInterval(30)
        while true {
            do {
                return try FakeSMTPServer(script, port: port)
            } catch where port != 0 && Date() < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}
