import Foundation
import Testing
@testable import QmailBuild
import TestSupport

/// The shared build's scratch directory, removed when the test process exits.
/// Written once, before `atexit` is registered, by the `shared` initializer.
nonisolated(unsafe) private var removeAtExit: String?

/// One stock sandbox build of the real tarball, shared by the tests that inspect it.
struct StockSandboxBuild: Sendable {
    var request: BuildRequest
    var sandbox: URL
    var result: BuildResult
    var events: [BuildEvent]

    static let shared: Result<StockSandboxBuild, any Error> = Result {
        let tree = try pristineTreeForTests()
        let scratch = tree.deletingLastPathComponent()
        removeAtExit = scratch.path
        atexit { if let path = removeAtExit { try? FileManager.default.removeItem(atPath: path) } }
        let sandbox = scratch.appendingPathComponent("sandbox")
        let options = BuildOptions(testUsers: TestUsers(user: "root"), sandbox: sandbox, jobs: 2)
        let request = BuildRequest(tree: tree, treeIdentity: try DirectoryHash.identity(of: tree),
                                   output: scratch.appendingPathComponent("build"), options: options)
        var events: [BuildEvent] = []
        let result = try QmailBuilder.build(request) { events.append($0) }
        return StockSandboxBuild(request: request, sandbox: sandbox, result: result, events: events)
    }
}

@Suite(.ownThread, .tags(.realBuild), TestScope.costly, .serialized, .enabled(if: PristineTarball.available,
                             "needs the cached tarball ~/.cache/qmailkit/sources/netqmail-1.06.tar.gz"))
struct RealTarballBuildTests {
    @Test func stockDefaultsAreThePristineConfValues() throws {
        let tree = try pristineTreeForTests()
        defer { try? FileManager.default.removeItem(at: tree.deletingLastPathComponent()) }
        let options = BuildOptions()
        let values = ConfFiles.values(options: options, users: options.users, groups: options.groups, openSSL: nil)
        for (name, lines) in values {
            let text = try String(contentsOf: tree.appendingPathComponent(name), encoding: .utf8)
            let fileLines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(Array(fileLines.prefix(lines.count)) == lines, "\(name)")
        }
    }

    @Test func aPatchedConfCcKeepsItsOwnFlagsAndSaysSo() throws {
        let tree = try pristineTreeForTests(editing: "conf-cc") {
            $0.replacingOccurrences(of: "cc -O2\n", with: "cc -O2 -DQMAILKIT_KEPT=1\n")
        }
        let scratch = tree.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let options = BuildOptions(testUsers: TestUsers(user: "root"), sandbox: scratch.appendingPathComponent("sandbox"),
                                   targets: ["compile"])
        let request = BuildRequest(tree: tree, treeIdentity: try DirectoryHash.identity(of: tree),
                                   output: scratch.appendingPathComponent("build"), options: options)
        var events: [BuildEvent] = []
        let result = try QmailBuilder.build(request) { events.append($0) }
        #expect(events.first == .keptTreeSettings(file: "conf-cc", words: ["-DQMAILKIT_KEPT=1"], line: "cc -O2 -DQMAILKIT_KEPT=1"))
        let compile = try String(contentsOf: result.directory.appendingPathComponent("compile"), encoding: .utf8)
        #expect(compile.contains("exec cc -O2 -DQMAILKIT_KEPT=1 -c"), "\(compile)")
    }

