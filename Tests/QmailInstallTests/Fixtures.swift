import Foundation
import QmailBuild
import QmailInstall

/// Provenance of a build with stock accounts (or `users`), compiled for `home`, with `features`.
func provenance(prefix home: String = "/var/qmail", features: [String] = ["tls", "auth"],
                users: [String] = ["alias", "qmaild", "qmaill", "root", "qmailp", "qmailq", "qmailr", "qmails"],
                groups: [String] = ["qmail", "nofiles"]) throws -> Provenance {
    let patches = features.enumerated().map { index, feature in
        ["feature": feature, "name": "patches/\(feature).patch", "sha256": String(repeating: String(index), count: 64)]
    }
    let object: [String: Any] = [
        "format": 2, "base": "tree-id", "upstream": "netqmail-1.06 tree up", "patches": patches,
        "options": ["conf": ["conf-qmail": [home], "conf-users": users, "conf-groups": groups, "conf-split": ["23"]],
                    "targets": ["it"], "jobs": 1, "sanitizers": []],
        "compiler": "cc", "cacheKey": "key", "programs": [],
    ]
    return try JSONDecoder().decode(Provenance.self, from: JSONSerialization.data(withJSONObject: object))
}

func makePlan(_ provenance: Provenance, prefix: String = "/var/qmail", switchAccounts: Bool = true,
          starter: StarterControl? = StarterControl(hostname: "mail.example.org")) throws -> InstallPlan {
    try InstallPlan.make(provenance: provenance, prefix: prefix, service: SMTPService(home: prefix, features: []),
                         switchAccounts: switchAccounts, starter: starter)
}

extension InstallPlan {
    func entry(_ path: String) -> InstallEntry? { entries.first { $0.path == path } }
}

/// `sh -n` of a script: whether sh can parse it.
func shellParses(_ script: String) throws -> Bool {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-script-\(UUID().uuidString)")
    try Data(script.utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-n", file.path]
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus == 0
}
