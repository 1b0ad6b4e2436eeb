/// ESMTP parameters after the address of `MAIL FROM:<…>` (RFC 1869), as the
/// auth feature reads them: `SIZE=n` is checked against databytes, `AUTH=…`
/// is recognised and deliberately ignored (it never grants identity), every
/// other keyword is ignored as stock qmail does.
struct MailParameters {
    /// The declared size; a value without leading digits counts as 0.
    private(set) var size: UInt64?

    init(_ text: ArraySlice<UInt8>) {
        for word in text.split(separator: UInt8(ascii: " ")) {
            guard let equals = word.firstIndex(of: UInt8(ascii: "=")) else { continue }
            if ASCII.equalsIgnoringCase(word[..<equals], ASCII.bytes("SIZE")) {
                size = ControlFileRules.scanUnsigned(word[(equals + 1)...]).value
            }
        }
    }
}
