import Foundation
import Testing
import TestSupport
import RealBuildSupport

/// The certificate rules for hosts with `control/tlshosts/<host>.pem`
/// (docs/tls.md#tlshosts): chain and host name both checked, DNS SANs
/// before the CN and the CN only when there is no DNS SAN, `*.` matching exactly one
/// left-most label, case-insensitive, IP SANs for IP-literal routes. Host names need
/// DNS, so the verdicts come from the patch's own code through ``RemoteTLSNameCheck``;
/// RemoteTLSTests covers the same rules end to end where an IP literal allows it.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree, tlsTools)
struct RemoteTLSNameTests {
    /// remote_tls.c comes from tls.patch, and from resolutions/tls-on-auth.patch with auth.
    static let selections = [["tls"], ["auth", "tls"]]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// What qmail-remote is asked to reach: a name or an IP literal.
        var host = "mail.example.test"
        var subject = "/CN=other.example.test"
        /// openssl subjectAltName value; nil = no SAN extension.
        var san: String?
        var issuer = "ca"
        /// nil = accepted; else text the refusal must contain.
        var refusal: String?

        var testDescription: String { name }
    }

    static let hostnameMismatch = "TLS negotiation failed: hostname mismatch"

    static let cases: [Case] = [
        Case(name: "DNS SAN names the host", san: "DNS:mail.example.test"),
        Case(name: "second DNS SAN names the host", san: "DNS:www.example.test,DNS:mail.example.test"),
        Case(name: "DNS SAN names another host", san: "DNS:www.example.test", refusal: hostnameMismatch),
        Case(name: "CN names the host but the DNS SAN does not", subject: "/CN=mail.example.test",
             san: "DNS:www.example.test", refusal: hostnameMismatch),
        Case(name: "CN only", subject: "/CN=mail.example.test"),
        Case(name: "CN only, another host", subject: "/CN=www.example.test", refusal: hostnameMismatch),
        Case(name: "CN with an IP SAN only (no DNS SAN)", subject: "/CN=mail.example.test", san: "IP:127.0.0.1"),
        Case(name: "IP SAN and CN address for a host name", subject: "/CN=127.0.0.1", san: "IP:127.0.0.1",
             refusal: hostnameMismatch),
        Case(name: "*. matches one left-most label", host: "a.example.test", san: "DNS:*.example.test"),
        Case(name: "*. does not match the bare domain", host: "example.test", san: "DNS:*.example.test",
             refusal: hostnameMismatch),
        Case(name: "*. does not match two labels", host: "a.b.example.test", san: "DNS:*.example.test",
             refusal: hostnameMismatch),
        Case(name: "* as part of a label", host: "mail1.example.test", san: "DNS:mail*.example.test",
             refusal: hostnameMismatch),
        Case(name: "* in a label that is not the left-most", host: "mail.a.example.test", san: "DNS:mail.*.example.test",
             refusal: hostnameMismatch),
        Case(name: "mixed-case DNS SAN", san: "DNS:MAIL.Example.TEST"),
        Case(name: "mixed-case host", host: "MAIL.Example.Test", san: "DNS:mail.example.test"),
        Case(name: "mixed-case host and wildcard", host: "A.EXAMPLE.test", san: "DNS:*.Example.Test"),
        Case(name: "mixed-case CN only", host: "Mail.EXAMPLE.test", subject: "/CN=mail.Example.TEST"),
        Case(name: "host name right, chain untrusted", san: "DNS:mail.example.test", issuer: "other-ca",
             refusal: "TLS negotiation failed: unable to get local issuer certificate"),
        Case(name: "IP literal, IP SAN", host: "[127.0.0.1]", subject: "/CN=x", san: "IP:127.0.0.1"),
        Case(name: "IP literal named only by CN and DNS SAN", host: "[127.0.0.1]", subject: "/CN=127.0.0.1",
             san: "DNS:127.0.0.1", refusal: "TLS negotiation failed: IP address mismatch"),
    ]

    /// Each case's server certificate (EC), issued once per process.
    static let certificates: Result<[String: URL], any Error> = Result {
        let pki = try PKI.get()
        var issued: [String: URL] = [:]
        for (index, scenario) in cases.enumerated() {
            issued[scenario.name] = try pki.issue("name-\(index)", subject: scenario.subject, san: scenario.san, ec: true,
                                                  issuer: scenario.issuer)
        }
        return issued
    }

    @Test(arguments: selections, cases)
    func certificateNameRule(features: [String], scenario: Case) throws {
        let check = try RemoteTLSNameCheck.compiled(for: PatchedBuild.sandbox(features: features))
        let certificates = try Self.certificates.get()
        let certificate = try #require(certificates[scenario.name])
        let verdict = try check.verdict(host: scenario.host, certificate: certificate, authority: PKI.get().ca)
        if let refusal = scenario.refusal {
            #expect(verdict.reason?.contains(refusal) == true, "\(scenario.name): \(verdict), expected \(refusal)")
        } else {
            #expect(verdict == .accepted, "\(scenario.name): \(verdict)")
        }
    }
}
