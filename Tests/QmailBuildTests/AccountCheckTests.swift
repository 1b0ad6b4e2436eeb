import Foundation
import Testing
@testable import QmailBuild
import TestSupport

@Suite(.ownThread) struct AccountCheckTests {
    @Test func allStockAccountsPresentMeansNothingMissing() {
        let missing = AccountCheck.missing(users: QmailUsers(), groups: QmailGroups(), qmailHome: "/var/qmail",
                                           userExists: { _ in true }, groupExists: { _ in true })
        #expect(missing == nil)
    }

    @Test func stockAccountsOnABareSystemGetInstallIdsCommands() throws {
        let missing = try #require(AccountCheck.missing(
            users: QmailUsers(), groups: QmailGroups(), qmailHome: "/var/qmail",
            userExists: { $0 == "root" }, groupExists: { _ in false }))
        #expect(missing.groups == ["qmail", "nofiles"])
        #expect(missing.users == ["alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails"])
        #expect(missing.commands == [
            "groupadd qmail",
            "groupadd nofiles",
            "useradd -g nofiles -d /var/qmail/alias -s /usr/sbin/nologin alias",
            "useradd -g nofiles -d /var/qmail -s /usr/sbin/nologin qmaild",
            "useradd -g nofiles -d /var/qmail -s /usr/sbin/nologin qmaill",
            "useradd -g nofiles -d /var/qmail -s /usr/sbin/nologin qmailp",
            "useradd -g qmail -d /var/qmail -s /usr/sbin/nologin qmailq",
            "useradd -g qmail -d /var/qmail -s /usr/sbin/nologin qmailr",
            "useradd -g qmail -d /var/qmail -s /usr/sbin/nologin qmails",
        ])
    }

    @Test func realLookupNamesTheAccountThatDoesNotExist() throws {
        let ghost = "qmailkit-no-such-user-\(UInt32.random(in: 1000...9999))"
        let ghostGroup = "qmailkit-no-such-group-\(UInt32.random(in: 1000...9999))"
        var users = QmailUsers.all("root")
        users.daemon = ghost
        let missing = try #require(AccountCheck.missing(
            users: users, groups: QmailGroups(qmail: "root", nofiles: ghostGroup), qmailHome: "/var/qmail",
            userExists: AccountCheck.systemUserExists, groupExists: AccountCheck.systemGroupExists))
        #expect(missing.users == [ghost])
        #expect(missing.groups == [ghostGroup])
        #expect(missing.commands == [
            "groupadd \(ghostGroup)",
            "useradd -g \(ghostGroup) -d /var/qmail -s /usr/sbin/nologin \(ghost)",
        ])
        #expect(missing.message.contains("user \(ghost)"))
        #expect(missing.message.contains("group \(ghostGroup)"))
        #expect(missing.message.contains("  useradd -g \(ghostGroup)"))
    }

    @Test func builderRefusesBeforeWritingAnything() throws {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("qmailkit-accounts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let tree = scratch.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        for name in QmailBuilder.requiredTreeFiles {
            try Data().write(to: tree.appendingPathComponent(name))
        }
        let output = scratch.appendingPathComponent("out")
        let ghost = "qmailkit-no-such-user-\(UInt32.random(in: 1000...9999))"
        var options = BuildOptions()
        options.users.queue = ghost
        let request = BuildRequest(tree: tree, treeIdentity: "fake", output: output, options: options)
        let error = #expect(throws: BuildError.self) { try QmailBuilder.build(request) }
        guard case .missingAccounts(let missing)? = error else {
            Issue.record("expected missingAccounts, got \(String(describing: error))")
            return
        }
        #expect(missing.users.contains(ghost))
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test func primaryGroupOfRoot() {
        #expect(AccountCheck.systemPrimaryGroup(of: "root") != nil)
        #expect(AccountCheck.systemPrimaryGroup(of: "qmailkit-no-such-user-1") == nil)
    }
}
