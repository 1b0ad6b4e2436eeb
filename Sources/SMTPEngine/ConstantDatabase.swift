/// A read-only view of a cdb file (D. J. Bernstein's constant database) held
/// in memory, as qmail uses for `control/morercpthosts.cdb`.
///
/// Layout: a 2048-byte header of 256 (position, slot count) pairs, hash tables
/// of (hash, record position) slots, and records of (key length, data length,
/// key, data); all numbers little-endian `UInt32`. Lookups cost one hash and a
/// short probe sequence; nothing is copied.
public struct ConstantDatabase: Sendable {
    /// The result of looking a key up.
    public enum Lookup: Equatable, Sendable {
        /// The key is present.
        case found
        /// The key is absent.
        case notFound
        /// The file is shorter than its own pointers say; qmail treats the
        /// read failure as an unreadable control file.
        case corrupt
    }

    private let bytes: [UInt8]

    /// Wraps the complete contents of a cdb file. Costs nothing: the bytes are
    /// only examined by `lookup`.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The cdb hash: `h = ((h << 5) + h) ^ byte`, starting at 5381.
    public static func hash<C: Collection>(_ key: C) -> UInt32 where C.Element == UInt8 {
        var h: UInt32 = 5381
        for byte in key {
            h = (h &+ (h << 5)) ^ UInt32(byte)
        }
        return h
    }

    /// Whether `key` is present, with exactly `cdb_seek`'s probing rules.
    public func lookup(_ key: [UInt8]) -> Lookup {
        let h = Self.hash(key)
        let headerSlot = Int(h & 255) * 8
        guard let tablePosition = uint32(at: headerSlot), let slotCount = uint32(at: headerSlot + 4) else {
            return .corrupt
        }
        if slotCount == 0 { return .notFound }
        var slot = (h >> 8) % slotCount
        for _ in 0..<slotCount {
            let slotOffset = Int(tablePosition) + 8 * Int(slot)
            guard let slotHash = uint32(at: slotOffset), let recordPosition = uint32(at: slotOffset + 4) else {
                return .corrupt
            }
            if recordPosition == 0 { return .notFound }
            if slotHash == h {
                let record = Int(recordPosition)
                guard let keyLength = uint32(at: record), uint32(at: record + 4) != nil else { return .corrupt }
                if Int(keyLength) == key.count {
                    let start = record + 8
                    guard start + key.count <= bytes.count else { return .corrupt }
                    if bytes[start..<(start + key.count)].elementsEqual(key) { return .found }
                }
            }
            slot += 1
            if slot == slotCount { slot = 0 }
        }
        return .notFound
    }

    private func uint32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
            | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }
}
