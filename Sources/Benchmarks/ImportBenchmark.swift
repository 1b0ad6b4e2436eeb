import Foundation
import PatchEngine

/// `import`: what `qmailkit fetch` does once the tarball is cached (unpack, then a
/// new on-disk repository with the pristine commit checked out) against
/// `tar xzf` + `git init && git add -A && git commit` of the same tarball.
struct ImportBenchmark {
    static let target = 1.0

    let fixture: Fixture
    let stopwatch: Stopwatch

    func run() throws -> Report {
        let tarball = Shell.quote(fixture.tarball.path)
        let name = fixture.source.definition.name
        let samples = try stopwatch.compare("import", [
            { directory in
                let tree = try fixture.source.unpack(fixture.tarball)
                try ResultRepository(destination: directory.appendingPathComponent(name))
                    .write(SeriesResult(pristine: FileTree(tree.files), steps: []), sourceName: name, commitTime: 0)
            },
            { directory in
                try Shell.run("tar xzf \(tarball) && cd \(Shell.quote(name)) && git init -q && git add -A && git commit -qm x",
                              in: directory)
            },
        ])
        return .relative("import", measured: "qmailkit unpack + ResultRepository.write",
                         baseline: "baseline tar xzf + git init/add/commit", samples: samples, limit: Self.target)
    }
}
