import Foundation
import Glibc
import QmailBuild
import Spawn

/// Makes a .deb of an install plan with dpkg-deb: the thin IO around
/// `DebianControl`. Blocking; call it from a command, not the cooperative pool.
public enum DebianPackager {
    /// Stages `plan` (without starter control files) in a scratch folder, adds the
    /// documentation and DEBIAN/, and runs `dpkg-deb --root-owner-group --build`
    /// into `output`, which must not exist. Everything ships as root:root with its
    /// setuid/setgid bits off; postinst sets the owners and then those bits.
    /// Returns the metadata written.
    public static func package(_ plan: InstallPlan, build: URL, provenance: Provenance, output: URL,
                               adjust: (inout DebianControl) -> Void) throws(InstallError) -> DebianControl {
        guard !FileManager.default.fileExists(atPath: output.path) else { throw .destinationInUse(output.path) }
        let stage = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-deb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: stage) }
        let report = try Installer.stage(plan, build: build, root: stage, setOwners: false)
        for entry in plan.entries where entry.isPrivileged {
            try Installer.setMode(entry.mode & ~0o6000, entry.location(in: report.stagedHome.path))
        }
        let architecture = String(decoding: try Installer.run("dpkg", ["--print-architecture"], in: nil), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var control = DebianControl(architecture: architecture, depends: try dependencies(plan, home: report.stagedHome),
                                    installedSize: 0, provenance: provenance)
        adjust(&control)
        if let problem = control.problem { throw .invalidOption(problem) }

        let provenanceData = try Installer.read(build.appendingPathComponent(Provenance.fileName))
        try add(provenanceData, at: control.provenancePath, in: stage, mode: 0o644)
        try add(Data(control.copyright.utf8), at: control.copyrightPath, in: stage, mode: 0o644)
        control.installedSize = installedSize(stage)
        try add(Data(control.control.utf8), at: "DEBIAN/control", in: stage, mode: 0o644)
        try add(Data(control.postinst(plan).utf8), at: "DEBIAN/postinst", in: stage, mode: 0o755)
        _ = try Installer.run("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", stage.path, output.path], in: nil)
        return control
    }

    /// The packages owning the libraries the ELF programs of `plan` link, then
    /// ucspi-tcp (tcpserver, tcprules) and passwd (useradd, for postinst).
    private static func dependencies(_ plan: InstallPlan, home: URL) throws(InstallError) -> [String] {
        var libraries: [String] = []
        for entry in plan.entries where entry.path.hasPrefix("bin/") {
            let path = entry.location(in: home.path)
            guard let handle = FileHandle(forReadingAtPath: path) else { continue }
            let magic = handle.readData(ofLength: 4)
            try? handle.close()
            guard magic == Data([0x7F, 0x45, 0x4C, 0x46]) else { continue }
            let listed = String(decoding: try Installer.run("ldd", [path], in: nil), as: UTF8.self)
            for library in DebianControl.libraryPaths(ldd: listed) where !libraries.contains(library) {
                libraries.append(library)
            }
        }
        // Debian's merged /usr: the loader may name /lib/… where dpkg recorded /usr/lib/…, or the other way round.
        let candidates = libraries.flatMap { [$0, $0.hasPrefix("/usr/") ? String($0.dropFirst(4)) : "/usr" + $0] }
        var packages: [String] = []
        if !candidates.isEmpty {
            let found = (try? dpkgSearch(candidates)) ?? ""
            packages = DebianControl.owningPackages(dpkgSearch: found)
        }
        for extra in ["ucspi-tcp", "passwd"] where !packages.contains(extra) { packages.append(extra) }
        return packages
    }

    /// `dpkg -S` of the paths; its exit status is 1 when some path is unknown, which is expected here.
    private static func dpkgSearch(_ paths: [String]) throws -> String {
        try Command.run("dpkg", ["-S"] + paths).out
    }

    private static func add(_ data: Data, at path: String, in stage: URL, mode: UInt32) throws(InstallError) {
        let url = stage.appendingPathComponent(path)
        var folder = url.deletingLastPathComponent()
        var created: [URL] = []
        while !FileManager.default.fileExists(atPath: folder.path) {
            created.append(folder)
            folder = folder.deletingLastPathComponent()
        }
        for directory in created.reversed() {
            guard mkdir(directory.path, 0o755) == 0 else { throw Installer.failure("create the directory", directory.path) }
            try Installer.setMode(0o755, directory.path)
        }
        try Installer.write(data, to: url.path)
        try Installer.setMode(mode, url.path)
    }

    /// dpkg's measure: each regular file rounded up to a KiB, one KiB for anything else.
    private static func installedSize(_ stage: URL) -> Int {
        let items = FileManager.default.enumerator(at: stage, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey])
        var total = 0
        while let item = items?.nextObject() as? URL {
            let values = try? item.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            total += values?.isRegularFile == true ? ((values?.fileSize ?? 0) + 1023) / 1024 : 1
        }
        return total
    }
}
