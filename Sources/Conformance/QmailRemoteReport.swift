/// qmail-remote's report on stdout (qmail-rspawn reads it): one field per
/// recipient — `r` accepted, `h…` permanent failure, `s…` temporary failure —
/// then one final field, `K…` delivered, `Z…` deferred, `D…` failed, each
/// ended by a NUL. A delivery that fails before any recipient has only the
/// final field.
public struct QmailRemoteReport: Equatable, Sendable {
    /// The fields without their NULs; a last field without NUL (the program
    /// died mid-report) is kept too.
    public var fields: [[UInt8]]

    /// Splits raw stdout. Cost: linear.
    public init(output: [UInt8]) {
        var fields = output.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
        if fields.last?.isEmpty == true { fields.removeLast() }
        self.fields = fields
    }

    /// The final verdict letter (`K`, `Z` or `D`), if the report ends with one.
    public var verdict: Character? {
        guard let first = fields.last?.first, [UInt8(ascii: "K"), UInt8(ascii: "Z"), UInt8(ascii: "D")].contains(first) else { return nil }
        return Character(Unicode.Scalar(first))
    }

    /// The fields as one line for people: NULs shown as `|`, escapes for the rest.
    public var text: String {
        fields.map(ByteEscapes.encode).joined(separator: "|")
    }
}
