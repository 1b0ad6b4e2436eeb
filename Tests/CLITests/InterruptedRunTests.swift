import Foundation
import Glibc
import Testing
import TestSupport

/// What interrupted runs leave behind: removed by the next run when their
/// process is gone, removed by the run itself on SIGTERM.
@Suite(.ownThread) struct InterruptedRunTests {
    static func stagingEntries(in directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.contains(".partial-") }.sorted()
    }

    @Test func theNextRunRemovesDeadRunsLeftoversAndKeepsLiveOnes() throws {
        let tiny = try TinyProject(files: ["README": "hi\n"])
        defer { tiny.remove() }
        let dead = try exitedProcessID()
        let live = getppid()
        for owner in [dead, live] {
            try tiny.write(".src.partial-\(owner)/.git/HEAD", "ref: refs/heads/main\n")
            try tiny.write("cache/sources/.tiny-1.0.tar.gz.partial-\(owner).x", "part")
        }
        try tiny.write(".other.partial-\(dead)/file", "not ours to judge\n")

        let result = try tiny.qmailkit(["fetch", "tiny-1.0", "--from", tiny.tarball.path, "-o", "src"])

        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.stagingEntries(in: tiny.root) == [".other.partial-\(dead)", ".src.partial-\(live)"])
        #expect(Self.stagingEntries(in: tiny.cache.appendingPathComponent("sources")) == [".tiny-1.0.tar.gz.partial-\(live).x"])
        #expect(result.stderr.contains("removed the leftover of an interrupted run: \(tiny.root.appendingPathComponent(".src.partial-\(dead)").path)"))
        #expect(result.stderr.contains(".tiny-1.0.tar.gz.partial-\(dead).x"))
        #expect(tiny.exists("src/README"))
    }

    @Test func sigtermDuringADownloadRemovesItsStagingAndEndsAsTheSignal() throws {
        let tiny = try TinyProject(files: ["README": "hi\n"])
        defer { tiny.remove() }
        // A mirror that accepts connections (the kernel does, from the backlog) and never answers.
        let listener = try SilentListener()
        defer { listener.close() }
        let bytes = try Data(contentsOf: tiny.tarball)
        try TinyProject.pin(bytes, sha256: tiny.sha256, root: tiny.root, mirror: "http://127.0.0.1:\(listener.port)/tiny-1.0.tar.gz")
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["fetch", "tiny-1.0", "-o", "src", "--project", tiny.root.path, "--cache", tiny.cache.path]
        process.currentDirectoryURL = tiny.root
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        let log = tiny.root.appendingPathComponent("stderr.log")
        try Data().write(to: log)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        let sources = tiny.cache.appendingPathComponent("sources")
        let started = Date()
        while Self.stagingEntries(in: sources).isEmpty, process.isRunning, Date().timeIntervalSince(started) < 60 {
            usleep(20_000)
        }
        try #require(Self.stagingEntries(in: sources).count == 1,
                     "the download never started: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")

        let runningWhenSignalled = process.isRunning
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()

        let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(process.terminationReason == .uncaughtSignal ? process.terminationStatus == SIGTERM
                                                              : process.terminationStatus == 128 + SIGTERM,
                "status \(process.terminationStatus) (\(process.terminationReason == .uncaughtSignal ? "signal" : "exit")), running when signalled: \(runningWhenSignalled), \(Date().timeIntervalSince(started)) s; stderr: \(stderr)")
        #expect(Self.stagingEntries(in: sources).isEmpty)
        #expect(Self.stagingEntries(in: tiny.root).isEmpty)
        #expect(!tiny.exists("src"))
    }
}

/// A TCP socket on 127.0.0.1 that listens and never accepts.
struct SilentListener {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = descriptor
        let ready = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard descriptor >= 0, ready else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        port = UInt16(bigEndian: address.sin_port)
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}
