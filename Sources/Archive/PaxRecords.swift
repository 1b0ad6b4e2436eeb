/// Parser for pax extended header data: records of the form `"<length> <key>=<value>\n"`,
/// where `<length>` counts the whole record including itself and the newline.
enum PaxRecords {
    /// The keys this reader acts on; all others (mtime, uname, GNU.sparse.*, ...) are ignored.
    static let interestingKeys: Set<String> = ["path", "linkpath", "size"]

    /// Returns the interesting records of `data`, later records overriding earlier ones.
    /// `offset` is the pax header's archive offset, for error messages.
    static func parse(_ data: [UInt8], offset: Int) throws -> [String: [UInt8]] {
        func corrupt(_ reason: String) -> TarFormatError { .corruptMetadata(offset: offset, reason: reason) }

        var records: [String: [UInt8]] = [:]
        var start = 0
        var recordNumber = 1
        while start < data.count {
            var cursor = start
            var length = 0
            while cursor < data.count, data[cursor] >= UInt8(ascii: "0"), data[cursor] <= UInt8(ascii: "9") {
                length = length * 10 + Int(data[cursor] - UInt8(ascii: "0"))
                guard length <= data.count else { throw corrupt("pax record \(recordNumber) is longer than its header") }
                cursor += 1
            }
            guard cursor > start, cursor < data.count, data[cursor] == UInt8(ascii: " ") else {
                throw corrupt("pax record \(recordNumber) does not start with '<length> '")
            }
            let end = start + length
            guard end <= data.count, end > cursor + 1, data[end - 1] == UInt8(ascii: "\n") else {
                throw corrupt("pax record \(recordNumber) has a wrong length or no final newline")
            }
            let body = data[(cursor + 1)..<(end - 1)]
            guard let equals = body.firstIndex(of: UInt8(ascii: "=")), equals > body.startIndex else {
                throw corrupt("pax record \(recordNumber) has no 'key=value'")
            }
            guard let key = String(validating: body[body.startIndex..<equals], as: UTF8.self) else {
                throw corrupt("pax record \(recordNumber) has a key that is not UTF-8")
            }
            if interestingKeys.contains(key) {
                records[key] = Array(body[(equals + 1)...])
            }
            start = end
            recordNumber += 1
        }
        return records
    }
}