    @Test func stockSandboxBuildProducesQmailSmtpd() throws {
        let build = try StockSandboxBuild.shared.get()
        let result = build.result
        #expect(!result.cacheHit)
        #expect(result.builtPrograms.contains("qmail-smtpd"))
        #expect(result.builtPrograms.contains("qmail-remote"))
        #expect(result.missingPrograms.isEmpty)
        #expect(FileManager.default.isExecutableFile(atPath: build.sandbox.appendingPathComponent("bin/qmail-smtpd").path))

        let confQmail = try String(contentsOf: result.directory.appendingPathComponent("conf-qmail"), encoding: .utf8)
        #expect(confQmail.hasPrefix(build.sandbox.standardizedFileURL.path + "\n"))

        guard case .started(let key, _)? = build.events.first else {
            Issue.record("first event should be .started, got \(String(describing: build.events.first))")
            return
        }
        #expect(key == result.cacheKey)
        #expect(build.events.last == .finished(result))
        let linked = build.events.compactMap { event -> String? in
            if case .progress(.linking(let program, _)) = event { program } else { nil }
        }
        #expect(linked.contains("qmail-smtpd"))
        let compiled = build.events.compactMap { event -> Int? in
            if case .progress(.compiling(_, let count)) = event { count } else { nil }
        }
        #expect(compiled.count > 100)
        #expect(compiled == Array(1...compiled.count))

        let log = try String(contentsOf: result.logFile, encoding: .utf8)
        #expect(log.contains("./load qmail-smtpd"))

        let provenance = try Provenance.read(buildDirectory: result.directory)
        #expect(provenance.format == Provenance.currentFormat)
        #expect(provenance.features.isEmpty)
        #expect(provenance.base == build.request.treeIdentity)
        #expect(provenance.cacheKey == result.cacheKey)
        #expect(provenance.compiler == result.compilerVersion)
        #expect(!provenance.compiler.isEmpty)
        #expect(provenance.openssl == nil)
        #expect(provenance.options.testUsers == "root")
        #expect(provenance.options.conf["conf-users"] == Array(repeating: "root", count: 8))
        #expect(provenance.programs == result.builtPrograms)
    }

    @Test func sandboxSmtpdAnswersWithItsOwnMe() throws {
        let build = try StockSandboxBuild.shared.get()
        let me = "sandbox-\(UInt32.random(in: 1000...9999)).qmailkit.test"
        try Data((me + "\n").utf8).write(to: build.sandbox.appendingPathComponent("control/me"))
        let smtpd = build.sandbox.appendingPathComponent("bin/qmail-smtpd")
        let dialogue = try SocketPairDialogue(program: smtpd, environment: ["PATH": "/usr/bin:/bin"])
        let greeting = try #require(dialogue.readLine())
        #expect(greeting == "220 \(me) ESMTP")
        dialogue.send("QUIT")
        let bye = try #require(dialogue.readLine())
        #expect(bye.hasPrefix("221 "))
        #expect(bye.contains(me))
        #expect(dialogue.waitForExit() == 0)
    }

    @Test func secondIdenticalBuildIsACacheHit() throws {
        let build = try StockSandboxBuild.shared.get()
        let logDate = try FileManager.default.attributesOfItem(atPath: build.result.logFile.path)[.modificationDate] as? Date
        var events: [BuildEvent] = []
        let again = try QmailBuilder.build(build.request) { events.append($0) }
        #expect(again.cacheHit)
        #expect(again.cacheKey == build.result.cacheKey)
        #expect(again.builtPrograms == build.result.builtPrograms)
        #expect(again.missingPrograms == build.result.missingPrograms)
        #expect(events == [.cacheHit(key: again.cacheKey, directory: again.directory), .finished(again)])
        let logDateAfter = try FileManager.default.attributesOfItem(atPath: again.logFile.path)[.modificationDate] as? Date
        #expect(logDate != nil)
        #expect(logDate == logDateAfter)
    }

