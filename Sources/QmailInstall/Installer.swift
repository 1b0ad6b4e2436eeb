import Foundation
import Glibc
import Spawn

/// What an install did.
public struct InstallReport: Sendable, Equatable {
    /// The staged home: DESTDIR followed by the prefix.
    public var stagedHome: URL
    public var entries: Int
    /// True when every entry was given its owner and group (root, with the accounts present).
    public var ownersSet: Bool
    /// The commands an administrator must run as root to give the entries their owners
    /// (chown by owner:group, then chmod for the setuid/setgid ones); empty when `ownersSet`.
    public var ownershipCommands: [String]
}

/// Carries out an `InstallPlan`: the thin IO around it. Blocking; call it from a command, not the cooperative pool.
public enum Installer {
    /// Stages `plan` under `root` (the DESTDIR, or `/` for the home itself), taking
    /// the built files from `build`. The staged home must not exist or be empty; a
    /// file of the build the plan names must exist. As root, with every account
    /// present, each entry gets its owner and group (unless `setOwners` is false);
    /// otherwise the report lists the commands that would.
    public static func stage(_ plan: InstallPlan, build: URL, root: URL, setOwners: Bool = true) throws(InstallError) -> InstallReport {
        let rootPath = root.standardizedFileURL.path
        let home = URL(fileURLWithPath: rootPath == "/" ? plan.home : rootPath + plan.home).standardizedFileURL
        try requireEmpty(home)
        func present(_ name: String) -> Bool { FileManager.default.fileExists(atPath: build.appendingPathComponent(name).path) }
        let missing = QmailHierarchy.builtFiles(plan.entries).filter { !present($0) }
            + QmailHierarchy.manualPages(plan.entries).filter { !present($0) && !present(ManualPages.template(of: $0)) }
        guard missing.isEmpty else { throw .missingBuiltFiles(build: build.path, names: missing) }
        let pages = PageSource(build: build, home: plan.home)
        let ids = setOwners && geteuid() == 0 ? resolve(plan.entries) : nil
        for entry in plan.entries {
            let path = entry.location(in: home.path)
            try make(entry, at: path, build: build, pages: pages)
            try setMode(entry.mode, path)
            if let (uid, gid) = ids?[entry.owner + ":" + entry.group] {
                guard lchown(path, uid, gid) == 0 else { throw failure("chown", path) }
                if entry.isPrivileged { try setMode(entry.mode, path) }
            }
        }
        return InstallReport(stagedHome: home, entries: plan.entries.count, ownersSet: ids != nil,
                             ownershipCommands: ids == nil ? ownershipCommands(plan.entries, home: home.path) : [])
    }

    /// `chown OWNER:GROUP PATH…` for each owner pair, then `chmod MODE PATH` for
    /// each setuid/setgid entry (chown clears those bits). Sans-IO.
    public static func ownershipCommands(_ entries: [InstallEntry], home: String) -> [String] {
        var pairs: [String] = []
        var paths: [String: [String]] = [:]
        for entry in entries {
            let pair = entry.owner + ":" + entry.group
            if paths[pair] == nil { pairs.append(pair) }
            paths[pair, default: []].append(SMTPService.quoted(entry.location(in: home)))
        }
        return pairs.map { "chown \($0) " + paths[$0]!.joined(separator: " ") }
            + entries.filter(\.isPrivileged).map { "chmod \(String($0.mode, radix: 8)) " + SMTPService.quoted($0.location(in: home)) }
    }

    /// The uid and gid of every owner:group pair, or nil when an account is unknown.
    private static func resolve(_ entries: [InstallEntry]) -> [String: (uid_t, gid_t)]? {
        var ids: [String: (uid_t, gid_t)] = [:]
        for entry in entries where ids[entry.owner + ":" + entry.group] == nil {
            guard let user = getpwnam(entry.owner), let group = getgrnam(entry.group) else { return nil }
            ids[entry.owner + ":" + entry.group] = (user.pointee.pw_uid, group.pointee.gr_gid)
        }
        return ids
    }

