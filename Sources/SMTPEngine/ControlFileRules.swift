/// qmail's rules for turning the bytes of a `control/` file into values
/// (`control.c` in netqmail-1.06). Pure functions: the loader reads the file,
/// these decide what it means.
public enum ControlFileRules {
    /// The value of a one-line control file: the first line with trailing
    /// spaces, tabs and newlines removed. A carriage return is *not* trailing
    /// whitespace for qmail, so `me\r\n` yields `me\r`.
    public static func firstLine(_ contents: [UInt8]) -> [UInt8] {
        var line = contents.prefix { $0 != UInt8(ascii: "\n") }.map { $0 }
        stripTrailingWhitespace(&line)
        return line
    }

    /// The entries of a list control file: every line with trailing whitespace
    /// removed, skipping lines that are then empty or start with `#`.
    public static func list(_ contents: [UInt8]) -> [[UInt8]] {
        var entries: [[UInt8]] = []
        for rawLine in contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            var line = Array(rawLine)
            stripTrailingWhitespace(&line)
            if line.isEmpty || line[0] == UInt8(ascii: "#") { continue }
            entries.append(line)
        }
        return entries
    }

    /// The number in an integer control file, as `control_readint` sees it:
    /// the leading decimal digits of the first line. `nil` when the line does
    /// not start with a digit (qmail then keeps its default). Overflow wraps
    /// like C's `unsigned long`.
    public static func leadingNumber(_ contents: [UInt8]) -> UInt64? {
        let (value, digits) = scanUnsigned(firstLine(contents))
        return digits == 0 ? nil : value
    }

    /// `scan_ulong`: the value of the leading decimal digits and how many
    /// digits there were (0 digits gives value 0).
    public static func scanUnsigned<C: Collection>(_ bytes: C) -> (value: UInt64, digits: Int) where C.Element == UInt8 {
        var value: UInt64 = 0
        var digits = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            value = value &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return (value, digits)
    }

    private static func stripTrailingWhitespace(_ line: inout [UInt8]) {
        while let last = line.last,
              last == UInt8(ascii: "\n") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            line.removeLast()
        }
    }
}
