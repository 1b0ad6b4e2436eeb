/// eMPF (`control/policy`, the empf feature): which senders may message
/// which recipients (docs/empf.md). Parsed once per session; evaluation is pure.
///
/// Each recipient is judged from both sides and must pass both:
/// * the sender's policy, its `L` (recipient in the sender's domain) or `R`
///   (any other domain) letters: where this sender may send;
/// * the recipient's policy, its `I` (sender in the recipient's domain) or
///   `E` (any other domain) letters: from whom this recipient may receive.
/// A side whose domain has no policy line allows. Of the letters that apply
/// (user element first, then the domain's), a letter without patterns covers
/// every counterpart, one with patterns only the counterparts whose whole
/// address matches (case-insensitive glob, `*` and `?`); the first covering
/// letter decides, none means allowed. A domain or a user listed twice: the
/// first element counts (as policy.c reads it). An empty name, an empty or
/// unterminated pattern list, whitespace, or any other letter is a syntax
/// error.
public struct MessagingPolicy: Sendable {
    /// The four letters, named by the side that reads them and the counterpart they cover.
    enum Letter: Sendable {
        /// `L`: the sender may send into its own domain.
        case sendWithinDomain
        /// `R`: the sender may send to another domain.
        case sendOutside
        /// `I`: the recipient may receive from its own domain.
        case receiveFromWithin
        /// `E`: the recipient may receive from another domain.
        case receiveFromOutside
    }

    struct Rule: Sendable {
        var letter: Letter
        var allows: Bool
        var patterns: [[UInt8]]
    }

    struct DomainPolicy: Sendable {
        var rules: [Rule]
        var users: [[UInt8]: [Rule]]
    }

    /// Lower-cased domain → its policy.
    private var domains: [[UInt8]: DomainPolicy] = [:]

