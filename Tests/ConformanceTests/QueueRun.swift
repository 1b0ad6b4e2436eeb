@testable import Conformance
import Foundation
import RealBuildSupport
import SMTPServer
import TestSupport

/// A real build's queue at work, in a private view of its home: qmail-queue
/// stores each message in a fresh queue, then qmail-send starts with
/// qmail-lspawn, qmail-rspawn and qmail-clean on descriptors 1 to 6 as
/// qmail-start would give them (through FIFOs, with no change of user, so it
/// runs as root and as an ordinary user), and delivers every message through
/// qmail-remote to a loopback SMTP sink (the reference server keeping what it
/// accepts). qmail-send's log (its descriptor 0) is read until every message
/// has its `end msg` line, then qmail-send gets SIGTERM.
///
/// Cost: a handful of short processes and one SMTP session per message;
/// every wait is bounded (`timeout` seconds for each log line).
struct QueueRun {
    struct Message {
        var sender: String
        var recipient: String
        var bytes: [UInt8]
    }

    struct Outcome {
        /// qmail-send's log lines, in order, without the LF.
        var log: [String]
        /// What the sink accepted: one entry per SMTP transaction.
        var delivered: [ReceivedMessage]
        /// The lines starting `info msg `.
        var infoLines: [String] { log.filter { $0.hasPrefix("info msg ") } }
    }

    /// Every recipient's domain, routed to the sink by control/smtproutes.
    static let remoteDomain = "remote.example"

    var timeout: Double = 30

    func run(_ messages: [Message], on build: PatchedBuild) throws -> Outcome {
        let scratch = try ScratchDirectory.make("queue-run")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let sink = MemorySink()
        let sinkHome = scratch.appendingPathComponent("sink")
        try FileManager.default.createDirectory(at: sinkHome.appendingPathComponent("control"), withIntermediateDirectories: true)
        try Data("\(Self.remoteDomain)\n".utf8).write(to: sinkHome.appendingPathComponent("control/rcpthosts"))
        try Data("sink.example\n".utf8).write(to: sinkHome.appendingPathComponent("control/me"))
        let server = try SMTPServer.startSynchronously(
            host: "127.0.0.1", port: 0, settings: ServerSettings(qmailHome: sinkHome.path, delivery: .memory(sink)), threads: 1)
        defer { try? server.shutdownSynchronously() }
        guard let port = server.localAddress.port else { throw HarnessError("the sink has no port") }

        let privateHome = try PrivateHome(home: build.home, scratch: scratch)
        let controls: [String: ControlFile] = [
            "me": .contents(Array("mail.example.org\n".utf8)),
            "smtproutes": .contents(Array("\(Self.remoteDomain):127.0.0.1:\(port)\n".utf8)),
        ]
        let view = try privateHome.makeView(at: scratch.appendingPathComponent("view"), controls: controls)
        let splitFile = try String(contentsOf: build.buildDirectory.appendingPathComponent("conf-split"), encoding: .utf8)
        guard let split = Int(splitFile.split(separator: "\n").first ?? "") else { throw HarnessError("conf-split: \(splitFile)") }
        try Self.makeQueue(in: view.appendingPathComponent("queue"), split: split)

        let wires = scratch.appendingPathComponent("wires")
        try FileManager.default.createDirectory(at: wires, withIntermediateDirectories: true)
        for name in ["f1", "f2", "f3", "f4", "f5", "f6"] {
            guard mkfifo(wires.appendingPathComponent(name).path, 0o600) == 0 else {
                throw HarnessError("mkfifo \(name): \(String(cString: strerror(errno)))")
            }
        }
        for (index, message) in messages.enumerated() {
            try Data(message.bytes).write(to: wires.appendingPathComponent("msg\(index)"))
            let envelope = "F\(message.sender)\0T\(message.recipient)\0\0"
            try Data(envelope.utf8).write(to: wires.appendingPathComponent("env\(index)"))
        }

        let launch = privateHome.launch(view: view, program: "/bin/sh",
                                        arguments: ["-c", Self.script, "queue-run", build.home.path, wires.path, String(messages.count)])
        let errors = scratch.appendingPathComponent("stderr")
        let process = try SpawnedServer(launch: launch, environment: ["PATH": "/usr/bin:/bin"], stderr: errors)
        var log: [String] = []
        var ended = 0
        while ended < messages.count {
            guard case .line(let line) = process.nextLine(timeout: timeout) else {
                process.send(Array("stop\n".utf8))
                _ = process.waitForExit(timeout: 5)
                let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
                throw HarnessError("qmail-send's log ended or stalled after \(ended) of \(messages.count) messages; log:\n"
                                   + log.joined(separator: "\n") + "\nstderr:\n" + stderr)
            }
            let text = String(decoding: line, as: UTF8.self)
            log.append(text)
            if text.hasPrefix("end msg ") { ended += 1 }
        }
        process.send(Array("stop\n".utf8))
        while case .line(let line) = process.nextLine(timeout: timeout) {
            log.append(String(decoding: line, as: UTF8.self))
        }
        guard process.waitForExit(timeout: timeout) == 0 else {
            throw HarnessError("the queue run did not end cleanly; stderr: \((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")
        }
        return Outcome(log: log, delivered: sink.messages)
    }

    /// Arguments: the home, the wires folder, the number of messages.
    /// qmail-send's log goes to the caller; a line from the caller stops it.
    /// qmail-rspawn finds qmail-remote on `PATH`, as under qmail-start.
    static let script = """
        set -e
        H=$1 W=$2 N=$3
        PATH="$H/bin:$PATH"; export PATH
        i=0
        while [ "$i" -lt "$N" ]; do
          "$H/bin/qmail-queue" <"$W/msg$i" 1<"$W/env$i"
          i=$((i + 1))
        done
        "$H/bin/qmail-lspawn" ./Maildir/ <"$W/f1" >"$W/f2" &
        "$H/bin/qmail-rspawn" <"$W/f3" >"$W/f4" &
        "$H/bin/qmail-clean" <"$W/f5" >"$W/f6" &
        "$H/bin/qmail-send" 0>&1 1>"$W/f1" 2<"$W/f2" 3>"$W/f3" 4<"$W/f4" 5>"$W/f5" 6<"$W/f6" &
        send=$!
        read stop
        kill -TERM "$send"
        wait
        """

    /// The folders and files qmail's install makes under queue/ (hier.c),
    /// owned by whoever runs the test.
    static func makeQueue(in queue: URL, split: Int) throws {
        let manager = FileManager.default
        for folder in ["pid", "intd", "todo", "bounce", "lock"] {
            try manager.createDirectory(at: queue.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for folder in ["mess", "info", "local", "remote"] {
            for part in 0..<split {
                try manager.createDirectory(at: queue.appendingPathComponent("\(folder)/\(part)"), withIntermediateDirectories: true)
            }
        }
        try Data().write(to: queue.appendingPathComponent("lock/sendmutex"))
        try Data(count: 1024).write(to: queue.appendingPathComponent("lock/tcpto"))
        guard mkfifo(queue.appendingPathComponent("lock/trigger").path, 0o622) == 0 else {
            throw HarnessError("mkfifo lock/trigger: \(String(cString: strerror(errno)))")
        }
    }
}