    private static func requireEmpty(_ home: URL) throws(InstallError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: home.path, isDirectory: &isDirectory) else { return }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: home.path)) ?? ["?"]
        guard isDirectory.boolValue, contents.isEmpty else { throw .destinationInUse(home.path) }
    }

    private static func make(_ entry: InstallEntry, at path: String, build: URL, pages: PageSource) throws(InstallError) {
        switch entry.kind {
        case .directory:
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: entry.path.isEmpty)
            } catch {
                throw .fileSystem(operation: "create the directory", path: path, reason: "\(error.localizedDescription)")
            }
        case let .built(name):
            try write(try read(build.appendingPathComponent(name)), to: path)
        case let .manualPage(source):
            try write(Data(try pages.source(source)), to: path)
        case let .formattedPage(source, formatted):
            let page = build.appendingPathComponent(formatted)
            if FileManager.default.fileExists(atPath: page.path) {
                try write(try read(page), to: path)
            } else {
                try write(Data(try run("nroff", ["-man"], in: build, input: try pages.source(source))), to: path)
            }
        case let .zeroes(count):
            try write(Data(count: count), to: path)
        case .fifo:
            guard mkfifo(path, 0o600) == 0 else { throw failure("make the named pipe", path) }
        case let .text(text):
            try write(Data(text.utf8), to: path)
        case let .selfSignedCertificate(commonName):
            let certificate = try run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650",
                                                  "-subj", "/CN=" + commonName, "-keyout", path], in: nil)
            let key = try read(URL(fileURLWithPath: path))
            try write(key + Data(certificate), to: path)
        }
    }

    /// Runs `tool` and returns its standard output; a failure names the command and its error output.
    static func run(_ tool: String, _ arguments: [String], in directory: URL?, input: [UInt8] = []) throws(InstallError) -> [UInt8] {
        let result: CommandOutput
        do {
            result = try Command.run(tool, arguments, in: directory, input: input)
        } catch {
            throw .toolFailed(command: tool, detail: "\(error) (is it installed?)")
        }
        guard result.status == 0 else {
            throw .toolFailed(command: ([tool] + arguments).joined(separator: " "),
                              detail: "exit status \(result.status): " + result.err.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.stdout
    }

    static func read(_ url: URL) throws(InstallError) -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw .fileSystem(operation: "read", path: url.path, reason: error.localizedDescription)
        }
    }

    static func write(_ data: Data, to path: String) throws(InstallError) {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw .fileSystem(operation: "write", path: path, reason: error.localizedDescription)
        }
    }

    static func setMode(_ mode: UInt32, _ path: String) throws(InstallError) {
        guard chmod(path, mode_t(mode)) == 0 else { throw failure("set the mode of", path) }
    }

    /// `operation` on `path` failed with errno.
    static func failure(_ operation: String, _ path: String) -> InstallError {
        .fileSystem(operation: operation, path: path, reason: String(cString: strerror(errno)))
    }
}

/// A manual page source of the build folder: the file `make man` made, else made
/// here from its `.9` template with the build's conf-qmail, conf-break and conf-spawn.
private struct PageSource {
    var build: URL
    var home: String

    func source(_ name: String) throws(InstallError) -> [UInt8] {
        let page = build.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: page.path) { return Array(try Installer.read(page)) }
        let template = try Installer.read(build.appendingPathComponent(ManualPages.template(of: name)))
        return ManualPages.render(template: Array(template), home: home, breakCharacter: try firstLine("conf-break"),
                                  spawn: try firstLine("conf-spawn"))
    }

    private func firstLine(_ conf: String) throws(InstallError) -> String {
        let text = String(decoding: try Installer.read(build.appendingPathComponent(conf)), as: UTF8.self)
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }
}
