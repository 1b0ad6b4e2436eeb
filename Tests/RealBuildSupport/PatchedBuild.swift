import DiffFormat
import Foundation
import GitStore
import PatchEngine
import QmailBuild
import Recipes
import SourceFetch
import SourceImport
import Synchronization
import TestSupport

/// netqmail-1.06 with a selection of our patches, applied by qmailkit's own engine
/// (recipe `combined`, in memory), written out with ResultRepository and built by
/// QmailBuilder into a sandbox home (``programs``, jobs 2,
/// `cc -O2 -Wall`, every qmail account mapped to root). Every test target that
/// needs a real build of a selection gets it here, so a run builds each
/// selection once.
///
/// Cost: the first call per selection and process plans, applies and runs
/// QmailBuilder; its build folder lives at a stable path under `$TMPDIR` keyed by
/// this checkout and the selection, so QmailBuilder's own cache (same tree, same
/// options) turns later test runs into a cache hit that costs a few short process
/// runs. Within a process the result is memoised.
///
/// Control files: qmail-smtpd and qmail-remote chdir to the compiled-in home, so
/// every session of one build shares `<home>/control`. Tests therefore never write
/// control files directly: ``withControl(_:_:)`` holds the build's lock, rewrites
/// `control/` to exactly the base files plus the test's files, and runs the session.
/// Sessions of one build run one after another; different builds run in parallel.
public struct PatchedBuild: Sendable {
    /// The features applied, in recipe order (requirements added, e.g. forcetls adds auth and tls).
    public let features: [String]
    /// The sandbox qmail home compiled into the binaries.
    public let home: URL
    /// QmailBuilder's output folder (sources, objects, log).
    public let buildDirectory: URL
    /// True when QmailBuilder reused an earlier identical build.
    public let reused: Bool
    private let lock: AsyncLock

    public var control: URL { home.appendingPathComponent("control", isDirectory: true) }
    public var smtpd: URL { home.appendingPathComponent("bin/qmail-smtpd") }
    public var remote: URL { home.appendingPathComponent("bin/qmail-remote") }

    /// What every build makes and puts in its home's `bin/`: the SMTP pair the
    /// scenarios run, and the queue (qmail-queue, qmail-send and the three
    /// processes qmail-start gives it) that msgid-log's tests run.
    public static let programs = ["qmail-smtpd", "qmail-remote", "qmail-queue", "qmail-send", "qmail-lspawn", "qmail-rspawn", "qmail-clean"]

    /// `control/me`, `helohost` and `rcpthosts` every session gets unless it overrides them.
    public static let baseControl = ["me": "mail.example.org\n", "helohost": "mail.example.org\n", "rcpthosts": "example.org\n"]

    /// The greeting name the base control files give.
    public static let greeting = "mail.example.org"

    /// Whether the qmailkit cache holds a verified netqmail-1.06 tarball (re-hashes it once per process).
    public static let tarballCached: Bool = (try? pristineSource().cachedTarball()) != nil

    /// The build for `features` (a selection as given to `qmailkit patch --with`), made once per process.
    /// Callers of other selections are not held up while one builds.
    public static func sandbox(features: [String]) throws -> PatchedBuild {
        try sandbox(features: features, regression: nil)
    }

    /// The build for `features` with one more patch applied on top of the
    /// patched tree (`-p1` paths, as `regressions/*.patch` are written): a
    /// deliberately broken build for the regression catalogue. Made once
    /// per process and patch; its folder is keyed by the patch's file name.
    public static func sandbox(features: [String], regression: URL?) throws -> PatchedBuild {
        let key = features.sorted().joined(separator: "+") + (regression.map { "~" + $0.lastPathComponent } ?? "")
        let cell = builds.withLock { cells in
            if let cell = cells[key] { return cell }
            let cell = BuildCell()
            cells[key] = cell
            return cell
        }
        return try cell.value { try make(features, regression: regression) }
    }

    /// Runs `body` with `control/` holding exactly the base files plus `files`
    /// (paths relative to `control/`, e.g. `tlshosts/127.0.0.1.pem`), with this
    /// build's control lock held. A nil value removes a base file.
    public func withControl<T>(_ files: [String: String?] = [:], _ body: () async throws -> T) async throws -> T {
        try await exclusively {
            try resetControl(files)
            return try await body()
        }
    }

