import Foundation
import Testing
@testable import QmailBuild
import TestSupport

@Suite(.ownThread) struct CacheKeyTests {
    let patches = [AppliedPatch(feature: "tls", name: "patches/tls.patch", sha256: String(repeating: "a", count: 64))]

    func key(_ options: BuildOptions = BuildOptions(), tree: String = "tree-1",
             patches: [AppliedPatch]? = nil, compiler: String = "gcc (Debian 12.2.0-14) 12.2.0") -> String {
        let values = ConfFiles.values(options: options, users: options.users, groups: options.groups, openSSL: nil)
        return CacheKey.compute(treeIdentity: tree, patches: patches ?? self.patches, confValues: values,
                                targets: options.effectiveTargets, compilerVersion: compiler)
    }

    @Test func sameInputsSameKey() {
        #expect(key() == key())
        #expect(key().count == 64)
        #expect(key().allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func everyResultChangingInputChangesTheKey() {
        var sandboxed = BuildOptions()
        sandboxed.sandbox = URL(fileURLWithPath: "/tmp/sandbox")
        var sanitized = BuildOptions()
        sanitized.sanitizers = [.address]
        var targeted = BuildOptions()
        targeted.targets = ["qmail-smtpd"]
        let keys = [
            key(), key(tree: "tree-2"), key(patches: []), key(compiler: "gcc 14"),
            key(sandboxed), key(sanitized), key(targeted), key(BuildOptions(spawn: 60)),
            key(BuildOptions(users: .all("root"))),
        ]
        #expect(Set(keys).count == keys.count)
    }

    @Test func jobsDoNotChangeTheKey() {
        #expect(key(BuildOptions(jobs: 1)) == key(BuildOptions(jobs: 8)))
    }

    @Test func canonicalTextListsEveryInput() {
        let text = CacheKey.canonicalText(
            treeIdentity: "t", patches: patches, confValues: ["conf-users": ["a", "b"], "conf-cc": ["cc -O2"]],
            targets: ["it"], compilerVersion: "gcc 12")
        #expect(text == """
            qmailkit-build-key=2
            tree=t
            patch=tls patches/tls.patch \(String(repeating: "a", count: 64))
            conf-cc[0]=cc -O2
            conf-users[0]=a
            conf-users[1]=b
            targets=it
            compiler=gcc 12

            """)
    }
}

@Suite(.ownThread) struct MakefileTargetsTests {
    @Test func followsContinuations() {
        let makefile = "# x\nit: \\\nqmail-local qmail-lspawn \\\nqmail-smtpd\n\nload: \\\nmake-load\n\tcat x\n"
        #expect(MakefileTargets.prerequisites(of: "it", in: makefile) == ["qmail-local", "qmail-lspawn", "qmail-smtpd"])
        #expect(MakefileTargets.prerequisites(of: "load", in: makefile) == ["make-load"])
        #expect(MakefileTargets.prerequisites(of: "man", in: makefile) == nil)
    }
}
