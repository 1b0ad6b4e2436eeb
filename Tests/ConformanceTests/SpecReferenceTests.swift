import Foundation
import Testing

/// The specification lives in the repository's `docs/` folder. Every `spec:`
/// line of `scenarios/*.scn`, and every reference to a Markdown file of
/// `docs/` in the Swift files under `Sources/` and `Tests/`, must name a file
/// that exists and, when an anchor follows `#`, a heading of that file whose
/// GitHub-style anchor is exactly that. Nothing may still name the two files
/// outside the repository the specification used to be kept in.
@Suite struct SpecReferenceTests {
    /// One reference to `docs/`: where it was written and what it names.
    struct Citation: Sendable {
        /// The citing file, relative to the project root.
        var source: String
        /// 1-based line number in `source`.
        var line: Int
        /// The Markdown file inside `docs/`, e.g. `auth.md`.
        var file: String
        /// The anchor after `#`, without the `#`; nil when none was given.
        var anchor: String?

        var location: String { "\(source):\(line)" }
    }

    /// The project root: this file is `Tests/ConformanceTests/SpecReferenceTests.swift`.
    static func projectRoot() -> URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The anchor GitHub gives a heading: lower case; every character that is
    /// not a letter, a digit, a space, `-` or `_` dropped; spaces become `-`.
    static func anchor(_ heading: String) -> String {
        var result = ""
        for character in heading.lowercased() {
            if character == " " {
                result.append("-")
            } else if character.isLetter || character.isNumber || character == "-" || character == "_" {
                result.append(character)
            }
        }
        return result
    }

