import Crypto

extension PatchDocument {
    /// The patch rendered as a byte-deterministic git-style unified diff after
    /// `-p<strip>`: `diff --git a/P b/P`, creation/deletion/mode lines,
    /// `--- a/P`/`+++ b/P` (or `/dev/null`), `@@ -a,b +c,d @@ section` with
    /// explicit counts, LF endings, no timestamps and no `index` lines. The
    /// header and preamble are not part of it. Patches that differ only in
    /// dialect (git, `diff -Naur` with timestamps, CRLF, `diff -c`, -p0/-p1)
    /// render identically.
    ///
    /// Paths are chosen as `FilePatch.choosePaths` does with no tree at hand
    /// (no candidate exists), so the form does not depend on a tree.
    ///
    /// Cost: linear in the patch size. Throws when a path cannot be stripped
    /// or would leave the tree.
    public func canonicalDiff(strip level: Int) throws(PatchPathError) -> [UInt8] {
        var out: [UInt8] = []
        for file in files {
            try file.appendCanonical(to: &out, paths: file.choosePaths(strip: level, exists: { _ in false }))
        }
        return out
    }

    /// Lowercase hex SHA-256 of `canonicalDiff(strip:)`: the identity of the
    /// change itself, independent of dialect and header.
    public func canonicalSHA256(strip level: Int) throws(PatchPathError) -> String {
        let digest = SHA256.hash(data: try canonicalDiff(strip: level))
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

extension FilePatch {
    fileprivate func appendCanonical(to out: inout [UInt8], paths: ChosenPaths) {
        let source = Array((paths.source ?? paths.path).utf8)
        let destination = Array((paths.destination ?? paths.path).utf8)
        func line(_ parts: [UInt8]...) {
            for part in parts { out.append(contentsOf: part) }
            out.append(0x0A)
        }
        func text(_ string: String) -> [UInt8] { Array(string.utf8) }
        line(text("diff --git "), Self.quoted("a/", source), text(" "), Self.quoted("b/", destination))
        if let gitOperation {
            let verb = gitOperation == .rename ? "rename" : "copy"
            line(text("\(verb) from "), Self.quoted("", source))
            line(text("\(verb) to "), Self.quoted("", destination))
        }
        if isCreation {
            line(text("new file mode \(modes.newMode ?? "100644")"))
        } else if isDeletion {
            line(text("deleted file mode \(modes.oldMode ?? "100644")"))
        } else if let old = modes.oldMode, let new = modes.newMode, old != new {
            line(text("old mode \(old)"))
            line(text("new mode \(new)"))
        }
        guard !hunks.isEmpty else { return }
        line(text("--- "), isCreation ? text("/dev/null") : Self.quoted("a/", source))
        line(text("+++ "), isDeletion ? text("/dev/null") : Self.quoted("b/", destination))
        for hunk in hunks {
            let counts = text("@@ -\(hunk.oldStart),\(hunk.oldCount) +\(hunk.newStart),\(hunk.newCount) @@")
            line(counts, hunk.section.isEmpty ? [] : [0x20], hunk.section)
            for hunkLine in hunk.lines {
                let marker: UInt8 = switch hunkLine.kind {
                case .context: UInt8(ascii: " ")
                case .deletion: UInt8(ascii: "-")
                case .addition: UInt8(ascii: "+")
                }
                line([marker], hunkLine.bytes)
                if hunkLine.noNewlineAtEnd { line(text("\\ No newline at end of file")) }
            }
        }
    }

    /// `prefix` + path, in git's C-style quotes when the path has bytes that
    /// would otherwise be ambiguous on a diff line.
    private static func quoted(_ prefix: String, _ path: [UInt8]) -> [UInt8] {
        let full = Array(prefix.utf8) + path
        let needsQuotes = full.contains { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        guard needsQuotes else { return full }
        var result: [UInt8] = [UInt8(ascii: "\"")]
        for byte in full {
            switch byte {
            case 0x0A: result += Array("\\n".utf8)
            case 0x09: result += Array("\\t".utf8)
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): result += [UInt8(ascii: "\\"), byte]
            case 0..<0x20, 0x7F:
                let octal = String(byte, radix: 8)
                result += Array(("\\" + String(repeating: "0", count: 3 - octal.count) + octal).utf8)
            default: result.append(byte)
            }
        }
        result.append(UInt8(ascii: "\""))
        return result
    }
}
