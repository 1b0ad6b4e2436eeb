import Foundation
import Testing
import TestSupport
import RealBuildSupport

/// docs/README.md#combining-features: a feature that is not selected
/// shows stock netqmail behaviour (its verbs are `502 unimplemented`, its EHLO
/// keywords and control files do nothing).
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree, tlsTools, checkpasswordTool)
struct UnselectedFeatureTests {
    @Test func authOnlyBuildHasNoTLS() async throws {
        let build = try PatchedBuild.sandbox(features: ["auth"])
        let pki = try PKI.get()
        try await build.withControl(["servercert.pem": try pki.text(pki.serverRSA)]) {
            let session = try SMTPDConnection(build, arguments: TestTools.checkArguments,
                                              environment: ["SMTPAUTH": "", "SMTPS": "1", "FORCETLS": "1"])
            session.expectGreeting()
            session.expect("EHLO x\r\n", lines: EHLOReply.lines(build, auth: "LOGIN PLAIN"),
                           "no STARTTLS although servercert.pem exists; SMTPS and FORCETLS ignored")
            session.expect("STARTTLS\r\n", lines: ["502 unimplemented (#5.5.1)"])
            session.expect("AUTH PLAIN " + AuthText.base64("\0joe\0secret") + "\r\n", lines: ["235 ok, go ahead (#2.0.0)"],
                           "FORCETLS means nothing without the forcetls feature")
            session.expectQuit()
        }
    }

    @Test func tlsOnlyBuildHasNoAuth() async throws {
        let build = try PatchedBuild.sandbox(features: ["tls"])
        try await build.withControl {
            let session = try SMTPDConnection(build, arguments: TestTools.checkArguments,
                                              environment: ["SMTPAUTH": "!", "DATABYTES": "10"])
            session.expectGreeting()
            session.expect("EHLO x\r\n", lines: ["250-\(PatchedBuild.greeting)", "250-PIPELINING", "250 8BITMIME"],
                           "stock EHLO: no AUTH, no SIZE")
            session.expect("AUTH PLAIN " + AuthText.base64("\0joe\0secret") + "\r\n", lines: ["502 unimplemented (#5.5.1)"])
            session.expect("MAIL FROM:<a@b.test>\r\n", lines: ["250 ok"], "SMTPAUTH=! requires nothing without auth")
            session.expect("RCPT TO:<x@other.test>\r\n",
                           lines: ["553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"])
            session.expectQuit()
        }
    }
}
