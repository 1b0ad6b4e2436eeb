import QmailBuild

/// The metadata and maintainer script of a .deb of an installed qmail home.
/// Sans-IO: renders text from the build's provenance and the install plan.
public struct DebianControl: Sendable, Equatable {
    public var package = "netqmail"
    public var version = "1.06-1"
    public var architecture: String
    public var maintainer = "qmailkit <root@localhost>"
    /// Packages the programs and run scripts need, in order, without repeats.
    public var depends: [String]
    /// In KiB, as dpkg counts it.
    public var installedSize: Int
    public var provenance: Provenance

    public init(architecture: String, depends: [String], installedSize: Int, provenance: Provenance) {
        self.architecture = architecture
        self.depends = depends
        self.installedSize = installedSize
        self.provenance = provenance
    }

    /// The problem with the package name or version, if any (Debian policy 5.6.1, 5.6.12).
    public var problem: String? {
        let name = Set("abcdefghijklmnopqrstuvwxyz0123456789+.-")
        if package.count < 2 || !package.allSatisfy(name.contains) || !(package.first!.isLetter || package.first!.isNumber) {
            return "a package name is 2 or more of a-z 0-9 + . - starting with a letter or digit, not '\(package)'"
        }
        let version = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+~-:")
        if !self.version.allSatisfy(version.contains) || !(self.version.first?.isNumber ?? false) {
            return "a package version starts with a digit and holds only A-Z a-z 0-9 . + ~ - :, not '\(self.version)'"
        }
        if maintainer.contains("\n") || !maintainer.contains("<") { return "a maintainer is 'Name <address>', not '\(maintainer)'" }
        return nil
    }

    /// Where the provenance file goes in the package.
    public var provenancePath: String { "usr/share/doc/\(package)/\(Provenance.fileName)" }
    public var copyrightPath: String { "usr/share/doc/\(package)/copyright" }

    /// DEBIAN/control. The X-Qmailkit fields record what was built, as pkgsrc records
    /// a package's options: the features, and each patch with its SHA-256.
    public var control: String {
        let features = provenance.features.isEmpty ? "none" : provenance.features.joined(separator: " ")
        var fields = [
            "Package: \(package)",
            "Version: \(version)",
            "Architecture: \(architecture)",
            "Maintainer: \(maintainer)",
            "Installed-Size: \(installedSize)",
            "Depends: \(depends.joined(separator: ", "))",
            "Recommends: daemontools | runit | systemd",
            "Section: mail",
            "Priority: optional",
            "Homepage: https://www.qmail.org/netqmail/",
            "Description: qmail mail transfer agent (netqmail 1.06) built by qmailkit",
            " netqmail-1.06 laid out as 'make setup' installs it, with qmail-smtpd",
            " run scripts for tcpserver (daemontools, runit and a systemd unit).",
            " Features built in: \(features).",
            "X-Qmailkit-Features: \(features)",
            "X-Qmailkit-Base: \(provenance.base)",
        ]
        if let upstream = provenance.upstream { fields.append("X-Qmailkit-Upstream: \(upstream)") }
        if !provenance.patches.isEmpty {
            fields.append("X-Qmailkit-Patches:")
            fields += provenance.patches.map { " \($0.feature) \($0.name) sha256:\($0.sha256)" }
        }
        return fields.joined(separator: "\n") + "\n"
    }

    /// DEBIAN/postinst for `plan` (owners shipped as root:root, setuid/setgid bits
    /// left off): on configure, creates the missing accounts, gives every entry its
    /// owner and mode, and writes starter control files that do not exist yet.
    public func postinst(_ plan: InstallPlan) -> String {
        let home = SMTPService.quoted(plan.home)
        let ownership = Installer.ownershipCommands(plan.entries.filter { $0.owner != "root" || $0.group != "root" || $0.isPrivileged },
                                                    home: plan.home)
        let lines = ["#!/bin/sh", "set -e", "", "if [ \"$1\" = configure ]; then"]
            + AccountSetup.guardedCommands(plan).map { "  " + $0 }
            + ownership.map { "  " + $0 }
            + [
                "  [ -e \(home)/control/me ] || hostname --fqdn > \(home)/control/me 2>/dev/null || hostname > \(home)/control/me",
                "  [ -e \(home)/control/rcpthosts ] || cp \(home)/control/me \(home)/control/rcpthosts",
                "  [ -e \(home)/control/tcp.smtp ] || printf '%s\\n' \(StarterControl.rules.split(separator: "\n").map { SMTPService.quoted(String($0)) }.joined(separator: " ")) > \(home)/control/tcp.smtp",
                "fi",
                "",
                "exit 0",
            ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// usr/share/doc/PACKAGE/copyright.
    public var copyright: String {
        """
        Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
        Upstream-Name: netqmail
        Source: https://www.qmail.org/netqmail/

        Files: *
        Copyright: 1998 D. J. Bernstein; netqmail 1.06 by the netqmail maintainers
        License: public-domain
         D. J. Bernstein placed qmail 1.03 in the public domain in November 2007.
         The patches applied by qmailkit are listed with their SHA-256 in the
         package's X-Qmailkit-Patches field and in \(Provenance.fileName).

        """
    }

    /// The package names of `dpkg -S` output lines (`libssl3:amd64: /usr/lib/…/libssl.so.3`). Sans-IO.
    public static func owningPackages(dpkgSearch output: String) -> [String] {
        var seen = Set<String>()
        return output.split(separator: "\n").compactMap { line -> String? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = String(line[..<colon])
            return seen.insert(name).inserted ? name : nil
        }
    }

    /// The library paths of `ldd` output lines (`libc.so.6 => /lib/…/libc.so.6 (0x…)`, `/lib64/ld-linux… (0x…)`). Sans-IO.
    public static func libraryPaths(ldd output: String) -> [String] {
        output.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(whereSeparator: \.isWhitespace)
            if let arrow = words.firstIndex(of: "=>") {
                return arrow + 1 < words.count && words[arrow + 1].hasPrefix("/") ? String(words[arrow + 1]) : nil
            }
            return words.first.flatMap { $0.hasPrefix("/") ? String($0) : nil }
        }
    }
}
