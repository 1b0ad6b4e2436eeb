import Foundation
import Testing
import TestSupport
@testable import SMTPEngine

/// qmail's control-file rules (docs/stock-smtpd.md#control-files) and the loader that applies
/// them to a real directory.
@Suite(.ownThread)
struct ConfigurationLoaderTests {
    @Test func firstLineRules() {
        #expect(ControlFileRules.firstLine(Array("me.test \t\nsecond\n".utf8)) == Array("me.test".utf8))
        #expect(ControlFileRules.firstLine(Array("me.test\r\n".utf8)) == Array("me.test\r".utf8))
        #expect(ControlFileRules.firstLine([]) == [])
        #expect(ControlFileRules.firstLine(Array("no newline  ".utf8)) == Array("no newline".utf8))
    }

    @Test func listRules() {
        let text = "a.test\n\n# comment\n  \nb.test \t\n#x\nc.test"
        #expect(ControlFileRules.list(Array(text.utf8)) == ["a.test", "b.test", "c.test"].map { Array($0.utf8) })
    }

    @Test func numberRules() {
        #expect(ControlFileRules.leadingNumber(Array("12abc\n".utf8)) == 12)
        #expect(ControlFileRules.leadingNumber(Array("abc\n".utf8)) == nil)
        #expect(ControlFileRules.leadingNumber(Array(" 5\n".utf8)) == nil)
        #expect(ControlFileRules.leadingNumber([]) == nil)
    }

    @Test func timeoutRules() {
        #expect(testConfiguration().readTimeoutSeconds == 1200)
        #expect(testConfiguration { $0.timeoutSMTPD = 0 }.readTimeoutSeconds == 1)
        #expect(testConfiguration { $0.timeoutSMTPD = 4_294_967_295 }.readTimeoutSeconds == 1, "wraps to -1 as a C int")
        #expect(testConfiguration { $0.timeoutSMTPD = 30 }.readTimeoutSeconds == 30)
    }

    @Test func cdbHashMatchesDefinition() {
        #expect(ConstantDatabase.hash([]) == 5381)
        #expect(ConstantDatabase.hash(Array("a".utf8)) == (5381 &* 33) ^ 97)
    }

