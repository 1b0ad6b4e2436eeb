/// The `Received:` line qmail-smtpd prepends to every message
/// (`received.c` + `date822fmt.c`, docs/stock-smtpd.md#received-line).
public enum ReceivedHeader {
    /// Both LF-terminated lines. `helo` is `nil` when the HELO argument equals
    /// the remote host name; `remoteInfo` is `nil` when unknown. `unixTime` is
    /// formatted in UTC with the literal zone ` -0000`.
    public static func lines(remoteHost: [UInt8], helo: [UInt8]?, remoteInfo: [UInt8]?, remoteIP: [UInt8],
                             localHost: [UInt8], protocolName: [UInt8], unixTime: Int64) -> [UInt8] {
        var out = ASCII.bytes("Received: from ")
        out += sanitised(remoteHost)
        if let helo {
            out += ASCII.bytes(" (HELO ") + sanitised(helo) + ASCII.bytes(")")
        }
        out += ASCII.bytes(" (")
        if let remoteInfo { out += sanitised(remoteInfo) + ASCII.bytes("@") }
        out += sanitised(remoteIP)
        out += ASCII.bytes(")\n  by ") + sanitised(localHost) + ASCII.bytes(" with ") + protocolName
        out += ASCII.bytes("; ") + date(unixTime) + ASCII.bytes(" -0000\n")
        return out
    }

    /// Replaces every byte outside `A-Z a-z 0-9 . @ % + / = : -` with `?`.
    public static func sanitised(_ field: [UInt8]) -> [UInt8] {
        field.map { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "@"), UInt8(ascii: "%"), UInt8(ascii: "+"),
                 UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "-"):
                return byte
            default:
                return UInt8(ascii: "?")
            }
        }
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `25 Nov 2026 14:47:06`: day not padded, time fields two digits.
    static func date(_ unixTime: Int64) -> [UInt8] {
        let days = unixTime >= 0 ? unixTime / 86400 : (unixTime - 86399) / 86400
        let secondsOfDay = unixTime - days * 86400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let text = "\(day) \(months[Int(month) - 1]) \(year) "
            + "\(two(secondsOfDay / 3600)):\(two(secondsOfDay / 60 % 60)):\(two(secondsOfDay % 60))"
        return ASCII.bytes(text)
    }

    /// Proleptic Gregorian date of a day count (Howard Hinnant's algorithm).
    private static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
