import Foundation

/// Builds a netqmail-1.06 tree: the library behind `qmailkit build`.
public enum QmailBuilder {
    /// The stamp holding the cache key of the last successful build in a build directory.
    public static let stampFileName = "qmailkit-build.stamp"
    /// The full make output of the last build.
    public static let logFileName = "qmailkit-build.log"
    /// Marks a directory as a qmailkit build directory, so it may be wiped and rebuilt.
    static let markerFileName = ".qmailkit-build"
    /// Files a directory must hold to be taken for a netqmail tree.
    static let requiredTreeFiles = ["Makefile", "conf-qmail", "conf-cc", "conf-users", "qmail-smtpd.c"]

    /// Configures and builds `request.tree` in `request.output`, reporting through `onEvent`.
    ///
    /// Steps: validate options; check the accounts (getpwnam/getgrnam), the compiler,
    /// make and, for trees with `conf-ssl`, OpenSSL through pkg-config; compute the cache
    /// key; if the output's stamp holds the same key and its programs exist, report a
    /// cache hit and stop. Otherwise wipe the output (only if it is empty or an earlier
    /// qmailkit build), copy the tree into it, write the conf files, run make, record
    /// the built programs, write `qmailkit-provenance.json` and the stamp. With a
    /// sandbox, its `control/` and `bin/` are created and the built programs are copied
    /// into `bin/`.
    ///
    /// Blocks for the whole build (a minute or two for a full netqmail build on two
    /// cores); a cache hit costs a few short process runs. Errors thrown before make
    /// starts leave the output untouched.
    public static func build(
        _ request: BuildRequest, onEvent: (BuildEvent) -> Void = { _ in }
    ) throws(BuildError) -> BuildResult {
        let options = request.options
        try options.validate()
        let tree = request.tree.standardizedFileURL
        let output = request.output.standardizedFileURL
        try checkTree(tree)
        try checkOutput(output, tree: tree)

        let (users, groups) = try resolveAccounts(options)
        if let missing = AccountCheck.missing(
            users: users, groups: groups, qmailHome: options.qmailHome,
            userExists: AccountCheck.systemUserExists, groupExists: AccountCheck.systemGroupExists) {
            throw .missingAccounts(missing)
        }

        let compilerWord = String(options.compile.split(separator: " ").first ?? "cc")
        guard let compiler = ToolRunner.locate(compilerWord) else {
            throw .missingTool(compilerWord, hint: PackageHint.forTool(compilerWord))
        }
        guard let make = ToolRunner.locate("make") else {
            throw .missingTool("make", hint: PackageHint.forTool("make"))
        }
        let compilerVersion = try firstLine(of: compiler, ["--version"])
        let linksOpenSSL = FileManager.default.fileExists(atPath: tree.appendingPathComponent("conf-ssl").path)
        let openSSL = linksOpenSSL ? try OpenSSLProbe.flags() : nil

        var confValues = ConfFiles.values(options: options, users: users, groups: groups, openSSL: openSSL)
        let treeFirstLines = ["conf-cc", "conf-ld"].reduce(into: [String: String]()) { lines, name in
            let data = FileManager.default.contents(atPath: tree.appendingPathComponent(name).path)
            lines[name] = data.flatMap { String(decoding: $0, as: UTF8.self).split(separator: "\n").first.map(String.init) }
        }
        for (file, words) in ConfFiles.keepingTreeSettings(&confValues, treeFirstLines: treeFirstLines).sorted(by: { $0.key < $1.key }) {
            onEvent(.keptTreeSettings(file: file, words: words, line: confValues[file]?.first ?? ""))
        }
        let key = CacheKey.compute(treeIdentity: request.treeIdentity, patches: request.patches,
                                   confValues: confValues, targets: options.effectiveTargets,
                                   compilerVersion: compilerVersion)
        let logFile = output.appendingPathComponent(logFileName)
        let provenanceFile = output.appendingPathComponent(Provenance.fileName)

        if let reused = cachedBuild(in: output, key: key, sandbox: options.sandbox) {
            let missing = try expectedPrograms(in: output).filter { !reused.programs.contains($0) }
            let result = BuildResult(
                cacheKey: key, cacheHit: true, directory: output, logFile: logFile,
                provenanceFile: provenanceFile, builtPrograms: reused.programs,
                missingPrograms: missing, compilerVersion: reused.compiler, openSSLVersion: reused.openssl)
            onEvent(.cacheHit(key: key, directory: output))
            onEvent(.finished(result))
            return result
        }

        try prepareOutput(output, from: tree)
        var written = confValues
        if let cache = options.compilerCache, let compile = written["conf-cc"]?.first {
            written["conf-cc"] = [cache.wrapping(compile)]
        }
        try writeConfFiles(written, in: output)
        if let sandbox = options.sandbox {
            for sub in ["control", "bin"] {
                try FileSystem.createDirectory(sandbox.appendingPathComponent(sub))
            }
        }

        onEvent(.started(key: key, log: logFile))
        var scanner = BuildOutputScanner()
        let log = try FileSystem.createFile(logFile)
        var logFailure: (any Error)?
        let status = try ToolRunner.stream(
            make, ["-j", String(options.jobs)] + options.effectiveTargets, directory: output
        ) { chunk in
            do { try log.write(contentsOf: chunk) } catch { logFailure = logFailure ?? error }
            for step in scanner.feed(chunk) { onEvent(.progress(step)) }
        }
        do { try log.close() } catch { logFailure = logFailure ?? error }
        if let logFailure {
            throw .fileSystem(operation: "write the build log", path: logFile.path, reason: "\(logFailure)")
        }
        for step in scanner.finish() { onEvent(.progress(step)) }
        guard status == 0 else {
            onEvent(.failed(firstError: scanner.firstError))
            throw .makeFailed(status: status, firstError: scanner.firstError, log: logFile)
        }

        let expected = try expectedPrograms(in: output)
        let built = expected.filter { FileManager.default.isExecutableFile(atPath: output.appendingPathComponent($0).path) }
        let missing = expected.filter { !built.contains($0) }
        if let sandbox = options.sandbox {
            for program in built {
                try FileSystem.replaceCopy(output.appendingPathComponent(program),
                                           to: sandbox.appendingPathComponent("bin").appendingPathComponent(program))
            }
        }

        let provenance = Provenance(
            format: Provenance.currentFormat, base: request.treeIdentity, upstream: request.upstream, patches: request.patches,
            options: .init(conf: confValues, targets: options.effectiveTargets, jobs: options.jobs,
                           sanitizers: options.sanitizers.map(\.rawValue),
                           testUsers: options.testUsers.map { [$0.user, $0.group].compactMap { $0 }.joined(separator: ":") },
                           sandbox: options.sandbox?.standardizedFileURL.path),
            compiler: compilerVersion, openssl: openSSL?.version, cacheKey: key, programs: built)
        let encoded: Data
        do { encoded = try provenance.encoded() } catch {
            throw .fileSystem(operation: "encode", path: provenanceFile.path, reason: "\(error)")
        }
        try FileSystem.write(encoded, to: provenanceFile)
        try FileSystem.write(Data((key + "\n").utf8), to: output.appendingPathComponent(stampFileName))

        let result = BuildResult(
            cacheKey: key, cacheHit: false, directory: output, logFile: logFile,
            provenanceFile: provenanceFile, builtPrograms: built, missingPrograms: missing,
            compilerVersion: compilerVersion, openSSLVersion: openSSL?.version)
        onEvent(.finished(result))
        return result
    }

