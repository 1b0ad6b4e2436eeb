/// SplitMix64: a small, fully specified generator, so a seed means the same
/// cases on every platform and Swift version (`random(in:using:)` promises no
/// algorithm, so the helpers below do their own arithmetic).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0 ..< bound (bound > 0); the modulo bias is irrelevant for small bounds.
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// true with probability `percent`/100.
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// `text` with each ASCII letter upper-cased with probability `percent`/100.
    public mutating func mixCase(_ text: String, _ percent: Int = 25) -> String {
        String(text.map { chance(percent) ? Character($0.uppercased()) : $0 })
    }
}
