/// The lines of a patch file, without terminators, with a read position.
///
/// CRLF policy: when *every* terminated line of the patch ends in CRLF, the
/// patch was converted in transit (mail, Windows editors) and the CR is
/// dropped from every line, so it parses exactly like its LF original. In any
/// other case a CR is content: a hunk line ending in CR changes a CRLF file.
/// (Application matches lines ignoring one trailing CR either way, see
/// `PatchApplier`.)
struct PatchLines {
    let lines: [ArraySlice<UInt8>]
    var index = 0

    init(_ bytes: [UInt8]) {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var terminated = 0
        var crlf = 0
        for position in bytes.indices where bytes[position] == 0x0A {
            lines.append(bytes[start..<position])
            terminated += 1
            if position > start, bytes[position - 1] == 0x0D { crlf += 1 }
            start = position + 1
        }
        if start < bytes.count { lines.append(bytes[start..<bytes.count]) }
        if terminated > 0, crlf == terminated {
            lines = lines.map { $0.last == 0x0D ? $0.dropLast() : $0 }
        }
        self.lines = lines
    }

    var atEnd: Bool { index >= lines.count }
    /// 1-based number of the current line (one past the last line at the end).
    var lineNumber: Int { index + 1 }

    func line(at offset: Int = 0) -> ArraySlice<UInt8>? {
        let position = index + offset
        return position < lines.count ? lines[position] : nil
    }
}

extension ArraySlice<UInt8> {
    func hasPrefix(_ prefix: String) -> Bool {
        var position = startIndex
        for byte in prefix.utf8 {
            guard position < endIndex, self[position] == byte else { return false }
            position += 1
        }
        return true
    }

    func hasSuffix(_ suffix: String) -> Bool {
        let bytes = Array(suffix.utf8)
        guard count >= bytes.count else { return false }
        return self[(endIndex - bytes.count)...].elementsEqual(bytes)
    }

    func dropping(prefix: String) -> ArraySlice<UInt8> {
        dropFirst(prefix.utf8.count)
    }

    var text: String { String(decoding: self, as: UTF8.self) }
}
