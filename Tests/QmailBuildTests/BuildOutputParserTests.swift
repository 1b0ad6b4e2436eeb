import Testing
@testable import QmailBuild
import TestSupport

@Suite(.ownThread) struct BuildOutputParserTests {
    @Test func compilerErrorWithFileLineAndColumn() throws {
        let found = try #require(BuildOutputParser.diagnostic(in: "qmail-local.c:12:5: error: expected ';' before '}' token"))
        #expect(found.kind == .compiler)
        #expect(found.file == "qmail-local.c")
        #expect(found.line == 12)
        #expect(found.column == 5)
        #expect(found.message == "expected ';' before '}' token")
        #expect(found.hint == nil)
    }

    @Test func compilerErrorWithoutColumn() throws {
        let found = try #require(BuildOutputParser.diagnostic(in: "sub/x.c:7: error: bad thing"))
        #expect(found.file == "sub/x.c")
        #expect(found.line == 7)
        #expect(found.column == nil)
    }

    @Test func missingOpenSSLHeaderHintsLibsslDev() throws {
        let line = "qmail-smtpd.c:30:10: fatal error: openssl/ssl.h: No such file or directory"
        let found = try #require(BuildOutputParser.diagnostic(in: line))
        #expect(found.kind == .compiler)
        #expect(found.file == "qmail-smtpd.c")
        #expect(found.line == 30)
        #expect(found.message == "openssl/ssl.h: No such file or directory")
        #expect(found.hint?.package == "libssl-dev")
    }

    @Test func warningsAndCommandsAreNotErrors() {
        #expect(BuildOutputParser.diagnostic(in: "seek_cur.c:7:10: warning: implicit declaration of function 'lseek'") == nil)
        #expect(BuildOutputParser.diagnostic(in: "./compile qmail-smtpd.c") == nil)
        #expect(BuildOutputParser.diagnostic(in: "   27 |   return 0;") == nil)
        #expect(BuildOutputParser.diagnostic(in: "") == nil)
    }

    @Test(arguments: [
        ("cc: command not found", "cc", "gcc"),
        ("bash: line 1: gcc: command not found", "gcc", "gcc"),
        ("./compile: 3: exec: cc: not found", "cc", "gcc"),
        ("/bin/sh: 1: nroff: not found", "nroff", "groff-base"),
        ("make: nroff: No such file or directory", "nroff", "groff-base"),
        ("make: nroff: Command not found", "nroff", "groff-base"),
        ("bash: make: command not found", "make", "make"),
    ])
    func missingToolsNameTheirPackage(line: String, tool: String, package: String) throws {
        let found = try #require(BuildOutputParser.diagnostic(in: line))
        #expect(found.kind == .missingTool)
        #expect(found.message.hasPrefix(tool + ": "))
        #expect(found.hint?.package == package)
    }

    @Test func makeSummary() throws {
        let found = try #require(BuildOutputParser.diagnostic(in: "make: *** [Makefile:1540: qmail-smtpd] Error 1"))
        #expect(found.kind == .make)
        #expect(found.message == "[Makefile:1540: qmail-smtpd] Error 1")
        let nested = try #require(BuildOutputParser.diagnostic(in: "make[2]: *** No rule to make target 'tls.o'.  Stop."))
        #expect(nested.kind == .make)
    }

    @Test func linkerErrors() throws {
        let library = try #require(BuildOutputParser.diagnostic(in: "/usr/bin/ld: cannot find -lssl: No such file or directory"))
        #expect(library.kind == .linker)
        #expect(library.hint?.package == "libssl-dev")
        let symbol = try #require(BuildOutputParser.diagnostic(
            in: "/usr/bin/ld: qmail-smtpd.c:(.text+0x1c2): undefined reference to `tls_init'"))
        #expect(symbol.kind == .linker)
        #expect(symbol.message == "undefined reference to `tls_init'")
        let collect = try #require(BuildOutputParser.diagnostic(in: "collect2: error: ld returned 1 exit status"))
        #expect(collect.kind == .linker)
    }

    @Test func firstPreciseErrorWinsOverMakeSummary() throws {
        let output = [
            "./compile qmail-local.c",
            "seek_cur.c:7:10: warning: implicit declaration of function 'lseek'",
            "make: *** Waiting for unfinished jobs....",
            "qmail-local.c:811:1: error: expected identifier or '(' before '}' token",
            "qmail-send.c:3:1: error: later error",
            "make: *** [Makefile:1015: qmail-local.o] Error 1",
        ]
        let first = try #require(BuildOutputParser.firstError(in: output))
        #expect(first.file == "qmail-local.c")
        #expect(first.line == 811)
        let onlyMake = try #require(BuildOutputParser.firstError(in: ["ok", "make: *** [Makefile:9: it] Error 2"]))
        #expect(onlyMake.kind == .make)
        #expect(BuildOutputParser.firstError(in: ["./compile a.c", "./load a a.o"]) == nil)
    }
}

@Suite(.ownThread) struct BuildOutputScannerTests {
    @Test func progressAcrossChunkBoundaries() {
        var scanner = BuildOutputScanner()
        var steps = scanner.feed(Array("./compile qmail-smtpd.c\n./comp".utf8))
        steps += scanner.feed(Array("ile commands.c\n./load qmail-smtpd rcpthosts.o \\\nsubstdio.a\n./load qmail-remote".utf8))
        steps += scanner.finish()
        #expect(steps == [
            .compiling(source: "qmail-smtpd.c", count: 1),
            .compiling(source: "commands.c", count: 2),
            .linking(program: "qmail-smtpd", count: 1),
            .linking(program: "qmail-remote", count: 2),
        ])
        #expect(scanner.compiledCount == 2)
        #expect(scanner.linkedCount == 2)
        #expect(scanner.firstError == nil)
    }

    @Test func keepsTheFirstErrorWithCarriageReturns() {
        var scanner = BuildOutputScanner()
        _ = scanner.feed(Array("make: *** [Makefile:1: x] Error 1\r\nx.c:3:1: error: boom\r\ny.c:4:1: error: later\n".utf8))
        #expect(scanner.firstError?.file == "x.c")
        #expect(scanner.firstError?.line == 3)
        #expect(scanner.firstError?.message == "boom")
    }
}

@Suite(.ownThread) struct PackageHintTests {
    @Test func tools() {
        #expect(PackageHint.forTool("cc")?.package == "gcc")
        #expect(PackageHint.forTool("/usr/bin/gcc-12")?.package == "gcc")
        #expect(PackageHint.forTool("make")?.package == "make")
        #expect(PackageHint.forTool("nroff")?.package == "groff-base")
        #expect(PackageHint.forTool("pkg-config")?.package == "pkg-config")
        #expect(PackageHint.forTool("ranlib")?.package == "binutils")
        #expect(PackageHint.forTool("qmail-smtpd") == nil)
    }

    @Test func headersAndLibraries() {
        #expect(PackageHint.forHeader("openssl/err.h")?.package == "libssl-dev")
        #expect(PackageHint.forHeader("zlib.h")?.package == "zlib1g-dev")
        #expect(PackageHint.forHeader("sys/socket.h")?.package == "libc6-dev")
        #expect(PackageHint.forHeader("tls.h") == nil)
        #expect(PackageHint.forLibrary("crypto")?.package == "libssl-dev")
        #expect(PackageHint.forLibrary("qmail") == nil)
        #expect(PackageHint.forHeader("openssl/ssl.h")?.description
            == "the header openssl/ssl.h is missing: install the Debian package libssl-dev (apt-get install libssl-dev)")
    }
}
