import Foundation
import Testing
@testable import QmailBuild
import TestSupport

@Suite(.ownThread) struct ConfFilesTests {
    let stock = BuildOptions()

    @Test func stockOptionsRenderStockValues() {
        let values = ConfFiles.values(options: stock, users: stock.users, groups: stock.groups, openSSL: nil)
        #expect(values["conf-qmail"] == ["/var/qmail"])
        #expect(values["conf-cc"] == ["cc -O2"])
        #expect(values["conf-ld"] == ["cc -s"])
        #expect(values["conf-users"] == ["alias", "qmaild", "qmaill", "root", "qmailp", "qmailq", "qmailr", "qmails"])
        #expect(values["conf-groups"] == ["qmail", "nofiles"])
        #expect(values["conf-split"] == ["23"])
        #expect(values["conf-spawn"] == ["120"])
        #expect(values["conf-ssl"] == nil)
        #expect(Set(values.keys) == Set(ConfFiles.names))
    }

    @Test func sandboxReplacesQmailHome() {
        var options = stock
        options.sandbox = URL(fileURLWithPath: "/tmp/box/../sandbox-1")
        let values = ConfFiles.values(options: options, users: stock.users, groups: stock.groups, openSSL: nil)
        #expect(values["conf-qmail"] == ["/tmp/sandbox-1"])
    }

    @Test func sanitizersGoToCompileAndLinkWithoutStripping() {
        var options = stock
        options.sanitizers = [.address, .undefined]
        let values = ConfFiles.values(options: options, users: stock.users, groups: stock.groups, openSSL: nil)
        #expect(values["conf-cc"] == ["cc -O2 -fsanitize=address,undefined -fno-omit-frame-pointer -g"])
        #expect(values["conf-ld"] == ["cc -fsanitize=address,undefined -fno-omit-frame-pointer -g"])
    }

    @Test func openSSLFlagsGoToConfSslAndCompile() {
        let ssl = OpenSSLFlags(libs: "-L/opt/ssl/lib -lssl -lcrypto", cflags: "-I/opt/ssl/include", version: "3.0.19")
        let values = ConfFiles.values(options: stock, users: stock.users, groups: stock.groups, openSSL: ssl)
        #expect(values["conf-ssl"] == ["-L/opt/ssl/lib -lssl -lcrypto"])
        #expect(values["conf-cc"] == ["cc -O2 -I/opt/ssl/include"])
        let noCflags = OpenSSLFlags(libs: "-lssl -lcrypto", cflags: "", version: "3.0.19")
        let plain = ConfFiles.values(options: stock, users: stock.users, groups: stock.groups, openSSL: noCflags)
        #expect(plain["conf-cc"] == ["cc -O2"])
    }

    @Test func aPatchedTreesOwnSettingsAreKeptNotDropped() {
        let ssl = OpenSSLFlags(libs: "-lssl -lcrypto", cflags: "-I/usr/include/openssl", version: "3.0.19")
        var options = stock
        options.sanitizers = [.address]
        var values = ConfFiles.values(options: options, users: stock.users, groups: stock.groups, openSSL: ssl)
        let kept = ConfFiles.keepingTreeSettings(&values, treeFirstLines: [
            "conf-cc": "gcc -O2 -DTLS=20151215 -I/usr/include/openssl\t-DTLS=20151215 -I/usr/local/ssl/include",
            "conf-ld": "cc -s -lssl",
        ])
        #expect(kept == ["conf-cc": ["-DTLS=20151215", "-I/usr/local/ssl/include"], "conf-ld": ["-lssl"]])
        #expect(values["conf-cc"] == ["cc -O2 -I/usr/include/openssl -fsanitize=address -fno-omit-frame-pointer -g "
                                      + "-DTLS=20151215 -I/usr/local/ssl/include"])
        #expect(values["conf-ld"] == ["cc -fsanitize=address -fno-omit-frame-pointer -g -lssl"], "-s stays dropped")

        var pristine = ConfFiles.values(options: stock, users: stock.users, groups: stock.groups, openSSL: nil)
        #expect(ConfFiles.keepingTreeSettings(&pristine, treeFirstLines: ["conf-cc": "cc -O2", "conf-ld": "cc -s"]).isEmpty)
        #expect(pristine["conf-cc"] == ["cc -O2"])
    }

    @Test func testUsersFillEveryLine() {
        let values = ConfFiles.values(options: stock, users: .all("nobody"),
                                      groups: QmailGroups(qmail: "nogroup", nofiles: "nogroup"), openSSL: nil)
        #expect(values["conf-users"] == Array(repeating: "nobody", count: 8))
        #expect(values["conf-groups"] == ["nogroup", "nogroup"])
    }

    @Test func valueLinesAreReplacedAndExplanationKept() {
        let confCc = "cc -O2\n\nThis will be used to compile .c files.\n"
        #expect(ConfFiles.replacingValueLines(of: confCc, with: ["gcc -O1 -g"])
            == "gcc -O1 -g\n\nThis will be used to compile .c files.\n")
        let confGroups = "qmail\nnofiles\n\nThese are the qmail groups.\n"
        #expect(ConfFiles.replacingValueLines(of: confGroups, with: ["root", "root"])
            == "root\nroot\n\nThese are the qmail groups.\n")
        #expect(ConfFiles.replacingValueLines(of: "", with: ["-lssl -lcrypto"]) == "-lssl -lcrypto\n")
        #expect(ConfFiles.replacingValueLines(of: "old", with: ["a", "b"]) == "a\nb\n")
    }
}

@Suite(.ownThread) struct OptionsValidationTests {
    @Test func stockOptionsAreValid() throws {
        try BuildOptions().validate()
    }

    @Test func everyProblemIsListed() {
        let options = BuildOptions(qmailHome: "var/qmail", compile: " ", split: 0, spawn: 256,
                                   testUsers: TestUsers(user: "two words"), jobs: 0, targets: ["-k"])
        let error = #expect(throws: BuildError.self) { try options.validate() }
        guard case .invalidOptions(let problems)? = error else {
            Issue.record("expected invalidOptions, got \(String(describing: error))")
            return
        }
        #expect(problems.count == 7)
        #expect(problems.contains { $0.contains("absolute") })
        #expect(problems.contains { $0.contains("spawn 256") })
        #expect(problems.contains { $0.contains("'-k'") })
    }
}
