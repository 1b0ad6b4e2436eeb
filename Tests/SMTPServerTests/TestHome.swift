import Foundation
import SMTPEngine
@testable import SMTPServer
import TestSupport

/// A scratch qmail home with a control directory, removed by `remove()`.
struct TestHome {
    let root: URL
    var control: URL { root.appendingPathComponent("control") }

    init(controls: [String: String] = ["me": "mx.test.example\n"]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("control"),
                                                withIntermediateDirectories: true)
        for (name, text) in controls { try write(control: name, text) }
    }

    func write(control name: String, _ text: String) throws {
        try Data(text.utf8).write(to: control.appendingPathComponent(name))
    }

    /// Writes an executable script into the home and returns its path.
    func script(_ name: String, _ text: String) throws -> String {
        let url = root.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url.path
    }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    func settings(features: Features = [], delivery: DeliveryMethod, checkProgram: [String] = [],
                  environment: [String: String] = [:], log: @escaping @Sendable (String) -> Void = { _ in })
        -> ServerSettings {
        ServerSettings(qmailHome: root.path, controlDirectory: control.path, features: features,
                       checkProgram: checkProgram, delivery: delivery, environment: environment, log: log)
    }

    /// A self-signed certificate for 127.0.0.1 and its key, concatenated into
    /// control/servercert.pem as qmail-tls expects. Needs openssl.
    func makeServerCertificate() throws {
        try Command.output("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                                       "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2",
                                       "-keyout", "key.pem", "-out", "cert.pem"], in: root)
        let combined = try Data(contentsOf: root.appendingPathComponent("cert.pem"))
            + Data(contentsOf: root.appendingPathComponent("key.pem"))
        try combined.write(to: control.appendingPathComponent("servercert.pem"))
    }

    /// A home whose control/servercert.pem is a fresh self-signed certificate.
    static func withCertificate(controls: [String: String] = ["me": "mx.test.example\n"]) throws -> TestHome {
        let home = try TestHome(controls: controls)
        try home.makeServerCertificate()
        return home
    }

    /// What a server on this home shares between its connections.
    func server(features: Features = [.tls], log: @escaping @Sendable (String) -> Void = { _ in }) -> ServerContext {
        ServerContext(settings: settings(features: features, delivery: .memory(MemorySink()), log: log))
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// Runs `body` against a server started on 127.0.0.1, port 0, then stops it.
func withServer<T>(_ settings: ServerSettings, _ body: (Int) async throws -> T) async throws -> T {
    let server = try await SMTPServer.start(host: "127.0.0.1", port: 0, settings: settings, threads: 1)
    do {
        let result = try await body(server.localAddress.port!)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}

/// The bytes the queue gets: Received line (normalised date) dropped.
func bodyAfterReceivedLine(_ bytes: [UInt8]) -> [UInt8] {
    // The Received line is two lines: "Received: from …\n  by … -0000\n".
    var newlines = 0
    for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
        newlines += 1
        if newlines == 2 { return Array(bytes[(index + 1)...]) }
    }
    return []
}

let hasOpenSSL = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
let hasPython = ["/usr/bin/python3", "/usr/local/bin/python3"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    || (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/python3")
    }
let hasSwaks = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
    FileManager.default.isExecutableFile(atPath: "\($0)/swaks")
}
