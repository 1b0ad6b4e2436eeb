import Foundation
import PatchEngine
import SMTPEngine
import Testing

/// `Features.table` restates what the patches' headers say; here the two are
/// compared, read with the patch engine's own header reader.
@Suite struct FeatureTableTests {
    /// Feature → metadata of every main patch in patches/ (resolutions are variants of these).
    private static func patchHeaders() throws -> [String: PatchMetadata] {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("patches")
        var headers: [String: PatchMetadata] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".patch") {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(file)))
            let patch = try LoadedPatch(name: String(file.dropLast(6)), file: "patches/" + file, bytes: bytes)
            #expect(headers[patch.metadata.feature] == nil, "two patches for \(patch.metadata.feature)")
            headers[patch.metadata.feature] = patch.metadata
        }
        return headers
    }

    @Test func tableStatesWhatThePatchHeadersSay() throws {
        let headers = try Self.patchHeaders()
        #expect(Features.table.map(\.name).sorted() == headers.keys.sorted(),
                "Features.table and the Feature: lines of patches/*.patch name different features")
        for entry in Features.table {
            guard let metadata = headers[entry.name] else { continue }
            #expect(entry.requires.names.sorted() == metadata.requires.sorted(),
                    "\(entry.name): Features.table requires \(entry.requires.names), its patch \(metadata.requires)")
            // The table has no conflicts; a declared one would make its closures unbuildable.
            #expect(metadata.conflicts.isEmpty, "\(entry.name) declares Conflicts: \(metadata.conflicts); Features.table cannot say so")
        }
        #expect(Set(Features.table.map(\.feature.rawValue)).count == Features.table.count, "one bit per feature")
    }

    @Test func namesRoundTripAndRequirementsClose() throws {
        #expect(try Features(names: Features.all.names) == .all)
        #expect(try Features(names: ["forcetls"]).withRequirements == [.forceTLS, .auth, .tls])
        #expect(Features.maxRecipients.withRequirements == .maxRecipients)
        #expect(throws: Features.UnknownName(name: "smtputf8")) { try Features(names: ["auth", "smtputf8"]) }
        #expect(Features.named("liberal-lf") == .liberalLF)
    }
}
