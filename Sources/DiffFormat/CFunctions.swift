/// A C function definition: its name and the lines from the start of its
/// declaration to its closing brace (1-based, inclusive).
public struct CFunction: Hashable, Sendable {
    public var name: String
    public var first: Int
    public var last: Int

    public init(name: String, first: Int, last: Int) {
        self.name = name
        self.first = first
        self.last = last
    }
}

/// Where a run of lines sits in a C file: the functions it is inside, and
/// whether part of it is outside every function (declarations, `#include`s,
/// tables, the space between two functions).
public struct CodePlace: Hashable, Sendable, CustomStringConvertible {
    public var functions: [String]
    public var topLevel: Bool

    public init(functions: [String], topLevel: Bool) {
        self.functions = functions
        self.topLevel = topLevel
    }

    /// `in smtp_ehlo`, `at top level`, `in smtp_helo, smtp_ehlo and at top level`.
    public var description: String {
        switch (functions.isEmpty, topLevel) {
        case (true, _): return "at top level"
        case (false, false): return "in " + functions.joined(separator: ", ")
        case (false, true): return "in " + functions.joined(separator: ", ") + " and at top level"
        }
    }
}

/// Finds the function definitions of a C file, ANSI (`int f(int a) {`) and
/// K&R (`void smtp_helo(arg) char *arg;` then `{`, as qmail writes them), without
/// preprocessing: comments, strings and character constants are skipped, and
/// so are preprocessor lines and the `#else`/`#elif` branches of conditionals,
/// so that braces opened differently in two branches count once.
///
/// Sans-IO: text in, definitions out; one pass over the bytes.
public enum CFunctions {
    public static func definitions(in text: [UInt8]) -> [CFunction] {
        var scanner = Scanner(text)
        return scanner.run()
    }

    /// Where `span` (lines of the same file) sits among `functions`. An insertion
    /// point is inside a function when lines of the function lie on both sides of it.
    public static func place(of span: LineSpan, among functions: [CFunction]) -> CodePlace {
        if span.count == 0 {
            let inside = functions.filter { $0.first < span.first && span.first <= $0.last }
            return CodePlace(functions: inside.map(\.name), topLevel: inside.isEmpty)
        }
        let meeting = functions.filter { $0.first <= span.last && span.first <= $0.last }
        let covered = meeting.reduce(0) { total, function in
            total + min(function.last, span.last) - max(function.first, span.first) + 1
        }
        return CodePlace(functions: meeting.map(\.name), topLevel: covered < span.count)
    }

    private struct Scanner {
        enum Token: Equatable { case identifier, closeParen, semicolon, equals, other }

