/// Strict base64 (RFC 4648 alphabet with `=` padding) for SMTP AUTH lines.
/// Unlike the 2015 patches' decoder, nothing is skipped: any byte outside the
/// alphabet, a length that is not a multiple of four, or misplaced padding
/// makes the whole line invalid.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let b0 = chunk[chunk.startIndex]
            let b1 = chunk.count > 1 ? chunk[chunk.startIndex + 1] : 0
            let b2 = chunk.count > 2 ? chunk[chunk.startIndex + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(chunk.count > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(chunk.count > 2 ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return out
    }

    /// The decoded bytes, or `nil` if `text` is not canonical-length base64.
    static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        let chars = Array(text)
        guard chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 4 * 3)
        var quad = 0
        while quad < chars.count {
            let isLast = quad + 4 == chars.count
            var sextets: [UInt8] = []
            var padding = 0
            for offset in 0..<4 {
                let byte = chars[quad + offset]
                if byte == UInt8(ascii: "=") {
                    guard isLast, offset >= 2 else { return nil }
                    padding += 1
                } else {
                    guard padding == 0 else { return nil }
                    let value = values[Int(byte)]
                    guard value != 0xFF else { return nil }
                    sextets.append(value)
                }
            }
            out.append(sextets[0] << 2 | sextets[1] >> 4)
            if sextets.count > 2 { out.append(sextets[1] << 4 | sextets[2] >> 2) }
            if sextets.count > 3 { out.append(sextets[2] << 6 | sextets[3]) }
            quad += 4
        }
        return out
    }
}
