import Foundation

/// A throw-away PKI made with the `openssl` command once per test process: a CA,
/// a second unrelated CA, server certificates for `mail.example.org` with IP SAN
/// 127.0.0.1 (RSA and EC P-256), one for 127.0.0.2 only, one from the other CA,
/// and client certificates with e-mail addresses. Every `.pem` holds certificate
/// and key (the form control/servercert.pem and clientcert.pem take).
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

    private static func make() throws -> PKI {
        guard let openssl = ProgramRun.which("openssl") else { throw HarnessError("the openssl command is not installed") }
        let directory = try Scratch.directory("pki")
        let pki = PKI(directory: directory)
        func run(_ arguments: [String]) throws {
            let result = try ProgramRun.run([openssl] + arguments.map {
                $0.hasPrefix("@") ? directory.appendingPathComponent(String($0.dropFirst())).path : $0
            })
            guard result.status == 0 else {
                throw HarnessError("openssl \(arguments.joined(separator: " ")) failed: \(result.errorOutput)")
            }
        }
        func authority(_ name: String, _ subject: String) throws {
            try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "@\(name).key", "-out", "@\(name).pem",
                     "-days", "3650", "-subj", subject])
        }
        func leaf(_ name: String, _ subject: String, san: String?, ec: Bool = false, issuer: String = "ca") throws {
            if ec {
                try run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "@\(name).key"])
            } else {
                try run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "@\(name).key"])
            }
            try run(["req", "-new", "-key", "@\(name).key", "-out", "@\(name).csr", "-subj", subject])
            try Scratch.write(san.map { "subjectAltName=\($0)\n" } ?? "", to: pki.file("\(name).ext"))
            try run(["x509", "-req", "-in", "@\(name).csr", "-CA", "@\(issuer).pem", "-CAkey", "@\(issuer).key",
                     "-set_serial", String(Int.random(in: 1...Int(Int32.max))), "-out", "@\(name).crt",
                     "-days", "825", "-extfile", "@\(name).ext"])
            let pem = try pki.text(pki.file("\(name).crt")) + pki.text(pki.file("\(name).key"))
            try Scratch.write(pem, to: pki.file("\(name).pem"))
        }
        try authority("ca", "/CN=qmailkit test CA")
        try authority("other-ca", "/CN=other CA")
        let serverNames = "DNS:mail.example.org,IP:127.0.0.1"
        try leaf("server-rsa", "/CN=mail.example.org", san: serverNames)
        try leaf("server-ec", "/CN=mail.example.org", san: serverNames, ec: true)
        try leaf("wrongip", "/CN=x", san: "IP:127.0.0.2")
        try leaf("untrusted", "/CN=mail.example.org", san: serverNames, issuer: "other-ca")
        try leaf("client", "/CN=client/emailAddress=relay@example.org", san: nil)
        try leaf("client2", "/CN=client2/emailAddress=nobody@example.org", san: nil)
        try leaf("clientuntrusted", "/CN=client3/emailAddress=relay@example.org", san: nil, issuer: "other-ca")
        return pki
    }
}
