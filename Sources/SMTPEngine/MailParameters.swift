/// ESMTP parameters after the address of `MAIL FROM:<…>` (RFC 1869), as the
/// auth feature reads them (docs/auth.md#mail-parameters): `SIZE=n` is checked
/// against databytes, `AUTH=…` is recognised and deliberately ignored (it never
/// grants identity), every other keyword is ignored as stock qmail does.
struct MailParameters {
    /// The declared size; a value without leading digits counts as 0.
    private(set) var size: UInt64?

    /// The parameters of a MAIL argument: the words after its first `>`, as
    /// the auth patch reads them. An argument without `>` (`MAIL FROM:a@b
    /// SIZE=9`, the address ended by a space) has none.
    init(argument: ArraySlice<UInt8>) {
        let close = argument.firstIndex(of: UInt8(ascii: ">"))
        self.init(close.map { argument[($0 + 1)...] } ?? [])
    }

    init(_ text: ArraySlice<UInt8>) {
        for word in text.split(separator: UInt8(ascii: " ")) {
            guard let equals = word.firstIndex(of: UInt8(ascii: "=")) else { continue }
            if ASCII.equalsIgnoringCase(word[..<equals], ASCII.bytes("SIZE")) {
                size = ControlFileRules.scanUnsigned(word[(equals + 1)...]).value
            }
        }
    }
}
