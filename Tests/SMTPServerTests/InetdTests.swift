import Foundation
import Testing
import TestSupport

/// `qmailkit serve --inetd` as tcpserver would run it: a socket on fd 0 and
/// fd 1, the TCP* variables in the environment.
@Suite("qmailkit serve --inetd", .ownThread, .enabled(if: hasPython && qmailkitBinary != nil,
                                          "needs python3 and the qmailkit binary (built by a full 'swift test')"))
struct InetdTests {
    @Test("one pipelined session over a socketpair: replies, exit status 0, Maildir delivery, log line")
    func socketpairSession() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let maildir = home.path("Maildir")
        let driver = #"""
            import os, socket, subprocess, sys
            binary, control, maildir = sys.argv[1:4]
            ours, theirs = socket.socketpair()
            env = dict(os.environ, TCPREMOTEIP="192.0.2.7", TCPLOCALIP="127.0.0.1", SWIFT_BACKTRACE="enable=no")
            child = subprocess.Popen([binary, "serve", "--inetd", "--control", control, "--maildir", maildir],
                                     stdin=theirs, stdout=theirs, stderr=subprocess.PIPE, env=env)
            theirs.close()
            ours.settimeout(10)
            ours.sendall(b"HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: inetd\r\n\r\nhello\r\n.\r\nQUIT\r\n")
            transcript = b""
            while True:
                chunk = ours.recv(65536)
                if not chunk:
                    break
                transcript += chunk
            log = child.stderr.read().decode()
            print(repr(transcript.decode()))
            print(child.wait(timeout=10))
            print(log.strip())
            """#
        let result = try Command.run("python3", ["-c", driver, qmailkitBinary!, home.control.path, maildir])
        #expect(result.status == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(result.out)")
        #expect(lines[0].wholeMatch(of: /'220 mx.test.example ESMTP\\r\\n250 mx.test.example\\r\\n250 ok\\r\\n250 ok\\r\\n354 go ahead\\r\\n250 ok \d+ qp \d+\\r\\n221 mx.test.example\\r\\n'/) != nil, "\(lines[0])")
        #expect(lines[1] == "0")
        #expect(lines[2].wholeMatch(of: /end \d+ ip 192\.0\.2\.7 status 0 messages 1 reason quit/) != nil, "\(lines[2])")
        let files = try FileManager.default.contentsOfDirectory(atPath: maildir + "/new")
        try #require(files.count == 1)
        let stored = try Data(contentsOf: URL(fileURLWithPath: maildir + "/new/" + files[0]))
        #expect(bodyAfterReceivedLine(Array(stored)) == Array("Subject: inetd\n\nhello\n".utf8))
    }
}

/// The built qmailkit executable beside the test bundle, if it was built.
let qmailkitBinary: String? = {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [directory, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("qmailkit").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}()