        let bytes: [UInt8]
        var index = 0
        var line = 1
        var atLineStart = true
        var braceDepth = 0
        var parenDepth = 0
        var previous = Token.other
        var previousIdentifier: String?
        /// The line where the current top-level declaration began.
        var statementStart: Int?
        /// The last `name(` seen at top level, and where its declaration began.
        var candidate: (name: String, first: Int)?
        var openFunction: (name: String, first: Int)?
        var found: [CFunction] = []

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func run() -> [CFunction] {
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    atLineStart = true
                    index += 1
                    continue
                }
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == 0x0C {
                    index += 1
                    continue
                }
                if atLineStart, byte == UInt8(ascii: "#") {
                    skipDirective()
                    continue
                }
                atLineStart = false
                if byte == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") {
                    skipBlockComment()
                } else if byte == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "/") {
                    skipToEndOfLine()
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    skipQuoted(byte)
                    note(.other)
                } else if isIdentifierStart(byte) {
                    let start = index
                    while index < bytes.count, isIdentifierByte(bytes[index]) { index += 1 }
                    note(.identifier)
                    previousIdentifier = String(decoding: bytes[start..<index], as: UTF8.self)
                    continue
                } else {
                    punctuation(byte)
                    index += 1
                }
            }
            return found
        }

        private mutating func note(_ token: Token) {
            if braceDepth == 0, statementStart == nil { statementStart = line }
            previous = token
            if token != .identifier { previousIdentifier = nil }
        }

        private mutating func punctuation(_ byte: UInt8) {
            switch byte {
            case UInt8(ascii: "("):
                if braceDepth == 0, parenDepth == 0, previous == .identifier, let name = previousIdentifier,
                   !["sizeof", "__attribute__", "__declspec"].contains(name) {
                    candidate = (name, statementStart ?? line)
                }
                parenDepth += 1
                note(.other)
            case UInt8(ascii: ")"):
                parenDepth = max(0, parenDepth - 1)
                note(.closeParen)
            case UInt8(ascii: ";"):
                note(.semicolon)
                if braceDepth == 0, parenDepth == 0 { statementStart = nil }
            case UInt8(ascii: "="):
                note(.equals)
                if braceDepth == 0 { candidate = nil }
            case UInt8(ascii: "{"):
                if braceDepth == 0 {
                    // A body follows a parameter list, or K&R parameter declarations after one.
                    let isBody = previous == .closeParen || (previous == .semicolon && candidate != nil)
                    if isBody, let candidate { openFunction = candidate }
                    parenDepth = 0
                }
                note(.other)
                braceDepth += 1
            case UInt8(ascii: "}"):
                braceDepth = max(0, braceDepth - 1)
                note(.other)
                if braceDepth == 0 {
                    if let function = openFunction {
                        found.append(CFunction(name: function.name, first: function.first, last: line))
                    }
                    openFunction = nil
                    candidate = nil
                    statementStart = nil
                }
            default:
                note(.other)
            }
        }

        private func peek(_ offset: Int) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }

        private func isIdentifierStart(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || byte == UInt8(ascii: "_")
        }

        private func isIdentifierByte(_ byte: UInt8) -> Bool {
            isIdentifierStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }

        private mutating func skipBlockComment() {
            index += 2
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") {
                    index += 2
                    return
                }
                if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                index += 1
            }
        }

        /// Up to (not including) the newline.
        private mutating func skipToEndOfLine() {
            while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
        }

        /// A string or character constant; a backslash-newline inside continues it
        /// on the next line, an unescaped newline ends it (unterminated).
        private mutating func skipQuoted(_ quote: UInt8) {
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == quote {
                    index += 1
                    return
                }
                if byte == UInt8(ascii: "\n") { return }
                if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                    if bytes[index + 1] == UInt8(ascii: "\n") { line += 1 }
                    index += 2
                    continue
                }
                index += 1
            }
        }

        /// One preprocessor line with its continuations; from `#else`/`#elif`, every
        /// line up to the matching `#endif`.
        private mutating func skipDirective() {
            let word = directiveWord()
            skipDirectiveLine()
            guard word == "else" || word == "elif" else { return }
            var nesting = 0
            while index < bytes.count {
                while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
                if index < bytes.count, bytes[index] == UInt8(ascii: "#") {
                    let inner = directiveWord()
                    skipDirectiveLine()
                    if inner.hasPrefix("if") { nesting += 1 }
                    if inner == "endif" {
                        if nesting == 0 { return }
                        nesting -= 1
                    }
                } else {
                    skipToEndOfLine()
                    if index < bytes.count {
                        line += 1
                        index += 1
                    }
                }
            }
        }

        /// The directive's name (`if`, `ifdef`, `else`, …) after the `#` at `index`.
        private func directiveWord() -> String {
            var cursor = index + 1
            while cursor < bytes.count, bytes[cursor] == UInt8(ascii: " ") || bytes[cursor] == UInt8(ascii: "\t") { cursor += 1 }
            let start = cursor
            while cursor < bytes.count, isIdentifierByte(bytes[cursor]) { cursor += 1 }
            return String(decoding: bytes[start..<cursor], as: UTF8.self)
        }

        /// To the start of the next line, following backslash continuations.
        private mutating func skipDirectiveLine() {
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    let continued = index >= 2 && bytes[index - 2] == UInt8(ascii: "\\")
                        || (index >= 3 && bytes[index - 2] == UInt8(ascii: "\r") && bytes[index - 3] == UInt8(ascii: "\\"))
                    if !continued {
                        atLineStart = true
                        return
                    }
                }
            }
        }
    }
}