    /// Runs `body` with this build's control lock held and `control/` as the
    /// last holder left it: for runners that write `control/` themselves.
    public func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        await lock.acquire()
        do {
            let value = try await body()
            await lock.release()
            return value
        } catch {
            await lock.release()
            throw error
        }
    }

    /// Adds or replaces control files; only inside ``withControl(_:_:)``'s body, e.g. for
    /// an smtproutes line naming the port of a server started under the lock (a server
    /// started before it could wait longer than the server's accept timeout).
    public func addControl(_ files: [String: String]) throws {
        for (name, text) in files {
            try Self.write(text, to: control.appendingPathComponent(name))
        }
    }

    private func resetControl(_ files: [String: String?]) throws {
        try? FileManager.default.removeItem(at: control)
        try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
        var all: [String: String?] = Self.baseControl
        for (name, text) in files { all[name] = text }
        for (name, text) in all {
            guard let text else { continue }
            try Self.write(text, to: control.appendingPathComponent(name))
        }
    }

    // MARK: - Making a build

    private static let builds = Mutex<[String: BuildCell]>([:])

    /// One selection's build, made by the first caller; later callers wait for it.
    private final class BuildCell: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<PatchedBuild, any Error>?

        func value(_ make: () throws -> PatchedBuild) throws -> PatchedBuild {
            lock.lock()
            defer { lock.unlock() }
            if let result { return try result.get() }
            let made = Result { try make() }
            result = made
            return try made.get()
        }
    }

    /// The checkout this test file belongs to (two levels above RealBuildSupport/).
    public static let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    private static func pristineSource() throws -> PristineSource {
        let project = Project(root: projectRoot)
        return PristineSource(definition: try project.source(named: "netqmail-1.06"),
                              cache: try SourceCache(environment: ProcessInfo.processInfo.environment))
    }

    private static func make(_ requested: [String], regression: URL?) throws -> PatchedBuild {
        let project = Project(root: projectRoot)
        let combined = try project.recipe("combined", workingDirectory: projectRoot)
        // `combined` lists features whose patches may not be committed yet on this
        // branch; keep the recipe's order but only the patches that exist.
        let present = combined.patches.filter { reference in
            guard case let .local(path) = reference.location else { return true }
            return FileManager.default.fileExists(atPath: projectRoot.appendingPathComponent(path).path)
        }
        let recipe = Recipe(name: combined.name, summary: combined.summary, base: combined.base, patches: present)
        let catalog = try PatchCatalog(project: project, recipe: recipe)
        let plan = try catalog.planner.plan(selecting: requested)

        let source = try pristineSource()
        guard let tarball = try source.cachedTarball() else {
            throw HarnessError("netqmail-1.06 is not in the qmailkit cache; run: qmailkit fetch --from FILE")
        }
        let pristine = try source.unpack(tarball)
        let result = try SeriesApplier(catalog: catalog, pristine: FileTree(pristine.files)).run(plan)

        let slot = stableFolder(for: plan.features, regression: regression)
        let scratch = try ScratchDirectory.make("tree")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let tree = scratch.appendingPathComponent(plan.features.isEmpty ? "stock" : plan.features.joined(separator: "-"))
        try ResultRepository(destination: tree).write(result, sourceName: "netqmail-1.06", commitTime: 0)
        var final = result.final
        if let regression {
            final = try applying(regression, to: final)
            for path in final.paths where final[path] != result.final[path] {
                try Data(final[path]!.contents).write(to: tree.appendingPathComponent(path))
            }
        }
        let treeID = try GitRepository.inMemory().writeTree(final.sortedFiles).description

        let home = slot.appendingPathComponent("home", isDirectory: true)
        var options = BuildOptions(compile: "cc -O2 -Wall", testUsers: TestUsers(user: "root"), sandbox: home, jobs: 2)
        options.targets = programs
        let request = BuildRequest(
            tree: tree, treeIdentity: treeID, output: slot.appendingPathComponent("build", isDirectory: true),
            options: options,
            patches: result.steps.map { AppliedPatch(feature: $0.report.feature, name: $0.report.patchFile, sha256: $0.report.canonicalSHA256) })
        let built = try QmailBuilder.build(request)
        for program in programs where !FileManager.default.isExecutableFile(
            atPath: home.appendingPathComponent("bin/\(program)").path) {
            throw HarnessError("\(program) was not built for \(plan.features); see \(built.logFile.path)")
        }
        return PatchedBuild(features: plan.features, home: home, buildDirectory: built.directory,
                            reused: built.cacheHit, lock: AsyncLock())
    }

    /// `$TMPDIR/qmailkit-patchset-builds-<uid>/<checkout hash>/<features>`: stable
    /// across runs of this checkout, distinct for other worktrees and other users
    /// (one user's folder is not writable by another).
    /// `tree` with `patch` applied (every file it names must exist; no fuzz).
    private static func applying(_ patch: URL, to tree: FileTree) throws -> FileTree {
        let document = try PatchDocument(parsing: Array(try Data(contentsOf: patch)))
        guard !document.files.isEmpty else { throw HarnessError("\(patch.path) changes no file") }
        var files = tree.files
        for filePatch in document.files {
            guard let named = filePatch.newPath ?? filePatch.oldPath else { continue }
            let path = try PatchPaths.strip(named, level: 1)
            guard let original = files[path] else { throw HarnessError("\(patch.lastPathComponent): no file \(path) in the patched tree") }
            guard let contents = try DiffFormat.apply(filePatch, to: original.contents).contents else {
                throw HarnessError("\(patch.lastPathComponent): deleting \(path) is not a regression")
            }
            files[path] = TreeFile(path: path, contents: contents, mode: original.mode)
        }
        return FileTree(files.values.map { $0 })
    }

    private static func stableFolder(for features: [String], regression: URL? = nil) -> URL {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in projectRoot.path.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("qmailkit-patchset-builds-\(getuid())", isDirectory: true)
            .appendingPathComponent(String(hash, radix: 16), isDirectory: true)
            .appendingPathComponent((features.isEmpty ? "stock" : features.joined(separator: "+"))
                                    + (regression.map { "~" + $0.deletingPathExtension().lastPathComponent } ?? ""),
                                    isDirectory: true)
    }

    private static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
}

/// A FIFO lock for async code: one holder at a time, waiters resumed in order.
actor AsyncLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// A harness failure: what went wrong, in words.
public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
