/// Byte-level helpers with qmail's notion of case: only `A`–`Z` fold.
enum ASCII {
    static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte + 32 : byte
    }

    static func lowercased<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        bytes.map(lowercased)
    }

    static func equalsIgnoringCase<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool
    where A.Element == UInt8, B.Element == UInt8 {
        a.count == b.count && zip(a, b).allSatisfy { lowercased($0) == lowercased($1) }
    }

    static func hasPrefixIgnoringCase<A: Collection>(_ bytes: A, _ prefix: String) -> Bool where A.Element == UInt8 {
        let p = Array(prefix.utf8)
        return bytes.count >= p.count && equalsIgnoringCase(bytes.prefix(p.count), p)
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Decimal digits of `value`, like `fmt_ulong`.
    static func decimal<T: BinaryInteger>(_ value: T) -> [UInt8] { Array(String(value).utf8) }
}