    /// A line the parser rejected (1-based line number and what is wrong).
    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var problem: String
        public var description: String { "control/policy line \(line): \(problem)" }
    }

    /// Parses the whole file; throws on the first malformed line.
    public init(parsing text: [UInt8]) throws(SyntaxError) {
        for (index, rawLine) in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var lineBytes = Array(rawLine)
            while let last = lineBytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") || last == UInt8(ascii: "\r") {
                lineBytes.removeLast()
            }
            guard let first = lineBytes.first, first != UInt8(ascii: "#"), first != UInt8(ascii: ";") else { continue }
            do throws(ParseProblem) {
                let (domain, policy) = try Self.parseLine(lineBytes)
                if domains[domain] == nil { domains[domain] = policy }
            } catch {
                throw SyntaxError(line: index + 1, problem: error.text)
            }
        }
    }

    /// Whether mail from `sender` to `recipient` is allowed. `sender` is the
    /// identity (AUTH user or envelope sender); `trusted` says whether the
    /// client may speak for a local domain (it authenticated, or may relay).
    /// `isLocalDomain` tells whether a domain is one of ours (rcpthosts).
    public func allows(sender: [UInt8], trusted: Bool, recipient: [UInt8],
                       isLocalDomain: ([UInt8]) -> Bool) -> Bool {
        let (senderUser, senderDomain) = Self.split(sender)
        let (recipientUser, recipientDomain) = Self.split(recipient)
        let sameDomain = !senderDomain.isEmpty && senderDomain == recipientDomain
        if let policy = domains[senderDomain] {
            if !trusted && isLocalDomain(senderDomain) { return false }
            if !Self.verdict(policy, user: senderUser, for: sameDomain ? .sendWithinDomain : .sendOutside,
                             counterpart: recipient) {
                return false
            }
        }
        if let policy = domains[recipientDomain] {
            if !Self.verdict(policy, user: recipientUser, for: sameDomain ? .receiveFromWithin : .receiveFromOutside,
                             counterpart: sender) {
                return false
            }
        }
        return true
    }

    /// The user's own rules first, then the domain's; allowed when no rule applies.
    private static func verdict(_ policy: DomainPolicy, user: [UInt8], for letter: Letter, counterpart: [UInt8]) -> Bool {
        if let rules = policy.users[user], let decided = firstApplicable(rules, for: letter, counterpart: counterpart) {
            return decided
        }
        return firstApplicable(policy.rules, for: letter, counterpart: counterpart) ?? true
    }

    /// Whether the first rule of `letter`'s kind that applies to `counterpart` allows; nil when none applies.
    private static func firstApplicable(_ rules: [Rule], for letter: Letter, counterpart: [UInt8]) -> Bool? {
        let address = ASCII.lowercased(counterpart)
        for rule in rules where rule.letter == letter {
            if rule.patterns.isEmpty || rule.patterns.contains(where: { Glob.matches($0, address) }) {
                return rule.allows
            }
        }
        return nil
    }

    /// Lower-cased local part and domain (split at the last `@`).
    private static func split(_ address: [UInt8]) -> ([UInt8], [UInt8]) {
        guard let at = address.lastIndex(of: UInt8(ascii: "@")) else { return (ASCII.lowercased(address), []) }
        return (ASCII.lowercased(address[..<at]), ASCII.lowercased(address[(at + 1)...]))
    }

    private struct ParseProblem: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    private static func parseLine(_ line: [UInt8]) throws(ParseProblem) -> ([UInt8], DomainPolicy) {
        var index = 0
        var domain: [UInt8]?
        var policy = DomainPolicy(rules: [], users: [:])
        while index < line.count {
            let name = try parseName(line, &index)
            let rules = try parseRules(line, &index)
            guard index < line.count, line[index] == UInt8(ascii: ",") else {
                throw ParseProblem("element \(String(decoding: name, as: UTF8.self)) does not end with a comma")
            }
            index += 1
            if domain == nil {
                domain = name
                policy.rules = rules
            } else {
                if policy.users[name] == nil { policy.users[name] = rules }
            }
        }
        guard let domain else { throw ParseProblem("empty line") }
        return (domain, policy)
    }

    private static func parseName(_ line: [UInt8], _ index: inout Int) throws(ParseProblem) -> [UInt8] {
        let start = index
        while index < line.count, line[index] != UInt8(ascii: ":") {
            let byte = line[index]
            if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")")
                || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                throw ParseProblem("unexpected '\(Character(Unicode.Scalar(byte)))' in a name")
            }
            index += 1
        }
        guard index < line.count else { throw ParseProblem("missing ':' after a name") }
        guard index > start else { throw ParseProblem("empty name before ':'") }
        let name = ASCII.lowercased(line[start..<index])
        index += 1
        return name
    }

    private static func parseRules(_ line: [UInt8], _ index: inout Int) throws(ParseProblem) -> [Rule] {
        var rules: [Rule] = []
        while index < line.count, line[index] != UInt8(ascii: ",") {
            let byte = line[index]
            let letter: Letter
            switch ASCII.lowercased(byte) {
            case UInt8(ascii: "l"): letter = .sendWithinDomain
            case UInt8(ascii: "r"): letter = .sendOutside
            case UInt8(ascii: "i"): letter = .receiveFromWithin
            case UInt8(ascii: "e"): letter = .receiveFromOutside
            default: throw ParseProblem("unknown policy letter '\(Character(Unicode.Scalar(byte)))'")
            }
            index += 1
            var patterns: [[UInt8]] = []
            if index < line.count, line[index] == UInt8(ascii: "(") {
                index += 1
                guard let close = line[index...].firstIndex(of: UInt8(ascii: ")")) else {
                    throw ParseProblem("'(' without ')'")
                }
                for pattern in line[index..<close].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                    guard !pattern.isEmpty, !pattern.contains(where: { [UInt8(ascii: "("), UInt8(ascii: " "), UInt8(ascii: "\t")].contains($0) }) else {
                        throw ParseProblem("empty or malformed pattern")
                    }
                    patterns.append(ASCII.lowercased(pattern))
                }
                index = close + 1
            }
            rules.append(Rule(letter: letter, allows: byte < UInt8(ascii: "a"), patterns: patterns))
        }
        return rules
    }
}

/// Case-sensitive glob over bytes (callers lower-case both sides): `*` any
/// run, `?` any one byte. Linear-time backtracking on the last `*`.
enum Glob {
    static func matches(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        var p = 0, t = 0
        var star: Int?, resume = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p; resume = t; p += 1
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t] {
                p += 1; t += 1
            } else if let s = star {
                p = s + 1; resume += 1; t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
