/// The escapes scenario files use for bytes that cannot be written plainly:
/// `\r`, `\n`, `\t`, `\0`, `\\` and `\xHH` (two hex digits).
public enum ByteEscapes {
    /// Why a piece of text could not be decoded.
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Decodes `text` (UTF-8) into bytes, resolving the escapes. Cost: linear.
    public static func decode<S: StringProtocol>(_ text: S) throws(Malformed) -> [UInt8] {
        let source = Array(text.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(source.count)
        var index = 0
        while index < source.count {
            let byte = source[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                result.append(byte)
                continue
            }
            guard index < source.count else { throw Malformed(description: "a lone backslash ends the text; write \\\\ for a backslash") }
            let code = source[index]
            index += 1
            switch code {
            case UInt8(ascii: "r"): result.append(13)
            case UInt8(ascii: "n"): result.append(10)
            case UInt8(ascii: "t"): result.append(9)
            case UInt8(ascii: "0"): result.append(0)
            case UInt8(ascii: "\\"): result.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "x"):
                guard index + 1 < source.count, let high = hexValue(source[index]), let low = hexValue(source[index + 1]) else {
                    throw Malformed(description: "\\x must be followed by two hex digits")
                }
                result.append(high << 4 | low)
                index += 2
            default:
                throw Malformed(description: "unknown escape \\\(Character(Unicode.Scalar(code))); use \\r \\n \\t \\0 \\\\ or \\xHH")
            }
        }
        return result
    }

    /// Renders bytes readably for transcripts: printable ASCII as is, the
    /// rest escaped so that `decode(encode(b)) == b`.
    public static func encode(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case 13: text += "\\r"
            case 10: text += "\\n"
            case 9: text += "\\t"
            case 0: text += "\\0"
            case UInt8(ascii: "\\"): text += "\\\\"
            case 0x20..<0x7F: text.append(Character(Unicode.Scalar(byte)))
            default:
                let digits = Array("0123456789abcdef")
                text += "\\x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            }
        }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
