import Foundation
import Glibc
import Testing
import TestSupport

/// `install` and `package` on a real build of netqmail-1.06 with tls and auth
/// (the whole `it` target, compiled for a home in a stable scratch folder so
/// QmailBuilder's cache makes later runs cheap): the installed qmail-smtpd is
/// started from the generated run script under tcpserver and passes the live
/// scenarios of `verify --target remote:`; the .deb is read back with dpkg-deb.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, .enabled(if: RealTree.cached, RealTree.skipReason), .serialized)
struct InstallCommandTests {
    /// The build folder and the home it was compiled for, made once per process.
    static let build: Result<(build: URL, home: URL), any Error> = Result {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in RealTree.project.path.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        let slot = FileManager.default.temporaryDirectory
            .appendingPathComponent("qmailkit-install-build-\(getuid())/\(String(hash, radix: 16))", isDirectory: true)
        try FileManager.default.createDirectory(at: slot, withIntermediateDirectories: true)
        let tree = slot.appendingPathComponent("tree")
        try? FileManager.default.removeItem(at: tree)
        let patched = try RealTree.qmailkit(["patch", "--with", "tls,auth", "-o", tree.path, "-q"], in: slot)
        guard patched.status == 0 else { throw Failure("patch: \(patched.stderr)") }
        let home = slot.appendingPathComponent("home")
        let user = String(cString: getpwuid(geteuid())!.pointee.pw_name)
        let built = try CLI.run(["build", tree.path, "-o", slot.appendingPathComponent("build").path, "--prefix", home.path,
                                           "--test-users", user, "-j2", "-q"], in: slot)
        guard built.status == 0 else { throw Failure("build: \(built.stdout)\(built.stderr)") }
        return (slot.appendingPathComponent("build"), home)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test func installedQmailSmtpdRunsFromTheRunScriptAndPassesVerify() throws {
        let (build, home) = try Self.build.get()
        try? FileManager.default.removeItem(at: home)
        defer { try? FileManager.default.removeItem(at: home) }
        let port = try Self.freePort()
        let installed = try CLI.run(["install", build.path, "--prefix", home.path, "--address", "127.0.0.1",
                                               "--port", String(port), "--hostname", "mail.example.org",
                                               "--rcpthosts", "example.org,.example.net"], in: build)
        #expect(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
        #expect(installed.stdout.contains("installed "))
        #expect(Self.mode(home.path + "/bin/qmail-queue") == 0o4711)
        #expect(Self.mode(home.path + "/queue/lock/trigger") == 0o622)
        #expect(FileManager.default.fileExists(atPath: home.path + "/man/cat8/qmail-smtpd.0"))
        let run = try String(contentsOfFile: home.path + "/supervise/qmail-smtpd/run", encoding: .utf8)
        #expect(run.contains("-u \"`id -u") == (geteuid() == 0), "\(run)")

        let server = Process()
        server.executableURL = URL(fileURLWithPath: home.path + "/supervise/qmail-smtpd/run")
        server.currentDirectoryURL = home.appendingPathComponent("supervise/qmail-smtpd")
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            // SIGKILL: tcpserver may have inherited a blocked SIGTERM from the test runner.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        try Self.waitForListener(port: port)
        let verified = try CLI.run(["verify", "--target", "remote:127.0.0.1:\(port)", "--features", "tls,auth", "-j", "2",
                                         "--scenarios", RealTree.project.appendingPathComponent("scenarios").path], in: build)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains(" passed, 0 failed"), "\(verified.stdout)")
    }

    @Test func aDestdirInstallStagesTheHomeBelowIt() throws {
        let (build, home) = try Self.build.get()
        let scratch = try RealTree.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let staged = try CLI.run(["install", build.path, "--destdir", scratch.path, "--prefix", home.path, "--no-control"], in: scratch)
        #expect(staged.status == 0, "\(staged.stderr)")
        let root = scratch.path + home.path
        #expect(Self.mode(root + "/bin/qmail-queue") == 0o4711)
        #expect(Self.mode(root + "/alias") == 0o2755)
        #expect(!FileManager.default.fileExists(atPath: root + "/control/me"))
        let again = try CLI.run(["install", build.path, "--destdir", scratch.path, "--prefix", home.path], in: scratch)
        #expect(again.status == 5 && again.stderr.contains("already exists and is not empty"), "\(again.stderr)")
        let elsewhere = try CLI.run(["install", build.path, "--destdir", scratch.path + "/x", "--prefix", "/var/qmail"], in: scratch)
        #expect(elsewhere.status == 2 && elsewhere.stderr.contains("compiled for the qmail home \(home.path)"), "\(elsewhere.stderr)")
    }

