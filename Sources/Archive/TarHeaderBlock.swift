/// The fields of one 512-byte tar header block (ustar, old GNU or v7), checksum verified.
struct TarHeaderBlock {
    static let size = 512

    /// Name bytes, with the ustar `prefix` field joined in front when present.
    var name: [UInt8]
    var linkName: [UInt8]
    var mode: UInt32
    var size: Int
    var typeflag: UInt8

    /// Whether every byte of `block` is zero (an end-of-archive block).
    static func isZeroBlock(_ block: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in block where byte != 0 { return false }
        return true
    }

    /// Parses `block` (exactly 512 bytes) found at archive offset `offset`.
    init(parsing block: UnsafeBufferPointer<UInt8>, offset: Int) throws {
        func corrupt(_ reason: String) -> TarFormatError { .corruptHeader(offset: offset, reason: reason) }

        try Self.verifyChecksum(block, offset: offset)
        let rawMode = try Self.number(block, 100, 8, field: "mode", offset: offset)
        let rawSize = try Self.number(block, 124, 12, field: "size", offset: offset)
        guard let size = Int(exactly: rawSize) else { throw corrupt("size field is out of range") }
        mode = UInt32(truncatingIfNeeded: rawMode) & 0o7777
        self.size = size
        typeflag = block[156]
        linkName = Self.string(block, 157, 100)

        let name = Self.string(block, 0, 100)
        // POSIX ustar is "ustar\0" + "00"; old GNU ("ustar  \0") reuses the prefix area for other fields.
        let isPosixUstar = block[257] == UInt8(ascii: "u") && block[258] == UInt8(ascii: "s")
            && block[259] == UInt8(ascii: "t") && block[260] == UInt8(ascii: "a")
            && block[261] == UInt8(ascii: "r") && block[262] == 0
        let prefix = isPosixUstar ? Self.string(block, 345, 155) : []
        self.name = prefix.isEmpty ? name : prefix + [UInt8(ascii: "/")] + name
    }

    /// Bytes of a NUL-terminated (or full-width) text field.
    private static func string(_ block: UnsafeBufferPointer<UInt8>, _ start: Int, _ width: Int) -> [UInt8] {
        var end = start
        while end < start + width && block[end] != 0 { end += 1 }
        return Array(block[start..<end])
    }

    /// A numeric field: octal digits (optionally space-padded, ended by space or NUL), or GNU
    /// base-256 when the first byte has its high bit set.
    private static func number(
        _ block: UnsafeBufferPointer<UInt8>, _ start: Int, _ width: Int, field: String, offset: Int
    ) throws -> UInt64 {
        let end = start + width
        if block[start] & 0x80 != 0 {
            guard block[start] == 0x80 else {
                throw TarFormatError.corruptHeader(offset: offset, reason: "\(field) field is negative")
            }
            var value: UInt64 = 0
            for index in (start + 1)..<end {
                guard value >> 56 == 0 else {
                    throw TarFormatError.corruptHeader(offset: offset, reason: "\(field) field is out of range")
                }
                value = value << 8 | UInt64(block[index])
            }
            return value
        }
        var index = start
        while index < end && block[index] == UInt8(ascii: " ") { index += 1 }
        var value: UInt64 = 0
        while index < end {
            let byte = block[index]
            if byte == 0 || byte == UInt8(ascii: " ") { break }
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "7") else {
                throw TarFormatError.corruptHeader(offset: offset, reason: "\(field) field is not an octal number")
            }
            value = value << 3 | UInt64(byte - UInt8(ascii: "0"))
            index += 1
        }
        return value
    }

    /// The checksum is the sum of all header bytes with the checksum field read as spaces.
    /// Some historic writers summed signed chars, so either sum is accepted.
    private static func verifyChecksum(_ block: UnsafeBufferPointer<UInt8>, offset: Int) throws {
        let stored = try number(block, 148, 8, field: "checksum", offset: offset)
        var unsigned: Int = 0
        var signed: Int = 0
        for index in 0..<size {
            let byte = (148..<156).contains(index) ? UInt8(ascii: " ") : block[index]
            unsigned += Int(byte)
            signed += Int(Int8(bitPattern: byte))
        }
        guard stored == unsigned || Int(exactly: stored) == signed else {
            throw TarFormatError.corruptHeader(
                offset: offset,
                reason: "checksum mismatch (header says \(String(stored, radix: 8)), "
                    + "block sums to \(String(unsigned, radix: 8)))")
        }
    }
}
