import Foundation

/// The certificates remote scenarios use, made with the `openssl` command once
/// per process in a temporary folder (removed at exit). Keys are EC P-256 (fast
/// to make). Every leaf file holds certificate and key, the form
/// servercert.pem and clientcert.pem take; `ca` is the CA certificate alone,
/// the form tlshosts/<host>.pem takes.
public enum SuitePKI {
    /// The files a scenario can name (`peer: certificate valid`, `pki: tlshosts/127.0.0.1.pem=ca`).
    public enum File: String, Sendable, CaseIterable {
        /// The suite CA's certificate.
        case ca
        /// Issued by the CA for IP 127.0.0.1 and mx.example.net.
        case valid
        /// Self-signed, for IP 127.0.0.1 and mx.example.net.
        case selfSigned = "self-signed"
        /// Issued by the CA for 127.0.0.2 and other.example only.
        case wrongName = "wrong-name"
        /// Issued by the CA for 127.0.0.1, but no longer valid.
        case expired
        /// A client certificate issued by the CA (control/clientcert.pem).
        case client
    }

    /// Where `file` is; makes the PKI on first use.
    public static func path(_ file: File) throws -> URL {
        try made.get().appendingPathComponent(file.rawValue + ".pem")
    }

    private static let made: Result<URL, any Error> = Result { try make() }
    nonisolated(unsafe) private static var folderToRemove: String?

    private static func make() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        folderToRemove = folder.path
        atexit { if let path = SuitePKI.folderToRemove { try? FileManager.default.removeItem(atPath: path) } }
        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let text = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw SetupError("openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: text, as: UTF8.self)); the remote scenarios need the openssl command")
            }
        }
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        let names = "subjectAltName=IP:127.0.0.1,DNS:mx.example.net"
        try openssl(["req", "-x509"] + key + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
                                              "-subj", "/CN=qmailkit conformance CA"])
        try openssl(["req", "-x509"] + key + ["-keyout", "self-signed.key", "-out", "self-signed.crt", "-days", "3650",
                                              "-subj", "/CN=mx.example.net", "-addext", names])
        func leaf(_ name: String, subject: String, extensions: String, days: String) throws {
            try openssl(["req"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject])
            try Data((extensions + "\n").utf8).write(to: folder.appendingPathComponent("\(name).ext"))
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
                         String(Int.random(in: 1...Int(Int32.max))), "-days", days, "-extfile", "\(name).ext", "-out", "\(name).crt"])
        }
        try leaf("valid", subject: "/CN=mx.example.net", extensions: names, days: "825")
        try leaf("wrong-name", subject: "/CN=other.example", extensions: "subjectAltName=IP:127.0.0.2,DNS:other.example", days: "825")
        // -days -1 ends the validity a day before it starts: expired now.
        try leaf("expired", subject: "/CN=mx.example.net", extensions: names, days: "-1")
        try leaf("client", subject: "/CN=client/emailAddress=joe@example.org", extensions: "extendedKeyUsage=clientAuth", days: "825")
        for name in ["valid", "self-signed", "wrong-name", "expired", "client"] {
            let pem = try Data(contentsOf: folder.appendingPathComponent("\(name).crt"))
                + Data(contentsOf: folder.appendingPathComponent("\(name).key"))
            try pem.write(to: folder.appendingPathComponent("\(name).pem"))
        }
        return folder
    }

    /// The PKI could not be made.
    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
