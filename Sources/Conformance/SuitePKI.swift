import Foundation
import Spawn

/// The suite's throw-away certificates, made with the `openssl` command once
/// per process and kept in memory. Scenarios name them in `pki:` lines (a
/// control file) and `tls:` steps (the client certificate). Every leaf item
/// holds certificate and key, the form control/servercert.pem takes.
///
/// Items: `server` (mail.example.org, IP 127.0.0.1), `ca` (the authority's
/// certificate), `crl` (its revocation list, revoking `revoked`), and the
/// client certificates `relay` (subject emailAddress relay@example.org),
/// `relay-san` (rfc822Name san@example.org only), `stranger`
/// (stranger@example.org), `untrusted` (relay@example.org from another
/// authority) and `revoked` (relay@example.org, revoked). For the qmail-remote
/// scenarios' test peer: `valid` (IP 127.0.0.1 and mx.example.net),
/// `self-signed` (the same names, no authority), `wrong-name` (127.0.0.2 and
/// other.example only), `expired` (127.0.0.1, validity over) and `client`
/// (joe@example.org, for control/clientcert.pem). Keys are EC P-256, but
/// `server-rsa` and `relay-rsa` (otherwise as `server` and `relay`) have
/// RSA 2048 keys, so that both kinds are exercised.
public enum SuitePKI {
    public static let items: Set<String> = [
        "server", "server-rsa", "ca", "crl", "relay", "relay-rsa", "relay-san", "stranger", "untrusted", "revoked",
        "valid", "self-signed", "wrong-name", "expired", "client",
    ]
    /// The items a test peer can present as its server certificate.
    public static let peerCertificates: Set<String> = ["valid", "self-signed", "wrong-name", "expired"]

    /// The PEM bytes of `item`; throws when openssl is missing or failed.
    public static func pem(_ item: String) throws -> [UInt8] {
        guard let bytes = try generated.get()[item] else {
            throw SetupError(description: "'\(item)' is not one of the suite's certificates: \(items.sorted().joined(separator: " "))")
        }
        return bytes
    }

    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    private static let generated: Result<[String: [UInt8]], any Error> = Result { try make() }

    private static func make() throws -> [String: [UInt8]] {
        let manager = FileManager.default
        let directory = manager.temporaryDirectory.appendingPathComponent("qmailkit-pki-\(UUID().uuidString)")
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: directory) }
        func write(_ text: String, _ name: String) throws { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: directory.appendingPathComponent(name))) }
        func openssl(_ arguments: [String]) throws {
            let result = try Command.run("openssl", arguments, in: directory)
            guard result.status == 0 else {
                throw SetupError(description: "openssl \(arguments.joined(separator: " ")) failed (is openssl installed? scripts/install-deps): "
                                 + result.err)
            }
        }
        func authority(_ name: String, _ subject: String) throws {
            try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                         "-keyout", "\(name).key", "-out", "\(name).crt", "-days", "3650", "-subj", subject])
        }
        var serial = 1
        func leaf(_ name: String, _ subject: String, extensions: String, issuer: String = "ca", days: String = "825",
                  rsa: Bool = false) throws {
            serial += 1
            try openssl(["genpkey"] + (rsa ? ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
                                           : ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]) + ["-out", "\(name).key"])
            try openssl(["req", "-new", "-key", "\(name).key", "-out", "\(name).csr", "-subj", subject])
            try write(extensions + "\n", "\(name).ext")
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "\(issuer).crt", "-CAkey", "\(issuer).key",
                         "-set_serial", String(serial), "-days", days, "-extfile", "\(name).ext", "-out", "\(name).crt"])
        }
        try authority("ca", "/CN=qmailkit conformance CA")
        try authority("other-ca", "/CN=qmailkit unrelated CA")
        try leaf("server", "/CN=mail.example.org", extensions: "subjectAltName=DNS:mail.example.org,IP:127.0.0.1")
        try leaf("server-rsa", "/CN=mail.example.org", extensions: "subjectAltName=DNS:mail.example.org,IP:127.0.0.1", rsa: true)
        let client = "extendedKeyUsage=clientAuth"
        try leaf("relay", "/CN=relay client/emailAddress=relay@example.org", extensions: client)
        try leaf("relay-rsa", "/CN=relay client/emailAddress=relay@example.org", extensions: client, rsa: true)
        try leaf("relay-san", "/CN=san client", extensions: client + "\nsubjectAltName=email:san@example.org")
        try leaf("stranger", "/CN=stranger/emailAddress=stranger@example.org", extensions: client)
        try leaf("untrusted", "/CN=relay client/emailAddress=relay@example.org", extensions: client, issuer: "other-ca")
        try leaf("revoked", "/CN=revoked client/emailAddress=relay@example.org", extensions: client)
        let peerNames = "subjectAltName=IP:127.0.0.1,DNS:mx.example.net"
        try leaf("valid", "/CN=mx.example.net", extensions: peerNames)
        try leaf("wrong-name", "/CN=other.example", extensions: "subjectAltName=IP:127.0.0.2,DNS:other.example")
        // -days -1 ends the validity a day before it starts: expired now.
        try leaf("expired", "/CN=mx.example.net", extensions: peerNames, days: "-1")
        try leaf("client", "/CN=client/emailAddress=joe@example.org", extensions: client)
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", "self-signed.key", "-out", "self-signed.crt", "-days", "3650",
                     "-subj", "/CN=mx.example.net", "-addext", peerNames])
        // `openssl ca` keeps its state in files named by a configuration.
        try write("", "index.txt")
        try write("01\n", "crlnumber")
        try write("[ca]\ndefault_ca = suite\n[suite]\ndatabase = index.txt\ncrlnumber = crlnumber\n"
                  + "default_md = sha256\ndefault_crl_days = 3650\n", "ca.cnf")
        try openssl(["ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.crt", "-revoke", "revoked.crt"])
        try openssl(["ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.crt", "-gencrl", "-out", "ca.crl"])

        var items: [String: [UInt8]] = ["ca": try read("ca.crt"), "crl": try read("ca.crl")]
        for name in ["server", "server-rsa", "relay", "relay-rsa", "relay-san", "stranger", "untrusted", "revoked",
                     "valid", "self-signed", "wrong-name", "expired", "client"] {
            items[name] = try read("\(name).crt") + read("\(name).key")
        }
        return items
    }
}