    /// The users and groups written to the conf files, after `testUsers` mapping.
    static func resolveAccounts(_ options: BuildOptions) throws(BuildError) -> (QmailUsers, QmailGroups) {
        guard let test = options.testUsers else { return (options.users, options.groups) }
        let group: String
        if let given = test.group {
            group = given
        } else if let primary = AccountCheck.systemPrimaryGroup(of: test.user) {
            group = primary
        } else {
            throw .missingAccounts(MissingAccounts(
                users: [test.user], groups: [],
                commands: ["useradd -d \(options.qmailHome) -s /usr/sbin/nologin \(test.user)"]))
        }
        return (.all(test.user), QmailGroups(qmail: group, nofiles: group))
    }

    private static func checkTree(_ tree: URL) throws(BuildError) {
        let missing = requiredTreeFiles.filter {
            !FileManager.default.fileExists(atPath: tree.appendingPathComponent($0).path)
        }
        if !missing.isEmpty { throw .notANetqmailTree(tree, missing: missing) }
    }

    private static func checkOutput(_ output: URL, tree: URL) throws(BuildError) {
        if output.path == tree.path || output.path.hasPrefix(tree.path + "/") {
            throw .unusableOutput(output, reason: "it is inside the source tree \(tree.path); choose a directory outside it")
        }
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: output.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw .unusableOutput(output, reason: "it is a file, not a directory")
        }
        let contents = (try? manager.contentsOfDirectory(atPath: output.path)) ?? []
        if !contents.isEmpty, !contents.contains(markerFileName) {
            throw .unusableOutput(output, reason: "it is not empty and was not made by qmailkit build; choose an empty or new directory")
        }
    }

    /// The provenance of an earlier build with the same key whose programs all still exist.
    private static func cachedBuild(in output: URL, key: String, sandbox: URL?) -> Provenance? {
        let manager = FileManager.default
        guard let stamp = manager.contents(atPath: output.appendingPathComponent(stampFileName).path),
              String(decoding: stamp, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == key,
              let provenance = try? Provenance.read(buildDirectory: output), provenance.cacheKey == key
        else { return nil }
        let directories = [output] + (sandbox.map { [$0.appendingPathComponent("bin")] } ?? [])
        let complete = directories.allSatisfy { directory in
            provenance.programs.allSatisfy {
                manager.isExecutableFile(atPath: directory.appendingPathComponent($0).path)
            }
        }
        return complete ? provenance : nil
    }

    /// Empties `output` (known to be empty or ours) and copies the tree into it.
    private static func prepareOutput(_ output: URL, from tree: URL) throws(BuildError) {
        try FileSystem.remove(output)
        try FileSystem.createDirectory(output)
        try FileSystem.write(Data("qmailkit build directory; `qmailkit build` may delete it\n".utf8),
                             to: output.appendingPathComponent(markerFileName))
        try FileSystem.copyContents(of: tree, to: output, skipping: [".git"])
    }

    private static func writeConfFiles(_ values: [String: [String]], in output: URL) throws(BuildError) {
        for (name, lines) in values {
            let file = output.appendingPathComponent(name)
            let existing = FileManager.default.contents(atPath: file.path).map { String(decoding: $0, as: UTF8.self) } ?? ""
            try FileSystem.write(Data(ConfFiles.replacingValueLines(of: existing, with: lines).utf8), to: file)
        }
    }

    private static func expectedPrograms(in output: URL) throws(BuildError) -> [String] {
        let makefile = output.appendingPathComponent("Makefile")
        guard let data = FileManager.default.contents(atPath: makefile.path) else {
            throw .fileSystem(operation: "read", path: makefile.path, reason: "unreadable")
        }
        return MakefileTargets.prerequisites(of: "it", in: String(decoding: data, as: UTF8.self)) ?? []
    }

    private static func firstLine(of tool: URL, _ arguments: [String]) throws(BuildError) -> String {
        let (status, text) = try ToolRunner.capture(tool, arguments)
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        guard status == 0, !line.isEmpty else {
            throw .missingTool(tool.path, hint: PackageHint.forTool(tool.lastPathComponent))
        }
        return line
    }
}
