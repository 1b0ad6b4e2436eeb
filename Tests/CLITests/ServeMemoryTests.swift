import Foundation
import Glibc
import Testing
import TestSupport

/// `qmailkit serve` gives back what its sessions used (issue #15): after
/// thousands of sessions, plain and with a megabyte-long command line, have
/// come and gone, its resident memory is back within a few MB of what it
/// was before them. Measured on the server process (/proc/PID/statm), so
/// other tests running meanwhile do not blur it.
@Suite(.ownThread, .serialized) struct ServeMemoryTests {
    @Test("RSS returns to its baseline after 1,800 EHLO/QUIT sessions and 200 with a 1 MiB line",
          .tags(.slow), TestScope.costly)
    func sessionsGiveMemoryBack() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-serve-mem-\(UUID().uuidString)")
        let control = root.appendingPathComponent("control")
        try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try Data("mx.test.example\n".utf8).write(to: control.appendingPathComponent("me"))
        let serve = try RunningServe(["--control", control.path, "--discard"])
        let longLine = Array("HELO ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: (1 << 20) - 10) + Array("\r\n".utf8)
        var sessions = 0
        /// One session; every 100 the log is read up to its end line, so
        /// the server's standard error never fills (and the sessions so far
        /// are over).
        func session(long: Bool) throws {
            let client = try LoopbackClient(port: serve.port)
            _ = try client.readReply()
            try client.send(long ? longLine : Array("EHLO client.example\r\n".utf8))
            _ = try client.readReply()
            try client.send("QUIT\r\n")
            #expect(try client.readUntilClosed() == "221 mx.test.example\r\n")
            sessions += 1
            if sessions % 100 == 0 { try serve.waitForLog("end \(sessions) ", seconds: 30) }
        }
        // Warm-up: the allocator's arenas and NIO's buffers reach their
        // working size.
        for _ in 0..<100 { try session(long: false) }
        for _ in 0..<20 { try session(long: true) }
        for _ in 0..<80 { try session(long: false) }
        let baseline = try Self.residentBytes(serve.process.processIdentifier)
        for _ in 0..<1800 { try session(long: false) }
        let afterPlain = try Self.residentBytes(serve.process.processIdentifier)
        for _ in 0..<200 { try session(long: true) }
        let afterLong = try Self.residentBytes(serve.process.processIdentifier)
        let megabyte = 1 << 20
        let report = "baseline \(baseline / megabyte) MB, after plain sessions \(afterPlain / megabyte) MB, "
            + "after long-line sessions \(afterLong / megabyte) MB"
        print(report)
        #expect(afterPlain - baseline < 4 * megabyte, "\(report)")
        #expect(afterLong - baseline < 8 * megabyte, "\(report)")
        serve.send(SIGTERM)
        #expect(serve.exitStatus(within: 10) == 0)
    }

    /// The process's resident set, from /proc/PID/statm (in pages).
    static func residentBytes(_ pid: Int32) throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8)
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else {
            throw LoopbackClient.Failure(description: "unreadable statm: \(text)")
        }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