    @Test func brokenSourceReportsItsFileAndLine() throws {
        // quote.c is among the first objects make compiles, so the failure comes early.
        var brokenLine = 0
        let tree = try pristineTreeForTests(editing: "quote.c") { text in
            brokenLine = text.split(separator: "\n", omittingEmptySubsequences: false).count
            return text + "int qmailkit_broken( {\n"
        }
        let scratch = tree.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: scratch) }

        let output = scratch.appendingPathComponent("build")
        let request = BuildRequest(tree: tree, treeIdentity: "broken", output: output,
                                   options: BuildOptions(testUsers: TestUsers(user: "root"), jobs: 2))
        var events: [BuildEvent] = []
        let error = #expect(throws: BuildError.self) { try QmailBuilder.build(request) { events.append($0) } }
        guard case .makeFailed(let status, let firstError, let log)? = error else {
            Issue.record("expected makeFailed, got \(String(describing: error))")
            return
        }
        #expect(status != 0)
        let first = try #require(firstError)
        #expect(first.kind == .compiler)
        #expect(first.file == "quote.c")
        #expect(first.line == brokenLine)
        #expect(events.last == .failed(firstError: first))
        #expect(try String(contentsOf: log, encoding: .utf8).contains(first.text))
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent(QmailBuilder.stampFileName).path))
    }

    @Test func sanitizedSandboxSmtpdRunsADialogue() throws {
        let tree = try pristineTreeForTests()
        let scratch = tree.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let sandbox = scratch.appendingPathComponent("sandbox")
        let request = BuildRequest(
            tree: tree, treeIdentity: "sanitized", output: scratch.appendingPathComponent("build"),
            options: BuildOptions(testUsers: TestUsers(user: "root"), sandbox: sandbox,
                                  sanitizers: [.address, .undefined], jobs: 2, targets: ["qmail-smtpd"]))
        let result = try QmailBuilder.build(request)
        #expect(result.builtPrograms == ["qmail-smtpd"])
        let confLd = try String(contentsOf: result.directory.appendingPathComponent("conf-ld"), encoding: .utf8)
        #expect(confLd.hasPrefix("cc -fsanitize=address,undefined -fno-omit-frame-pointer -g\n"))

        try Data("sanitized.qmailkit.test\n".utf8).write(to: sandbox.appendingPathComponent("control/me"))
        let dialogue = try SocketPairDialogue(program: sandbox.appendingPathComponent("bin/qmail-smtpd"),
                                              environment: ["PATH": "/usr/bin:/bin"])
        #expect(dialogue.readLine() == "220 sanitized.qmailkit.test ESMTP")
        dialogue.send("HELO client.example")
        #expect(dialogue.readLine() == "250 sanitized.qmailkit.test")
        dialogue.send("QUIT")
        #expect(dialogue.readLine()?.hasPrefix("221 sanitized.qmailkit.test") == true)
        #expect(dialogue.waitForExit() == 0)
    }

    @Test func treeWithConfSslGetsPkgConfigFlags() throws {
        let tree = try pristineTreeForTests()
        let scratch = tree.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data("-lssl\n\nOpenSSL linker flags for qmail-smtpd and qmail-remote.\n".utf8)
            .write(to: tree.appendingPathComponent("conf-ssl"))
        let request = BuildRequest(
            tree: tree, treeIdentity: "with-conf-ssl", output: scratch.appendingPathComponent("build"),
            options: BuildOptions(testUsers: TestUsers(user: "root"), jobs: 2, targets: ["auto_qmail.o"]),
            patches: [AppliedPatch(feature: "tls", name: "patches/tls.patch", sha256: String(repeating: "0", count: 64))])
        let result = try QmailBuilder.build(request)
        let confSsl = try String(contentsOf: result.directory.appendingPathComponent("conf-ssl"), encoding: .utf8)
        let libs = try #require(confSsl.split(separator: "\n").first)
        #expect(libs.contains("-lssl"))
        #expect(libs.contains("-lcrypto"))
        #expect(confSsl.hasSuffix("\nOpenSSL linker flags for qmail-smtpd and qmail-remote.\n"))
        let version = try #require(result.openSSLVersion)
        #expect(version.first?.isNumber == true)
        #expect(FileManager.default.fileExists(atPath: result.directory.appendingPathComponent("auto_qmail.o").path))
        #expect(result.builtPrograms.isEmpty)
        let provenance = try Provenance.read(buildDirectory: result.directory)
        #expect(provenance.openssl == version)
        #expect(provenance.patches == request.patches)
        #expect(provenance.features == ["tls"])
    }
}
