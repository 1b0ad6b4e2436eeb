/// qmail-smtpd's `addrparse`: extracts the envelope address from the argument
/// of MAIL or RCPT (docs/stock-smtpd.md#addresses).
struct AddressParser {
    /// What `localiphost` rewriting needs: the replacement name and the local
    /// interface addresses. `nil` replacement means rewriting is off.
    var localIPHost: [UInt8]?
    var localAddresses: Set<IPv4Address>

    /// The longest address qmail accepts, counting its terminating NUL.
    static let maximumLengthWithNUL = 900

    struct Parsed {
        var address: [UInt8]
    }

    /// The parsed address, or `nil` for qmail's `555 syntax error`.
    func parse(_ argument: ArraySlice<UInt8>) -> Parsed? {
        var terminator = UInt8(ascii: ">")
        var index: Int
        if let lt = argument.firstIndex(of: UInt8(ascii: "<")) {
            index = lt + 1
        } else {
            // No angle brackets: the address follows the first colon.
            terminator = UInt8(ascii: " ")
            index = argument.firstIndex(of: UInt8(ascii: ":")).map { $0 + 1 } ?? argument.endIndex
            while index < argument.endIndex, argument[index] == UInt8(ascii: " ") { index += 1 }
        }
        if index < argument.endIndex, argument[index] == UInt8(ascii: "@") {
            // Source route: drop everything up to and including the first colon.
            while index < argument.endIndex {
                let byte = argument[index]
                index += 1
                if byte == UInt8(ascii: ":") { break }
            }
        }
        var address: [UInt8] = []
        var escaped = false
        var quoted = false
        while index < argument.endIndex {
            let byte = argument[index]
            if escaped {
                address.append(byte)
                escaped = false
            } else {
                if !quoted && byte == terminator { break }
                switch byte {
                case UInt8(ascii: "\\"): escaped = true
                case UInt8(ascii: "\""): quoted.toggle()
                default: address.append(byte)
                }
            }
            index += 1
        }
        rewriteLocalLiteral(&address)
        guard address.count + 1 <= Self.maximumLengthWithNUL else { return nil }
        return Parsed(address: address)
    }

    private func rewriteLocalLiteral(_ address: inout [UInt8]) {
        guard let replacement = localIPHost,
              let at = address.lastIndex(of: UInt8(ascii: "@")),
              let ip = IPv4Address.parseBracketedLiteral(address[(at + 1)...]),
              localAddresses.contains(ip) else { return }
        address.removeSubrange((at + 1)...)
        address.append(contentsOf: replacement)
    }
}