    @Test func loadsAControlDirectory() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-smtp-\(UUID().uuidString)")
        let control = home.appendingPathComponent("control")
        try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: control.appendingPathComponent(name))
        }
        try write("me", "mx.example.test\n")
        try write("rcpthosts", "example.test\n# c\n")
        try Data(CDBWriter.build(["more.test": ""])).write(to: control.appendingPathComponent("morercpthosts.cdb"))
        try write("databytes", "1000\n")
        try write("timeoutsmtpd", "30\n")
        try write("badmailfrom", "@spam.test\n")
        try write("maxrcpt", "2\n")
        let configuration = try ConfigurationLoader.load(
            qmailHome: home.path, environment: ["TCPREMOTEIP": "192.0.2.1"], features: [.tls, .maxRecipients],
            localAddresses: [.any], processID: 7, clock: { 0 })
        #expect(configuration.greeting == Array("mx.example.test".utf8))
        #expect(configuration.effectiveLocalIPHost == Array("mx.example.test".utf8))
        #expect(configuration.databytes == 1000)
        #expect(configuration.readTimeoutSeconds == 30)
        #expect(configuration.badMailFrom == [Array("@spam.test".utf8)])
        #expect(configuration.maxRecipients == 2)
        #expect(configuration.serverCertificate == .missing(reason: "control/servercert.pem does not exist"))
        #expect(configuration.recipientHosts.verdict(for: Array("a@more.test".utf8)) == .allowed)
        #expect(configuration.recipientHosts.verdict(for: Array("a@EXAMPLE.test".utf8)) == .allowed)
        #expect(configuration.recipientHosts.verdict(for: Array("a@other.test".utf8)) == .refused)
        #expect(configuration.environment.remoteIP == Array("192.0.2.1".utf8))
        #expect(configuration.queueProgram == "bin/qmail-queue")
        #expect(testConfiguration(environment: ["QMAILQUEUE": "/x/qq"]).queueProgram == "/x/qq")
    }

    @Test func unreadableControlIsAnError() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-smtp-\(UUID().uuidString)")
        let control = home.appendingPathComponent("control")
        // A directory where a file is expected: open succeeds, read fails (EISDIR).
        try FileManager.default.createDirectory(at: control.appendingPathComponent("me"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        #expect(throws: ConfigurationLoader.UnreadableControl.self) {
            try ConfigurationLoader.load(qmailHome: home.path, environment: [:], features: [],
                                         localAddresses: [.any], processID: 1, clock: { 0 })
        }
    }

    @Test func tlsClientsIsReadLikeAListAndUnreadableIsNoStartupError() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-smtp-\(UUID().uuidString)")
        let control = home.appendingPathComponent("control")
        try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        try Data("mx.example.test\n".utf8).write(to: control.appendingPathComponent("me"))
        func load() throws -> TLSClients {
            try ConfigurationLoader.load(qmailHome: home.path, environment: [:], features: [.tls],
                                         localAddresses: [.any], processID: 1, clock: { 0 }).tlsClients
        }
        #expect(try load() == .absent)
        try Data("a@example.test \n# no\n\nb@example.test".utf8).write(to: control.appendingPathComponent("tlsclients"))
        #expect(try load() == .listed([Array("a@example.test".utf8), Array("b@example.test".utf8)]))
        try FileManager.default.removeItem(at: control.appendingPathComponent("tlsclients"))
        try FileManager.default.createDirectory(at: control.appendingPathComponent("tlsclients"), withIntermediateDirectories: false)
        #expect(try load() == .unreadable, "qmail-smtpd reads it only after a handshake, so the greeting still comes")
    }

    @Test func missingControlsGiveNoGreeting() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-smtp-\(UUID().uuidString)")
        let configuration = try ConfigurationLoader.load(qmailHome: home.path, environment: [:], features: [],
                                                         localAddresses: [.any], processID: 1, clock: { 0 })
        #expect(configuration.greeting == nil)
        #expect(configuration.recipientHosts.entries == nil)
    }

    @Test func localInterfacesIncludeAnyAndLoopback() throws {
        let addresses = try ConfigurationLoader.localInterfaceAddresses()
        #expect(addresses.contains(.any))
        #expect(addresses.contains(IPv4Address(127, 0, 0, 1)))
    }
}

@Suite(.ownThread)
struct ConstantDatabaseTests {
    @Test func findsEveryKeyAndNoOthers() {
        let keys = (0..<2000).map { "host\($0).example" }
        let database = ConstantDatabase(bytes: CDBWriter.build(Dictionary(uniqueKeysWithValues: keys.map { ($0, "v") })))
        #expect(keys.allSatisfy { database.lookup(Array($0.utf8)) == .found })
        #expect((2000..<2100).allSatisfy { database.lookup(Array("host\($0).example".utf8)) == .notFound })
        #expect(database.lookup([]) == .notFound)
    }

    @Test func truncatedFilesAreCorrupt() {
        let bytes = CDBWriter.build(["a.test": "", "b.test": ""])
        #expect(ConstantDatabase(bytes: Array(bytes.prefix(100))).lookup(Array("a.test".utf8)) == .corrupt)
        #expect(ConstantDatabase(bytes: Array(bytes.prefix(2050))).lookup(Array("a.test".utf8)) == .corrupt)
        #expect(ConstantDatabase(bytes: []).lookup(Array("a.test".utf8)) == .corrupt)
    }
}

@Suite(.ownThread)
struct AuthPolicyTests {
    static let rows: [(String?, [AuthMechanism], Bool)] = [
        (nil, [], false), ("-", [], false), ("-x", [.login, .plain], false), ("", [.login, .plain], false),
        ("!", [.login, .plain], true), ("!x", [.login, .plain], true), ("!-", [.login, .plain], true),
        ("!CRAMx", [.cramMD5], true), ("CRAM", [.cramMD5], false),
        ("+Cram", [.login, .plain, .cramMD5], false), ("!cram", [.cramMD5], true),
        ("!+cram-md5", [.login, .plain, .cramMD5], true), ("+x", [.login, .plain], false),
    ]

    @Test(arguments: rows)
    func smtpAuthValues(_ row: (String?, [AuthMechanism], Bool)) {
        let policy = AuthPolicy(smtpAuth: row.0.map { Array($0.utf8) })
        #expect(policy == AuthPolicy(mechanisms: row.1, required: row.2))
    }
}
