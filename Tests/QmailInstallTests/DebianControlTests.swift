import QmailBuild
import QmailInstall
import Testing
import TestSupport

/// The .deb metadata and postinst, as text.
@Suite(.ownThread) struct DebianControlTests {
    private func control() throws -> DebianControl {
        DebianControl(architecture: "amd64", depends: ["libc6", "libssl3", "ucspi-tcp", "passwd"], installedSize: 900,
                      provenance: try provenance())
    }

    @Test func controlRecordsFeaturesAndPatchHashes() throws {
        let text = try control().control
        for field in ["Package: netqmail\n", "Version: 1.06-1\n", "Architecture: amd64\n", "Installed-Size: 900\n",
                      "Depends: libc6, libssl3, ucspi-tcp, passwd\n", "X-Qmailkit-Features: tls auth\n",
                      "X-Qmailkit-Base: tree-id\n", "X-Qmailkit-Upstream: netqmail-1.06 tree up\n",
                      "X-Qmailkit-Patches:\n tls patches/tls.patch sha256:\(String(repeating: "0", count: 64))\n"
                        + " auth patches/auth.patch sha256:\(String(repeating: "1", count: 64))\n"] {
            #expect(text.contains(field), "\(field)")
        }
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 || $0.hasPrefix(" tls") || $0.hasPrefix(" auth") })
    }

    @Test func namesAndVersionsFollowPolicy() throws {
        var control = try control()
        #expect(control.problem == nil)
        control.package = "Netqmail"
        #expect(control.problem?.contains("package name") == true)
        control.package = "netqmail"
        control.version = "v1"
        #expect(control.problem?.contains("version") == true)
    }

    @Test func postinstCreatesAccountsThenOwnersThenSetuid() throws {
        let plan = try makePlan(try provenance(), starter: nil)
        let script = try control().postinst(plan)
        let lines = script.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let group = try #require(lines.firstIndex(of: "getent group qmail >/dev/null || groupadd qmail"))
        let user = try #require(lines.firstIndex(of: "getent passwd qmailq >/dev/null || useradd -g qmail -d /var/qmail -s /usr/sbin/nologin qmailq"))
        let chown = try #require(lines.firstIndex { $0.hasPrefix("chown qmailq:qmail ") && $0.contains(" /var/qmail/bin/qmail-queue") })
        let setuid = try #require(lines.firstIndex(of: "chmod 4711 /var/qmail/bin/qmail-queue"))
        #expect(group < user && user < chown && chown < setuid)
        #expect(lines.contains { $0.hasPrefix("chown root:qmail /var/qmail ") })
        #expect(script.contains("control/me ] || hostname --fqdn > /var/qmail/control/me"))
        #expect(try shellParses(script))
    }

    @Test func lddAndDpkgOutputsAreRead() {
        let ldd = """
            \tlinux-vdso.so.1 (0x00007ffd)
            \tlibssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x00007f1)
            \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2)
            \tlibgone.so.1 => not found
            \t/lib64/ld-linux-x86-64.so.2 (0x00007f3)
            """
        #expect(DebianControl.libraryPaths(ldd: ldd) == ["/lib/x86_64-linux-gnu/libssl.so.3", "/lib/x86_64-linux-gnu/libc.so.6",
                                                          "/lib64/ld-linux-x86-64.so.2"])
        let search = """
            libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3
            libc6:amd64: /usr/lib/x86_64-linux-gnu/libc.so.6
            libc6:amd64: /lib64/ld-linux-x86-64.so.2
            """
        #expect(DebianControl.owningPackages(dpkgSearch: search) == ["libssl3", "libc6"])
    }
}
