import Foundation

extension BuildOptions {
    /// Checks the options before anything is written.
    ///
    /// Throws `BuildError.invalidOptions` listing every problem, each with what to do.
    public func validate() throws(BuildError) {
        var problems: [String] = []
        func checkLine(_ value: String, _ what: String) {
            if value.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append("\(what) is empty; give a value or leave the default")
            } else if value.contains("\n") || value.contains("\r") {
                problems.append("\(what) contains a line break; conf files hold one value per line")
            }
        }
        func checkName(_ value: String, _ what: String) {
            if value.isEmpty || value.contains(where: { $0.isWhitespace || $0 == ":" }) {
                problems.append("\(what) '\(value)' is not an account name (empty, whitespace or ':')")
            }
        }
        checkLine(qmailHome, "qmail home")
        if sandbox == nil, !qmailHome.hasPrefix("/") {
            problems.append("qmail home '\(qmailHome)' must be an absolute path")
        }
        if let sandbox {
            if !sandbox.isFileURL { problems.append("sandbox \(sandbox) must be a file URL") }
            checkLine(sandbox.path, "sandbox path")
            if sandbox.path.contains(" ") {
                problems.append("sandbox path '\(sandbox.path)' contains a space, which qmail's build scripts split on")
            }
        }
        checkLine(compile, "compile command (conf-cc)")
        checkLine(link, "link command (conf-ld)")
        for (index, name) in users.inFileOrder.enumerated() { checkName(name, "user \(index + 1)") }
        for (index, name) in groups.inFileOrder.enumerated() { checkName(name, "group \(index + 1)") }
        if let testUsers {
            checkName(testUsers.user, "test user")
            if let group = testUsers.group { checkName(group, "test group") }
        }
        if split < 1 { problems.append("split \(split) must be at least 1") }
        if !(1...255).contains(spawn) { problems.append("spawn \(spawn) must be between 1 and 255") }
        if jobs < 1 { problems.append("jobs \(jobs) must be at least 1") }
        for target in targets where target.isEmpty || target.hasPrefix("-") || target.contains(where: \.isWhitespace) {
            problems.append("make target '\(target)' is not a target name")
        }
        if !problems.isEmpty { throw .invalidOptions(problems) }
    }
}
