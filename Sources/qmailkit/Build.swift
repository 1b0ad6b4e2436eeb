import ArgumentParser
import Console
import Foundation
import PatchEngine
import QmailBuild

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a (patched) netqmail tree: conf-* files, users, OpenSSL, make.",
        discussion: """
            Writes the conf-* files from the options (stock values by default), checks that \
            the qmail users and groups exist (and says how to create them), adds OpenSSL flags \
            from pkg-config when the tree has the tls patch, and runs make. The full compiler \
            output goes to qmailkit-build.log in the output folder; on failure the first error \
            is shown with its file and line. A provenance file (qmailkit-provenance.json) next \
            to the binaries records the base, each patch with its feature and SHA-256, the \
            options and the compiler and OpenSSL versions; 'verify' and 'matrix' read the \
            build's features from it. Building the same tree with the same options again \
            is a no-op that says so.

            Examples:
              qmailkit build qmail-src -j2
              qmailkit build qmail-src --sandbox /tmp/qmail-home --test-users nobody:nogroup

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The tree to build (a repository made by 'qmailkit patch', or any netqmail tree).")
    var directory = "."

    @Option(name: .shortAndLong, help: ArgumentHelp("Build folder (default: DIR.build beside the tree).", valueName: "dir"))
    var output: String?

    @Option(help: ArgumentHelp("The qmail home compiled into the binaries (conf-qmail).", valueName: "dir"))
    var prefix = "/var/qmail"

    @Option(name: [.customShort("j", allowingJoined: true), .customLong("jobs")], help: ArgumentHelp("Parallel make jobs.", valueName: "n"))
    var jobs = 1

    @Option(help: ArgumentHelp("Map every qmail user and group to one existing account. NOT for production: for test and CI builds.",
                               valueName: "user[:group]"))
    var testUsers: String?

    @Option(help: ArgumentHelp("Use this scratch folder as the qmail home (control/, bin/), so the daemons run without root.",
                               valueName: "dir"))
    var sandbox: String?

    @Option(help: ArgumentHelp("Compile with sanitizers: address, undefined (comma-separated).", valueName: "list"))
    var sanitize: String?

    @Option(help: ArgumentHelp("Compile command (conf-cc).", valueName: "command"))
    var cc = "cc -O2"

    @Option(help: ArgumentHelp("Link command (conf-ld).", valueName: "command"))
    var ld = "cc -s"

    @Flag(name: .shortAndLong, help: "Print no progress, only the result and errors.")
    var quiet = false

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("-j takes 1 to 64") }
    }

    func run() throws {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let tree = URL(fileURLWithPath: directory, relativeTo: cwd).standardizedFileURL
        let reporter = ProgressReporter.automatic(quiet: quiet)
        do {
            let described = try PatchedTree.read(tree)
            if !described.matchesHead, !described.patches.isEmpty {
                reporter.note("note: the work tree differs from its last commit; building it as it is")
            }
            var options = BuildOptions(qmailHome: prefix, compile: cc, link: ld)
            options.jobs = jobs
            options.sandbox = sandbox.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
            options.sanitizers = try (sanitize?.split(separator: ",") ?? []).map { name in
                guard let sanitizer = Sanitizer(rawValue: String(name)) else {
                    throw ValidationError("--sanitize takes address and/or undefined, not '\(name)'")
                }
                return sanitizer
            }
            options.testUsers = testUsers.map(TestUsers.init(parsing:))
            let output = self.output.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
                ?? tree.deletingLastPathComponent().appendingPathComponent(tree.lastPathComponent + ".build")
            let request = BuildRequest(
                tree: tree, treeIdentity: described.treeID, output: output, options: options,
                patches: described.patches.map { AppliedPatch(feature: $0.feature, name: $0.patchFile, sha256: $0.canonicalSHA256) },
                upstream: described.upstream)
            let result = try QmailBuilder.build(request) { event in
                switch event {
                case let .keptTreeSettings(file, words, line):
                    printError("\(file): kept the tree's own \(words.joined(separator: " ")) (a patch's settings); "
                               + "the build uses: \(line)")
                case let .cacheHit(key, directory):
                    reporter.note("cache hit: \(directory.path) already holds this build (key \(key.prefix(12)))")
                case let .started(_, log):
                    reporter.note("building; full output in \(log.path)")
                case let .progress(.compiling(source, count)):
                    reporter.update("compiling \(source)", done: Int64(count), total: nil)
                case let .progress(.linking(program, count)):
                    reporter.update("linking \(program)", done: Int64(count), total: nil)
                case .failed, .finished:
                    break
                }
            }
            print("built \(result.builtPrograms.count) programs in \(result.directory.path)" + (result.cacheHit ? " (cached)" : ""))
            if !result.missingPrograms.isEmpty {
                print("not built: \(result.missingPrograms.joined(separator: ", "))")
            }
            print("provenance: \(result.provenanceFile.path)")
        } catch let error as ValidationError {
            throw error
        } catch {
            throw failure(error)
        }
    }
}