    @Test func theDebRecordsFeaturesPatchesAndModes() throws {
        let (build, home) = try Self.build.get()
        let scratch = try RealTree.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let deb = scratch.appendingPathComponent("netqmail.deb")
        let made = try CLI.run(["package", "--deb", build.path, "-o", deb.path, "--prefix", home.path,
                                          "--checkpassword", "/usr/bin/checkpassword /bin/true"], in: scratch)
        #expect(made.status == 0, "\(made.stderr)")
        let provenance = try JSONSerialization.jsonObject(with: Data(contentsOf: build.appendingPathComponent("qmailkit-provenance.json"))) as? [String: Any]
        let patches = provenance?["patches"] as? [[String: String]] ?? []
        #expect(patches.count >= 2)

        let info = try Command.output("dpkg-deb", ["-I", deb.path])
        for field in ["Package: netqmail", "Version: 1.06-1", "Architecture: \(try Command.output("dpkg", ["--print-architecture"]).trimmingCharacters(in: .whitespacesAndNewlines))",
                      "X-Qmailkit-Features: auth tls"] {
            #expect(info.contains(" \(field)\n"), "\(field) in \(info)")
        }
        let depends = info.split(separator: "\n").first { $0.hasPrefix(" Depends: ") }?.dropFirst(10).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        #expect(Set(["libc6", "libssl3", "ucspi-tcp", "passwd"]).isSubset(of: depends), "\(info)")
        for patch in patches {
            #expect(info.contains("\(patch["feature"]!) \(patch["name"]!) sha256:\(patch["sha256"]!)"), "\(patch)")
        }
        let listing = try Command.output("dpkg-deb", ["-c", deb.path])
        let lines = listing.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        func entry(_ path: String) -> (String, String)? {
            lines.first { $0.last.map(String.init) == "." + home.path + path }.map { (String($0[0]), String($0[1])) }
        }
        #expect(entry("/bin/qmail-queue")?.0 == "-rwx--x--x", "shipped without setuid until postinst chowns it")
        #expect(entry("/bin/qmail-queue")?.1 == "root/root")
        #expect(entry("/bin/qmail-lspawn")?.0 == "-rwx------")
        #expect(entry("/queue/lock/trigger")?.0 == "prw--w--w-")
        #expect(entry("/queue/")?.0 == "drwxr-x---")
        #expect(entry("/supervise/qmail-smtpd/run")?.0 == "-rwxr-xr-x")
        #expect(lines.contains { $0.last == "./usr/share/doc/netqmail/qmailkit-provenance.json" })
        let postinst = try Command.output("dpkg-deb", ["-I", deb.path, "postinst"])
        #expect(postinst.contains("chmod 4711 \(home.path)/bin/qmail-queue"))
        let extracted = scratch.appendingPathComponent("x")
        try Command.output("dpkg-deb", ["-x", deb.path, extracted.path])
        let run = try String(contentsOfFile: extracted.path + home.path + "/supervise/qmail-smtpd/run", encoding: .utf8)
        #expect(run.contains("SMTPAUTH=''; export SMTPAUTH") && run.hasSuffix("/bin/qmail-smtpd /usr/bin/checkpassword /bin/true\n"))

        if FileManager.default.isExecutableFile(atPath: "/usr/bin/lintian") {
            let findings = try Command.run("lintian", ["--no-tag-display-limit", deb.path])
            print("lintian on the test package (exit \(findings.status)):\n\(findings.out)\(findings.err)")
        }
    }

    static func mode(_ path: String) -> UInt32 {
        var info = stat()
        return lstat(path, &info) == 0 ? UInt32(info.st_mode) & 0o7777 : 0
    }

    /// A loopback port nobody listened on a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Failure("bind: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Connects until tcpserver accepts, for at most 20 seconds.
    static func waitForListener(port: Int) throws {
        for _ in 0..<200 {
            if (try? LoopbackClient(port: port, receiveTimeout: 2)) != nil { return }
            usleep(100_000)
        }
        throw Failure("nothing listens on 127.0.0.1:\(port) 20 s after the run script started")
    }
}
