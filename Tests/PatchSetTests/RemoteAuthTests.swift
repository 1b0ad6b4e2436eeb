import Foundation
import Testing
import TestSupport
import RealBuildSupport

/// qmail-remote's AUTH client (docs/auth.md#qmail-remote) against the
/// loopback fake server, on every selection with auth.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree, tlsTools)
struct RemoteAuthTests {
    static let selections = [["auth"], ["auth", "tls"], ["forcetls"]]

    /// One delivery scenario: server script, credentials, expected outcome.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var auth: String?
        var routeCredentials = "|joe|secret"
        /// `PORT` is replaced by the server's port.
        var authsenders: String?
        var users = ["joe": "secret"]
        var sender = "joe@example.org"
        var ehloAccepted = true
        var delivered = true
        var reportContains: String?
        var serverSaw: [String] = []
        var serverBegins: [String] = []
        var serverDidNotSee: String?

        var testDescription: String { name }
    }

    static let plainJoe = "AUTH PLAIN AGpvZQBzZWNyZXQ="

    static let cases: [Case] = [
        Case(name: "CRAM-MD5 preferred", auth: "LOGIN PLAIN CRAM-MD5", serverSaw: ["AUTH CRAM-MD5"]),
        Case(name: "PLAIN over LOGIN", auth: "LOGIN PLAIN", serverSaw: [plainJoe]),
        Case(name: "LOGIN only", auth: "LOGIN", serverSaw: ["AUTH LOGIN"]),
        Case(name: "CRAM-MD5 listed last, lower case", auth: "login plain cram-md5", serverSaw: ["AUTH CRAM-MD5"]),
        Case(name: "RFC 2195 vector and AUTH= on MAIL", auth: "CRAM-MD5", routeCredentials: "|tim|tanstaaftanstaaf",
             users: ["tim": "tanstaaftanstaaf"],
             serverSaw: ["dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw",
                         "MAIL FROM:<joe@example.org> AUTH=<joe@example.org>"]),
        Case(name: "no usable mechanism", auth: "DIGEST-MD5 GSSAPI", delivered: false, reportContains: "offers no AUTH mechanism"),
        Case(name: "no AUTH at all", auth: nil, delivered: false, reportContains: "offers no AUTH mechanism"),
        Case(name: "EHLO refused, HELO fallback, credentials", auth: "PLAIN", ehloAccepted: false, delivered: false,
             reportContains: "offers no AUTH mechanism"),
        Case(name: "EHLO refused, HELO fallback, no credentials", auth: nil, routeCredentials: "", ehloAccepted: false,
             serverBegins: ["EHLO mail.example.org", "HELO mail.example.org"]),
        Case(name: "no credentials: no AUTH", auth: "PLAIN", routeCredentials: "",
             serverSaw: ["MAIL FROM:<joe@example.org>"], serverDidNotSee: "AUTH"),
        Case(name: "wrong password, CRAM-MD5", auth: "CRAM-MD5", routeCredentials: "|joe|bad", delivered: false,
             reportContains: "AUTH CRAM-MD5 was rejected"),
        Case(name: "wrong password, PLAIN", auth: "PLAIN", routeCredentials: "|joe|bad", delivered: false,
             reportContains: "AUTH PLAIN was rejected"),
        Case(name: "wrong password, LOGIN", auth: "LOGIN", routeCredentials: "|joe|bad", delivered: false,
             reportContains: "AUTH LOGIN was rejected"),
        Case(name: "authsenders full sender beats smtproutes", auth: "PLAIN", routeCredentials: "|joe|bad",
             authsenders: "joe@example.org:[127.0.0.1]:PORT|joe|secret\n", serverSaw: [plainJoe]),
        Case(name: "authsenders @domain", auth: "PLAIN", routeCredentials: "",
             authsenders: "@example.org:[127.0.0.1]:PORT|joe|secret\n", serverSaw: [plainJoe]),
        Case(name: "authsenders .domain", auth: "PLAIN", routeCredentials: "",
             authsenders: "@other.org:[127.0.0.1]:PORT|x|y\n.example.org:[127.0.0.1]:PORT|joe|secret\n",
             sender: "joe@mail.example.org", serverSaw: [plainJoe]),
        Case(name: "authsenders empty key", auth: "PLAIN", routeCredentials: "",
             authsenders: ":[127.0.0.1]:PORT|joe|secret\n", serverSaw: [plainJoe]),
        Case(name: "xtext of the sender", auth: "PLAIN", sender: "a+b=c@example.org",
             serverSaw: ["MAIL FROM:<a+b=c@example.org> AUTH=<a+2Bb+3Dc@example.org>"]),
    ]

    @Test(arguments: selections)
    func deliveriesWithCredentials(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        for scenario in Self.cases {
            let (run, server) = try await build.withControl {
                let server = try FakeSMTPServer(.init(auth: scenario.auth, users: scenario.users, ehloAccepted: scenario.ehloAccepted))
                var files = ["smtproutes": "example.net:[127.0.0.1]:\(server.port)\(scenario.routeCredentials)\n"]
                if let authsenders = scenario.authsenders {
                    files["authsenders"] = authsenders.replacingOccurrences(of: "PORT", with: String(server.port))
                }
                try build.addControl(files)
                let run = try QmailRemoteRun.run(build, sender: scenario.sender)
                server.finish()
                return (run, server)
            }
            let commands = server.commands
            #expect(run.ended(delivered: scenario.delivered, reportContains: scenario.reportContains),
                    "\(scenario.name): report \(run.report), server saw \(commands)")
            for line in scenario.serverSaw {
                #expect(commands.contains(line), "\(scenario.name): server should see \(line) in \(commands)")
            }
            if let forbidden = scenario.serverDidNotSee {
                #expect(!commands.contains { $0.hasPrefix(forbidden) }, "\(scenario.name): \(commands)")
            }
            #expect(Array(commands.prefix(scenario.serverBegins.count)) == scenario.serverBegins,
                    "\(scenario.name): server saw \(commands)")
        }
    }
}
