/// Recognises errors in the output of a qmail build (gcc, ld, sh, make). Sans-IO.
public enum BuildOutputParser {
    /// The diagnostic a single output line carries, or nil for ordinary lines and warnings.
    public static func diagnostic(in line: String) -> BuildDiagnostic? {
        compilerError(line) ?? linkerError(line) ?? missingTool(line) ?? makeError(line)
    }

    /// The first error that explains a failed build.
    ///
    /// Compiler, linker and missing-tool errors win over `make: ***` lines, which
    /// only summarise; with parallel make, the earliest precise error is the cause.
    public static func firstError(in lines: some Sequence<String>) -> BuildDiagnostic? {
        var firstMake: BuildDiagnostic?
        for line in lines {
            guard let found = diagnostic(in: line) else { continue }
            if found.kind != .make { return found }
            if firstMake == nil { firstMake = found }
        }
        return firstMake
    }

    // `file.c:12:5: error: …`, `file.c:12: fatal error: …`, `cc1: error: …`
    private static func compilerError(_ line: String) -> BuildDiagnostic? {
        if let match = line.wholeMatch(of: #/(?<file>[^\s:][^:]*):(?<line>\d+):(?:(?<column>\d+):)? (?:fatal )?error: (?<message>.*)/#) {
            let message = String(match.message)
            return BuildDiagnostic(
                kind: .compiler, file: String(match.file), line: Int(match.line),
                column: match.column.flatMap { Int($0) }, message: message, text: line,
                hint: missingHeader(message).flatMap(PackageHint.forHeader))
        }
        if let match = line.wholeMatch(of: #/(?<tool>[^\s:]+): (?:fatal )?error: (?<message>.*)/#) {
            let message = String(match.message)
            if match.tool == "collect2" {
                return BuildDiagnostic(kind: .linker, message: message, text: line)
            }
            return BuildDiagnostic(kind: .compiler, message: message, text: line,
                                   hint: missingHeader(message).flatMap(PackageHint.forHeader))
        }
        return nil
    }

    // `openssl/ssl.h: No such file or directory` → `openssl/ssl.h`
    private static func missingHeader(_ message: String) -> String? {
        guard let match = message.wholeMatch(of: #/(?<header>\S+\.h): No such file or directory/#) else { return nil }
        return String(match.header)
    }

    // `/usr/bin/ld: cannot find -lssl: …`, `x.c:(.text+0x1): undefined reference to 'f'`
    private static func linkerError(_ line: String) -> BuildDiagnostic? {
        if let match = line.firstMatch(of: #/cannot find -l(?<library>[^\s:]+)/#) {
            return BuildDiagnostic(kind: .linker, message: String(line[match.range.lowerBound...]),
                                   text: line, hint: PackageHint.forLibrary(String(match.library)))
        }
        if let match = line.firstMatch(of: #/undefined reference to .*/#) {
            let file = line.wholeMatch(of: #/(?<file>[^\s:]+\.c):\(.*/#).map { String($0.file) }
            return BuildDiagnostic(kind: .linker, file: file, message: String(match.output), text: line)
        }
        return nil
    }

    // bash `cc: command not found`, dash `./compile: 3: exec: cc: not found`,
    // make `make: cc: No such file or directory` / `make: nroff: Command not found`.
    private static func missingTool(_ line: String) -> BuildDiagnostic? {
        let parts = line.components(separatedBy: ": ")
        guard parts.count >= 2, let last = parts.last else { return nil }
        let tool: String
        switch last {
        case "command not found", "Command not found", "not found":
            tool = parts[parts.count - 2]
        case "No such file or directory" where parts.count == 3 && isMake(parts[0]):
            tool = parts[1]
        default:
            return nil
        }
        guard !tool.isEmpty, !tool.contains(" ") else { return nil }
        return BuildDiagnostic(kind: .missingTool, message: "\(tool): \(last)", text: line,
                               hint: PackageHint.forTool(tool))
    }

    // `make: *** [Makefile:1540: qmail-smtpd] Error 1`, `make[1]: *** No rule to make target …`
    private static func makeError(_ line: String) -> BuildDiagnostic? {
        guard let match = line.wholeMatch(of: #/(?<make>\S+): \*\*\* (?<message>.*)/#), isMake(String(match.make))
        else { return nil }
        return BuildDiagnostic(kind: .make, message: String(match.message), text: line)
    }

    private static func isMake(_ word: String) -> Bool {
        word.wholeMatch(of: #/(?:.*/)?g?make(?:\[\d+\])?/#) != nil
    }
}
