/// A small tar writer for building test archives in memory: ustar or old-GNU headers, GNU long
/// names ('L'/'K') and pax records ('x'/'g'). Written for these tests only.
struct TarWriter {
    enum Format {
        /// POSIX ustar magic ("ustar\0" "00").
        case ustar
        /// Old GNU magic ("ustar  \0").
        case gnu
    }

    /// How to store a name longer than the 100-byte header field.
    enum LongNames {
        case gnu
        case pax
    }

    var format: Format = .ustar
    var longNames: LongNames = .gnu
    private(set) var bytes: [UInt8] = []

    /// Offset the next header will be written at.
    var offset: Int { bytes.count }

    mutating func file(_ name: String, _ contents: String, mode: UInt32 = 0o644) {
        file(name, Array(contents.utf8), mode: mode)
    }

    mutating func file(_ name: String, _ contents: [UInt8], mode: UInt32 = 0o644) {
        entry(name, typeflag: "0", mode: mode, data: contents)
    }

    mutating func directory(_ name: String, mode: UInt32 = 0o755) {
        entry(name.hasSuffix("/") ? name : name + "/", typeflag: "5", mode: mode)
    }

    mutating func symlink(_ name: String, to target: String) {
        entry(name, typeflag: "2", mode: 0o777, linkName: target)
    }

    mutating func hardlink(_ name: String, to target: String) {
        entry(name, typeflag: "1", mode: 0o644, linkName: target)
    }

    /// Any entry; names longer than 100 bytes go through `longNames`. `declaredSize` overrides the
    /// header's size field (then `data` is written as given, which may be shorter).
    mutating func entry(
        _ name: String, typeflag: Character, mode: UInt32 = 0o644, linkName: String = "",
        data: [UInt8] = [], declaredSize: Int? = nil
    ) {
        var headerName = name
        var headerLink = linkName
        if name.utf8.count > 100 || linkName.utf8.count > 100 {
            switch longNames {
            case .gnu:
                if name.utf8.count > 100 {
                    metadata(typeflag: "L", Array(name.utf8) + [0])
                    headerName = String(decoding: name.utf8.prefix(100), as: UTF8.self)
                }
                if linkName.utf8.count > 100 {
                    metadata(typeflag: "K", Array(linkName.utf8) + [0])
                    headerLink = String(decoding: linkName.utf8.prefix(100), as: UTF8.self)
                }
            case .pax:
                var records: [(String, String)] = []
                if name.utf8.count > 100 {
                    records.append(("path", name))
                    headerName = "PaxHeaders/truncated-name"
                }
                if linkName.utf8.count > 100 {
                    records.append(("linkpath", linkName))
                    headerLink = "truncated-link"
                }
                pax(records)
            }
        }
        appendHeader(
            name: Array(headerName.utf8), typeflag: typeflag, mode: mode,
            size: declaredSize ?? data.count, linkName: Array(headerLink.utf8))
        appendData(data)
    }

    /// A pax extended header ('x', for the next entry) or global header ('g').
    mutating func pax(_ records: [(String, String)], global: Bool = false) {
        var data: [UInt8] = []
        for (key, value) in records {
            let body = " \(key)=\(value)\n"
            // The length counts its own digits, so grow it until it is self-consistent.
            var length = body.utf8.count + 1
            while String(length).utf8.count + body.utf8.count != length { length += 1 }
            data += Array((String(length) + body).utf8)
        }
        metadata(typeflag: global ? "g" : "x", data)
    }

    /// A raw metadata entry ('L', 'K', 'x', 'g') with `data`.
    mutating func metadata(typeflag: Character, _ data: [UInt8]) {
        let name = typeflag == "L" || typeflag == "K" ? "././@LongLink" : "PaxHeaders/entry"
        appendHeader(name: Array(name.utf8), typeflag: typeflag, mode: 0o644, size: data.count, linkName: [])
        appendData(data)
    }

    /// Two zero blocks, then zero padding to a 10 KiB record as GNU tar writes.
    mutating func end() {
        bytes += [UInt8](repeating: 0, count: 1024)
        let record = 10240
        if bytes.count % record != 0 { bytes += [UInt8](repeating: 0, count: record - bytes.count % record) }
    }

    /// Appends raw bytes (for hostile or broken archives).
    mutating func raw(_ data: [UInt8]) {
        bytes += data
    }

    private mutating func appendHeader(name: [UInt8], typeflag: Character, mode: UInt32, size: Int, linkName: [UInt8]) {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ field: [UInt8], at start: Int, width: Int) {
            for (index, byte) in field.prefix(width).enumerated() { block[start + index] = byte }
        }
        func octal(_ value: Int, at start: Int, width: Int) {
            let digits = String(value, radix: 8)
            let padded = String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
            put(Array(padded.utf8), at: start, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(Int(mode), at: 100, width: 8)
        octal(1000, at: 108, width: 8)
        octal(1000, at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(1_700_000_000, at: 136, width: 12)
        block[156] = typeflag.asciiValue!
        put(linkName, at: 157, width: 100)
        switch format {
        case .ustar: put(Array("ustar\u{0}00".utf8), at: 257, width: 8)
        case .gnu: put(Array("ustar  \u{0}".utf8), at: 257, width: 8)
        }
        put(Array("tester".utf8), at: 265, width: 32)
        put(Array("tester".utf8), at: 297, width: 32)
        put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148, width: 8)
        let sum = block.reduce(0) { $0 + Int($1) }
        let checksum = String(sum, radix: 8)
        put(Array((String(repeating: "0", count: 6 - checksum.count) + checksum).utf8) + [0, 32], at: 148, width: 8)
        bytes += block
    }

    private mutating func appendData(_ data: [UInt8]) {
        bytes += data
        if data.count % 512 != 0 { bytes += [UInt8](repeating: 0, count: 512 - data.count % 512) }
    }
}
