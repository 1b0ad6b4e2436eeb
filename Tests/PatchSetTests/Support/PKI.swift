import Foundation
import RealBuildSupport

/// A throw-away PKI made with the `openssl` command once per test process: a CA,
/// a second unrelated CA, server certificates for `mail.example.org` with IP SAN
/// 127.0.0.1 (RSA and EC P-256), one for 127.0.0.2 only, one naming 127.0.0.1 only
/// as CN and DNS SAN, one from the other CA, and client certificates with e-mail
/// addresses; ``issue(_:subject:san:ec:issuer:)`` makes more. Every `.pem` holds
/// certificate and key (the form control/servercert.pem and clientcert.pem take).
struct PKI: Sendable {
    let directory: URL

    var ca: URL { file("ca.pem") }
    var serverRSA: URL { file("server-rsa.pem") }
    var serverEC: URL { file("server-ec.pem") }
    /// The RSA server certificate without its key.
    var serverRSACertificateOnly: URL { file("server-rsa.crt") }
    /// IP SAN 127.0.0.2 only.
    var wrongIP: URL { file("wrongip.pem") }
    /// `mail.example.org` and 127.0.0.1, but issued by the other CA.
    var untrusted: URL { file("untrusted.pem") }
    /// Client certificate for `relay@example.org`, issued by the CA.
    var client: URL { file("client.pem") }
    /// Client certificate for `nobody@example.org`, issued by the CA.
    var client2: URL { file("client2.pem") }
    /// Client certificate for `relay@example.org`, issued by the other CA.
    var clientUntrusted: URL { file("clientuntrusted.pem") }

    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }
    func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    static var opensslAvailable: Bool { ProgramRun.which("openssl") != nil }

    static let shared: Result<PKI, any Error> = Result { try PKI.make() }

    static func get() throws -> PKI { try shared.get() }

    /// Client settings that trust the test CA and check the name `mail.example.org`.
    static func clientSettings(certificate: URL? = nil, maximumVersion: TLSVersion? = nil) -> TLSSettings {
        let pki = try? get()
        return TLSSettings(trustedCA: pki?.ca, expectedHost: PatchedBuild.greeting, certificate: certificate,
                           maximumVersion: maximumVersion)
    }

    /// Issues `<name>.pem` (certificate and key) for `subject` (e.g. `/CN=x`) with `san`
    /// (an openssl subjectAltName value such as `DNS:a.example,IP:127.0.0.1`; nil = none),
    /// signed by `issuer` (`ca` or `other-ca`). EC keys are much cheaper to make than RSA.
    @discardableResult
    func issue(_ name: String, subject: String, san: String?, ec: Bool = false, issuer: String = "ca") throws -> URL {
        if ec {
            try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "@\(name).key"])
        } else {
            try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "@\(name).key"])
        }
        try openssl(["req", "-new", "-key", "@\(name).key", "-out", "@\(name).csr", "-subj", subject])
        try Scratch.write(san.map { "subjectAltName=\($0)\n" } ?? "", to: file("\(name).ext"))
        try openssl(["x509", "-req", "-in", "@\(name).csr", "-CA", "@\(issuer).pem", "-CAkey", "@\(issuer).key",
                     "-set_serial", String(Int.random(in: 1...Int(Int32.max))), "-out", "@\(name).crt",
                     "-days", "825", "-extfile", "@\(name).ext"])
        let pem = try text(file("\(name).crt")) + text(file("\(name).key"))
        try Scratch.write(pem, to: file("\(name).pem"))
        return file("\(name).pem")
    }

    /// Runs the openssl command; arguments starting with `@` name files in the PKI folder.
    private func openssl(_ arguments: [String]) throws {
        guard let openssl = ProgramRun.which("openssl") else { throw HarnessError("the openssl command is not installed") }
        let result = try ProgramRun.run([openssl] + arguments.map {
            $0.hasPrefix("@") ? directory.appendingPathComponent(String($0.dropFirst())).path : $0
        })
        guard result.status == 0 else {
            throw HarnessError("openssl \(arguments.joined(separator: " ")) failed: \(result.errorOutput)")
        }
    }

    private static func make() throws -> PKI {
        let pki = PKI(directory: try Scratch.directory("pki"))
        func authority(_ name: String, _ subject: String) throws {
            try pki.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "@\(name).key", "-out", "@\(name).pem",
                             "-days", "3650", "-subj", subject])
        }
        try authority("ca", "/CN=qmailkit test CA")
        try authority("other-ca", "/CN=other CA")
        let serverNames = "DNS:mail.example.org,IP:127.0.0.1"
        try pki.issue("server-rsa", subject: "/CN=mail.example.org", san: serverNames)
        try pki.issue("server-ec", subject: "/CN=mail.example.org", san: serverNames, ec: true)
        try pki.issue("wrongip", subject: "/CN=x", san: "IP:127.0.0.2")
        try pki.issue("ipasname", subject: "/CN=127.0.0.1", san: "DNS:127.0.0.1", ec: true)
        try pki.issue("untrusted", subject: "/CN=mail.example.org", san: serverNames, issuer: "other-ca")
        try pki.issue("client", subject: "/CN=client/emailAddress=relay@example.org", san: nil)
        try pki.issue("client2", subject: "/CN=client2/emailAddress=nobody@example.org", san: nil)
        try pki.issue("clientuntrusted", subject: "/CN=client3/emailAddress=relay@example.org", san: nil, issuer: "other-ca")
        return pki
    }
}
