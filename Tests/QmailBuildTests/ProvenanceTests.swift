import Foundation
import QmailBuild
import Testing

@Suite struct ProvenanceTests {
    private func folder(holding text: String?) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-provenance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        if let text { try Data(text.utf8).write(to: url.appendingPathComponent(Provenance.fileName)) }
        return url
    }

    private func readError(_ text: String?) throws -> String {
        let directory = try folder(holding: text)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try Provenance.read(buildDirectory: directory)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func featuresAreThePatchesFeaturesInOrder() throws {
        let written = """
            {"format": 2, "base": "t", "patches": [
              {"feature": "auth", "name": "patches/auth.patch", "sha256": "a"},
              {"feature": "tls", "name": "patches/resolutions/tls-on-auth.patch", "sha256": "b"}],
             "options": {"conf": {}, "targets": ["it"], "jobs": 1, "sanitizers": []},
             "compiler": "cc", "cacheKey": "k", "programs": []}
            """
        let directory = try folder(holding: written)
        defer { try? FileManager.default.removeItem(at: directory) }
        let provenance = try Provenance.read(buildDirectory: directory)
        #expect(provenance.features == ["auth", "tls"])
        let again = try folder(holding: String(decoding: try provenance.encoded(), as: UTF8.self))
        defer { try? FileManager.default.removeItem(at: again) }
        #expect(try Provenance.read(buildDirectory: again) == provenance)
    }

    @Test func unusableFilesSayWhatToDo() throws {
        #expect(try readError(nil).contains("qmailkit-provenance.json is missing"))
        #expect(try readError("[]").contains("is not a qmailkit provenance file"))
        #expect(try readError(#"{"format": 2, "base": "t"}"#).contains("is not a qmailkit provenance file: "))
        let older = try readError(#"{"format": 1, "base": "t", "patches": [{"name": "patches/auth.patch", "sha256": "a"}]}"#)
        #expect(older.contains("has format 1, this qmailkit reads format 2"))
        #expect(older.contains("build the tree again"))
    }
}
