/// A file's contents split into lines by reference, without copying.
///
/// Each line's content excludes its terminator; a CR before the LF (or at the
/// very end of an unterminated last line) counts as part of the terminator,
/// so CRLF and LF files compare alike. Every line carries a hash of its
/// content so that matching rarely touches the bytes.
struct TextLines {
    struct Line {
        var start: Int
        var contentEnd: Int
        var end: Int
        var hash: UInt64
    }

    let bytes: [UInt8]
    private(set) var lines: [Line] = []
    /// Number of lines ending in CRLF and in a bare LF.
    private(set) var crlfCount = 0
    private(set) var lfCount = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        lines.reserveCapacity(bytes.count / 32 + 1)
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            var position = 0
            while position < buffer.count {
                if buffer[position] == 0x0A {
                    var contentEnd = position
                    if contentEnd > start, buffer[contentEnd - 1] == 0x0D {
                        contentEnd -= 1
                        crlfCount += 1
                    } else {
                        lfCount += 1
                    }
                    lines.append(Line(start: start, contentEnd: contentEnd, end: position + 1, hash: Self.hash(buffer, start, contentEnd)))
                    start = position + 1
                }
                position += 1
            }
            if start < buffer.count {
                let contentEnd = buffer[buffer.count - 1] == 0x0D ? buffer.count - 1 : buffer.count
                lines.append(Line(start: start, contentEnd: contentEnd, end: buffer.count, hash: Self.hash(buffer, start, contentEnd)))
            }
        }
    }

    var count: Int { lines.count }

    func content(_ index: Int) -> ArraySlice<UInt8> {
        bytes[lines[index].start..<lines[index].contentEnd]
    }

    /// True when line `index` equals `other` (whose trailing CR, if any, was
    /// already removed by the caller).
    func line(_ index: Int, equals other: ArraySlice<UInt8>, hash: UInt64) -> Bool {
        let line = lines[index]
        return line.hash == hash && line.contentEnd - line.start == other.count
            && bytes[line.start..<line.contentEnd].elementsEqual(other)
    }

    /// FNV-1a, 64 bit: cheap and good enough to skip most byte comparisons.
    static func hash(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        var position = start
        while position < end {
            value = (value ^ UInt64(buffer[position])) &* 0x0000_0100_0000_01b3
            position += 1
        }
        return value
    }

    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBufferPointer { hash($0, 0, $0.count) }
    }
}