    /// The lines of a text; a CR LF pair counts as one line end.
    static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline })
    }

    /// The anchors of all ATX headings (`#` to `######`) of a Markdown text,
    /// leaving out lines inside fenced code blocks.
    static func headingAnchors(_ markdown: String) -> Set<String> {
        var anchors: Set<String> = []
        var insideFence = false
        for line in lines(markdown) {
            if line.hasPrefix("```") {
                insideFence.toggle()
                continue
            }
            if insideFence || !line.hasPrefix("#") {
                continue
            }
            let level = line.prefix(while: { $0 == "#" }).count
            let rest = line.dropFirst(level)
            if level > 6 || !rest.hasPrefix(" ") {
                continue
            }
            anchors.insert(anchor(rest.trimmingCharacters(in: .whitespaces)))
        }
        return anchors
    }

    /// Whether a byte may be part of a file name in a reference.
    static func isNameByte(_ byte: UInt8) -> Bool {
        isAnchorByte(byte) || byte == UInt8(ascii: ".")
    }

    /// Whether a byte may be part of an anchor in a reference (ASCII only).
    static func isAnchorByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// Every reference to a Markdown file of `docs/` in one line, with its
    /// anchor if one follows. A dot that ends a sentence right after the file
    /// name is not part of the name.
    static func references(in line: Substring, source: String, number: Int) -> [Citation] {
        let bytes = Array(line.utf8)
        let marker = Array("docs/".utf8)
        var found: [Citation] = []
        var index = 0
        while index + marker.count <= bytes.count {
            let startsHere = bytes[index..<(index + marker.count)].elementsEqual(marker)
            let standsAlone = index == 0 || !(isNameByte(bytes[index - 1]) || bytes[index - 1] == UInt8(ascii: "/"))
            if !startsHere || !standsAlone {
                index += 1
                continue
            }
            let nameStart = index + marker.count
            var end = nameStart
            while end < bytes.count && isNameByte(bytes[end]) {
                end += 1
            }
            var nameEnd = end
            while nameEnd > nameStart && bytes[nameEnd - 1] == UInt8(ascii: ".") {
                nameEnd -= 1
            }
            index = end
            let name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
            if !name.hasSuffix(".md") {
                continue
            }
            var anchorText: String? = nil
            if nameEnd == end && end < bytes.count && bytes[end] == UInt8(ascii: "#") {
                var anchorEnd = end + 1
                while anchorEnd < bytes.count && isAnchorByte(bytes[anchorEnd]) {
                    anchorEnd += 1
                }
                anchorText = String(decoding: bytes[(end + 1)..<anchorEnd], as: UTF8.self)
                index = anchorEnd
            }
            found.append(Citation(source: source, line: number, file: name, anchor: anchorText))
        }
        return found
    }

    /// A file's text; bytes that are not UTF-8 become U+FFFD instead of failing.
    static func text(_ relativePath: String) throws -> String {
        let data = try Data(contentsOf: projectRoot().appendingPathComponent(relativePath))
        return String(decoding: data, as: UTF8.self)
    }

    /// Paths, relative to the project root, of every regular file under
    /// `folder` (itself relative to the project root), in sorted order.
    static func files(under folder: String) throws -> [String] {
        var found: [String] = []
        try collectFiles(folder, into: &found)
        return found.sorted()
    }

    private static func collectFiles(_ folder: String, into found: inout [String]) throws {
        let root = projectRoot()
        for name in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path) {
            let relative = folder + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isDirectory) else {
                continue
            }
            if isDirectory.boolValue {
                try collectFiles(relative, into: &found)
            } else {
                found.append(relative)
            }
        }
    }

    /// The `spec:` citations of every scenario file.
    static func scenarioCitations() throws -> [Citation] {
        var citations: [Citation] = []
        for path in try files(under: "scenarios") where path.hasSuffix(".scn") {
            let content = try text(path)
            for (offset, line) in lines(content).enumerated() where line.hasPrefix("spec: ") {
                citations += references(in: line, source: path, number: offset + 1)
            }
        }
        return citations
    }

    /// The `docs/` references of every Swift file under Sources/ and Tests/.
    static func swiftCitations() throws -> [Citation] {
        var citations: [Citation] = []
        for folder in ["Sources", "Tests"] {
            for path in try files(under: folder) where path.hasSuffix(".swift") {
                let content = try text(path)
                for (offset, line) in lines(content).enumerated() {
                    citations += references(in: line, source: path, number: offset + 1)
                }
            }
        }
        return citations
    }

    @Test func anchorsAreMadeTheGitHubWay() {
        #expect(Self.anchor("Queue exit codes") == "queue-exit-codes")
        #expect(Self.anchor("RFC 5321") == "rfc-5321")
        #expect(Self.anchor("POLICY_DEBUG") == "policy_debug")
        #expect(Self.anchor("CVE-2011-0411") == "cve-2011-0411")
        #expect(Self.anchor("Building netqmail-1.06 (with `patches`)") == "building-netqmail-106-with-patches")
        #expect(Self.anchor("SMTP AUTH — qmail-remote") == "smtp-auth--qmail-remote")
    }

    @Test func referencesAreFoundInALine() {
        let line: Substring = "spec: docs/auth.md#smtpauth text; see docs/tls.md. and docs/x.txt, mydocs/y.md"
        let found = Self.references(in: line, source: "t.scn", number: 7)
        #expect(found.map(\.file) == ["auth.md", "tls.md"])
        #expect(found.map(\.anchor) == ["smtpauth", nil])
        #expect(found.allSatisfy { $0.location == "t.scn:7" })
    }

    @Test func everyCitationNamesAnExistingFileAndHeading() throws {
        let scenarioCitations = try Self.scenarioCitations()
        #expect(scenarioCitations.count >= 100, "only \(scenarioCitations.count) docs citations in scenarios/*.scn spec: lines")
        let swiftCitations = try Self.swiftCitations()
        var anchorsByFile: [String: Set<String>] = [:]
        var missingFiles: Set<String> = []
        for citation in scenarioCitations + swiftCitations {
            if anchorsByFile[citation.file] == nil && !missingFiles.contains(citation.file) {
                let path = "docs/" + citation.file
                if FileManager.default.fileExists(atPath: Self.projectRoot().appendingPathComponent(path).path) {
                    let markdown = try Self.text(path)
                    anchorsByFile[citation.file] = Self.headingAnchors(markdown)
                } else {
                    missingFiles.insert(citation.file)
                }
            }
            guard let known = anchorsByFile[citation.file] else {
                Issue.record("\(citation.location): cites docs/\(citation.file), which does not exist")
                continue
            }
            if let anchor = citation.anchor {
                #expect(known.contains(anchor),
                        "\(citation.location): docs/\(citation.file) has no heading with the anchor #\(anchor)")
            }
        }
    }

    @Test func nothingNamesTheSpecFilesOutsideTheRepository() throws {
        // Spelled in two parts so that this file does not match itself.
        let forbidden = ["patchset" + ".md", "smtp-notes" + ".md"]
        for folder in ["scenarios", "Sources", "Tests"] {
            for path in try Self.files(under: folder) {
                let content = try Self.text(path)
                for (offset, line) in Self.lines(content).enumerated() {
                    for name in forbidden where line.contains(name) {
                        Issue.record("\(path):\(offset + 1): mentions \(name); cite the docs/ file instead")
                    }
                }
            }
        }
    }
}
