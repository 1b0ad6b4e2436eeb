import Foundation
import Testing
import TestSupport
import RealBuildSupport

/// docs/ehlo.md#final-line: one well-formed multi-line reply for every
/// selection, with and without a server certificate, before and after TLS, for each
/// AUTH setting.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree, tlsTools, checkpasswordTool)
struct EHLOShapeTests {
    static let selections = [["auth"], ["tls"], ["auth", "tls"], ["forcetls"]]

    /// Structural rules any EHLO reply must obey, whatever the selection.
    static func wellFormed(_ reply: [String]) -> Bool {
        guard let last = reply.last, reply.count >= 2 else { return false }
        return reply.dropLast().allSatisfy { $0.hasPrefix("250-") } && last.hasPrefix("250 ")
            && reply[0] == "250-\(PatchedBuild.greeting)"
            && reply.filter { $0.hasSuffix("STARTTLS") }.count <= 1
    }

    @Test(arguments: selections)
    func ehloIsWellFormedInEveryState(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let pki = try PKI.get()
        let hasTLS = build.features.contains("tls"), hasAuth = build.features.contains("auth")
        let forced = build.features.contains("forcetls")
        for withCertificate in [false, true] {
            let files: [String: String?] = withCertificate ? ["servercert.pem": try pki.text(pki.serverRSA)] : [:]
            try await build.withControl(files) {
                for smtpAuth in [nil, "", "+cram"] as [String?] {
                    let session = try SMTPDConnection(build, arguments: TestTools.checkArguments, environment: ["SMTPAUTH": smtpAuth])
                    session.expectGreeting()
                    let mechanisms = smtpAuth.map { $0 == "+cram" ? "LOGIN PLAIN CRAM-MD5" : "LOGIN PLAIN" }
                    let offersTLS = hasTLS && withCertificate
                    let before = session.expect("EHLO x\r\n", lines: EHLOReply.lines(
                        build, startTLS: offersTLS, auth: hasAuth && !forced ? mechanisms : nil),
                        "EHLO before TLS, SMTPAUTH=\(smtpAuth ?? "unset"), certificate \(withCertificate)")
                    #expect(Self.wellFormed(before), "\(before)")
                    if offersTLS {
                        session.expect("STARTTLS\r\n", lines: ["220 ready for tls"])
                        try session.startTLS()
                        let after = session.expect("EHLO x\r\n", lines: EHLOReply.lines(build, auth: hasAuth ? mechanisms : nil),
                                                   "EHLO after TLS, SMTPAUTH=\(smtpAuth ?? "unset")")
                        #expect(Self.wellFormed(after) && !after.contains("250-STARTTLS"), "\(after)")
                    }
                    session.expectQuit()
                }
            }
        }
    }
}
