/// A local interface address, as qmail's `ipme` list holds them.
public struct IPv4Address: Hashable, Sendable, CustomStringConvertible {
    /// The four numbers, most significant first.
    public var octets: (UInt8, UInt8, UInt8, UInt8)

    /// `a.b.c.d`.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        octets = (a, b, c, d)
    }

    /// `0.0.0.0`, which netqmail always counts as "me".
    public static let any = IPv4Address(0, 0, 0, 0)

    public var description: String { "\(octets.0).\(octets.1).\(octets.2).\(octets.3)" }

    public static func == (l: IPv4Address, r: IPv4Address) -> Bool {
        l.octets == r.octets
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(octets.0); hasher.combine(octets.1); hasher.combine(octets.2); hasher.combine(octets.3)
    }

    /// `ip_scanbracket` applied to a whole string: `[d.d.d.d]` and nothing
    /// after it. Each number is taken modulo 256, as qmail's `unsigned char`
    /// assignment does; `nil` if the text is not of that shape.
    static func parseBracketedLiteral(_ text: ArraySlice<UInt8>) -> IPv4Address? {
        guard text.first == UInt8(ascii: "[") else { return nil }
        var index = text.startIndex + 1
        var parts: [UInt8] = []
        for part in 0..<4 {
            let (value, digits) = ControlFileRules.scanUnsigned(text[index...])
            guard digits > 0 else { return nil }
            parts.append(UInt8(truncatingIfNeeded: value))
            index += digits
            if part < 3 {
                guard index < text.endIndex, text[index] == UInt8(ascii: ".") else { return nil }
                index += 1
            }
        }
        guard index < text.endIndex, text[index] == UInt8(ascii: "]"), index + 1 == text.endIndex else { return nil }
        return IPv4Address(parts[0], parts[1], parts[2], parts[3])
    }
}
