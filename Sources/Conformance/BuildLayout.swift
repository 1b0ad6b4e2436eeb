import Foundation
import QmailBuild
import SMTPEngine

/// What a `build:DIR` target names: where its qmail-smtpd (and qmail-remote)
/// are, the qmail home compiled into them, and the features the build
/// records, if it records any.
///
/// DIR is one of: the output folder of `qmailkit build` (it has
/// `qmailkit-provenance.json`), a source tree built with plain `make` (it
/// has `qmail-smtpd` and `conf-qmail`), or an installed qmail home (it has
/// `bin/qmail-smtpd`; the home is DIR itself).
public struct BuildLayout: Sendable {
    public enum Kind: String, Sendable {
        case qmailkitBuild = "a qmailkit build"
        case makeTree = "a source tree built with make"
        case installedHome = "an installed qmail home"
    }

    /// DIR as given.
    public var directory: URL
    public var kind: Kind
    public var smtpd: URL
    public var remote: URL?
    /// The qmail home compiled into the programs.
    public var home: URL
    /// The features named by `qmailkit-provenance.json`; nil without one.
    public var recordedFeatures: Features?

    /// Why DIR cannot be used.
    public struct Unusable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads DIR. Cost: a few small file reads.
    public static func locate(_ directory: URL) throws(Unusable) -> BuildLayout {
        let manager = FileManager.default
        let provenanceFile = directory.appendingPathComponent(Provenance.fileName)
        func program(_ name: String, in folders: [URL]) -> URL? {
            folders.map { $0.appendingPathComponent(name) }.first { manager.isExecutableFile(atPath: $0.path) }
        }
        if manager.fileExists(atPath: provenanceFile.path) {
            let provenance: Provenance
            do { provenance = try Provenance.read(buildDirectory: directory) } catch {
                throw Unusable(description: error.description)
            }
            let features: Features
            do { features = try Features(names: provenance.features) } catch {
                throw Unusable(description: "\(provenanceFile.path): \(error)")
            }
            let home = URL(fileURLWithPath: provenance.options.sandbox ?? provenance.options.conf["conf-qmail"]?.first ?? "/var/qmail")
            let folders = [directory, home.appendingPathComponent("bin")]
            guard let smtpd = program("qmail-smtpd", in: folders) else {
                throw Unusable(description: "\(directory.path) was built without qmail-smtpd (no executable \(directory.path)/qmail-smtpd)")
            }
            return BuildLayout(directory: directory, kind: .qmailkitBuild, smtpd: smtpd, remote: program("qmail-remote", in: folders),
                               home: home, recordedFeatures: features)
        }
        if let smtpd = program("qmail-smtpd", in: [directory]) {
            guard let home = compiledHome(tree: directory) else {
                throw Unusable(description: "\(directory.path) has qmail-smtpd but neither auto_qmail.c nor conf-qmail names the qmail home it was compiled for")
            }
            return BuildLayout(directory: directory, kind: .makeTree, smtpd: smtpd, remote: program("qmail-remote", in: [directory]),
                               home: home, recordedFeatures: nil)
        }
        let bin = directory.appendingPathComponent("bin")
        if let smtpd = program("qmail-smtpd", in: [bin]) {
            return BuildLayout(directory: directory, kind: .installedHome, smtpd: smtpd, remote: program("qmail-remote", in: [bin]),
                               home: directory, recordedFeatures: nil)
        }
        throw Unusable(description: "\(directory.path) holds no qmail-smtpd: give the output folder of 'qmailkit build' "
            + "(with \(Provenance.fileName)), a source tree built with make (with qmail-smtpd), or an installed qmail home (with bin/qmail-smtpd)")
    }

    /// The home of a make'd tree: the string make generated into
    /// auto_qmail.c (octal escapes), else the first line of conf-qmail.
    static func compiledHome(tree: URL) -> URL? {
        if let source = try? String(contentsOf: tree.appendingPathComponent("auto_qmail.c"), encoding: .utf8),
           let home = decodeAutoString(source) {
            return URL(fileURLWithPath: home)
        }
        guard let conf = try? String(contentsOf: tree.appendingPathComponent("conf-qmail"), encoding: .utf8),
              let line = conf.split(separator: "\n", omittingEmptySubsequences: false).first,
              line.hasPrefix("/") else { return nil }
        return URL(fileURLWithPath: String(line))
    }

    /// The value of `char auto_x[] = "\<newline>\057…\<newline>";` as written by qmail's auto-str.
    static func decodeAutoString(_ source: String) -> String? {
        guard let open = source.firstIndex(of: "\""), let close = source.lastIndex(of: "\""), open < close else { return nil }
        let body = Array(source[source.index(after: open)..<close].utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < body.count {
            guard body[index] == UInt8(ascii: "\\") else {
                bytes.append(body[index])
                index += 1
                continue
            }
            if index + 1 < body.count, body[index + 1] == UInt8(ascii: "\n") {
                index += 2
                continue
            }
            let digits = body[(index + 1)...].prefix(3).prefix { (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }
            guard !digits.isEmpty, let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 8) else { return nil }
            bytes.append(value)
            index += 1 + digits.count
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.hasPrefix("/") ? text : nil
    }
}
