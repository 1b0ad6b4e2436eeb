import DiffFormat
import Foundation
import GitStore
import PatchEngine
import SeededRandom
import Testing
import TestSupport

/// The conflict report's summary: only the places git's three-way merge cannot
/// reconcile, each with its pair, file, containing C function and the base lines
/// of each side; on fixtures generated here.
@Suite(.ownThread) struct ConflictReportTests {
    /// A C file of K&R and ANSI functions with numbered, distinct lines.
    static let base = """
        #include "fixture.h"

        int counter = 0;

        void alpha(arg) char *arg;
        {
          alpha1();
          alpha2();
          alpha3();
          alpha4();
          alpha5();
          alpha6();
        }

        static int beta(int n)
        {
          beta1();
          beta2();
          beta3();
          beta4();
          beta5();
          beta6();
          return n;
        }

        void gamma(arg) char *arg;
        {
          gamma1();
          gamma2();
          gamma3();
          gamma4();
        }

        void delta()
        {
          delta1();
          delta2();
          delta3();
          delta4();
        }

        void epsilon(arg) char *arg;
        {
          epsilon1();
          epsilon2();
        }

        int zeta(argc,argv)
        int argc;
        char **argv;
        {
          zeta1();
          zeta2();
          zeta3();
          zeta4();
          zeta5();
          zeta6();
          return 0;
        }

        """

    /// The 1-based number of the base line equal to `text` (trimmed).
    static func line(_ text: String, in file: String = base) -> Int {
        let lines = file.split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == text } ?? -1) + 1
    }

    /// `file` with `edits` applied: each replaces the line equal to its key (trimmed).
    static func edited(_ file: String, _ edits: [String: String]) -> String {
        file.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            edits[line.trimmingCharacters(in: .whitespaces)] ?? String(line)
        }.joined(separator: "\n")
    }

    static let earlier = edited(base, [
        "int counter = 0;": "int counter = 0;\nint earlier_flag = 0;",    // top level: both add a declaration here
        "alpha2();": "  alpha2(EARLIER);",                                 // alpha: both rewrite alpha2
        "alpha6();": "  alpha6(EARLIER);",                                 // alpha: only the earlier patch
        "beta2();": "  beta2(EARLIER);",                                   // beta: neighbours that merge
        "gamma3();": "  gamma3(SAME);",                                    // gamma: identical edits
        "delta2();": "  delta2(EARLIER);",                                 // delta: adjacent lines conflict
        "epsilon1();": "  epsilon1();\n  earlier_hook();",                 // epsilon: both insert after epsilon1
        "zeta4();": "  zeta4(EARLIER);",                                   // zeta: earlier rewrites 4-5,
        "zeta5();": "  zeta5(EARLIER);",                                   //   later only 5
    ])

    static let later = edited(base, [
        "int counter = 0;": "int counter = 0;\nstatic char later_buffer[64];",
        "alpha2();": "  alpha2(LATER);",
        "beta6();": "  beta6(LATER);",
        "gamma3();": "  gamma3(SAME);",
        "delta3();": "  delta3(LATER);",
        "epsilon1();": "  epsilon1();\n  later_hook();",
        "zeta5();": "  zeta5(LATER);",
    ]) + "void omega()\n{\n  omega1();\n}\n"

    /// The report of applying `first` then `second`, each a patch generated from
    /// `base` and that patch's version of `path`.
    static func conflict(_ path: String, base: String, _ first: (name: String, text: String),
                         _ second: (name: String, text: String)) throws -> ConflictReport {
        let project = try TestProject(pristine: [path: base])
        defer { project.remove() }
        for patch in [first, second] {
            try project.patch(patch.name, diff: try generatedDiff(path, from: base, to: patch.text))
        }
        let features = [first.name, second.name]
        let applier = try project.applier(features)
        do {
            _ = try applier.run(try applier.catalog.planner.plan(selecting: features))
        } catch let PatchEngineError.conflicts(report) {
            return report
        }
        throw PatchEngineError.io("expected a conflict")
    }

    struct Entry: Equatable, CustomStringConvertible {
        var pair: String, path: String, place: String, earlier: LineSpan, later: LineSpan
        var description: String { "\(pair) \(path) \(place) \(earlier) | \(later)" }
    }

    static func entries(_ report: ConflictReport) -> [Entry] {
        report.regions.map {
            Entry(pair: $0.region.pair, path: $0.path, place: $0.region.place?.description ?? "-",
                  earlier: $0.region.earlierLines, later: $0.region.laterLines)
        }
    }

    /// Conflict regions in git's own diff3 output of the file.
    static func markerCount(_ file: ConflictFile) -> Int {
        String(decoding: file.diff3, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("<<<<<<< ") }.count
    }

    @Test func summaryListsOnlyWhatTheMergeCannotReconcile() throws {
        let report = try Self.conflict("fixture.c", base: Self.base, ("first", Self.earlier), ("second", Self.later))
        let counter = Self.line("int counter = 0;")
        let expected = [
            Entry(pair: "first vs second", path: "fixture.c", place: "at top level",
                  earlier: LineSpan(first: counter + 1, count: 0), later: LineSpan(first: counter + 1, count: 0)),
            Entry(pair: "first vs second", path: "fixture.c", place: "in alpha",
                  earlier: LineSpan(first: Self.line("alpha2();"), count: 1), later: LineSpan(first: Self.line("alpha2();"), count: 1)),
            Entry(pair: "first vs second", path: "fixture.c", place: "in delta",
                  earlier: LineSpan(first: Self.line("delta2();"), count: 1), later: LineSpan(first: Self.line("delta3();"), count: 1)),
            Entry(pair: "first vs second", path: "fixture.c", place: "in epsilon",
                  earlier: LineSpan(first: Self.line("epsilon1();") + 1, count: 0),
                  later: LineSpan(first: Self.line("epsilon1();") + 1, count: 0)),
            Entry(pair: "first vs second", path: "fixture.c", place: "in zeta",
                  earlier: LineSpan(first: Self.line("zeta4();"), count: 2), later: LineSpan(first: Self.line("zeta5();"), count: 1)),
        ]
        #expect(Self.entries(report) == expected)
        // Exactly the regions git's merge marks, in the same order.
        #expect(Self.markerCount(report.files[0]) == expected.count)
        #expect(report.regions.map { $0.region.baseText } == [[], ["  alpha2();"], ["  delta2();", "  delta3();"], [],
                                                          ["  zeta4();", "  zeta5();"]])
        #expect(report.regions[1].region.earlierText == ["  alpha2(EARLIER);"])
        #expect(report.regions[1].region.laterText == ["  alpha2(LATER);"])

        let message = report.description
        let summary = try #require(message.range(of: "details:")).lowerBound
        #expect(message.range(of: "5 places the three-way merge cannot reconcile")!.lowerBound < summary)
        #expect(message.contains("  3. first vs second: fixture.c in delta; first line \(Self.line("delta2();")), "
                                 + "second line \(Self.line("delta3();"))\n"))
        for untouched in ["beta", "gamma", "omega"] {
            #expect(!message.contains("in \(untouched)"), "\(untouched) merges cleanly")
        }
        #expect(!message.contains("Nothing was written"), "the command, not the report, says what was written")
    }

    @Test func eachPlaceNamesTheEarlierPatchWhoseChangesMakeIt() throws {
        let project = try TestProject(pristine: ["fixture.c": Self.base])
        defer { project.remove() }
        try project.patch("one", diff: try generatedDiff("fixture.c", from: Self.base, to: Self.edited(Self.base, ["alpha2();": "  alpha2(ONE);"])))
        try project.patch("two", diff: try generatedDiff("fixture.c", from: Self.base, to: Self.edited(Self.base, ["zeta5();": "  zeta5(TWO);"])))
        try project.patch("three", diff: try generatedDiff("fixture.c", from: Self.base, to: Self.later))
        let applier = try project.applier(["one", "two", "three"])
        do {
            _ = try applier.run(try applier.catalog.planner.plan(selecting: ["one", "two", "three"]))
            Issue.record("expected a conflict")
        } catch let PatchEngineError.conflicts(report) {
            #expect(Self.entries(report).map { "\($0.pair) \($0.place)" } == ["one vs three in alpha", "two vs three in zeta"])
            #expect(report.collidesWith == ["one", "two"])
            #expect(report.appliedBefore == ["one", "two"])
        }
    }

    @Test func detailsAreBoundedAndSayWhatWasLeftOut() throws {
        // Forty functions, each rewritten differently by both patches over 12 lines.
        let functions = (1...40).map { index in
            "void f\(index)()\n{\n" + (1...12).map { "  f\(index)_\($0)();\n" }.joined() + "}\n"
        }
        let base = functions.joined(separator: "\n")
        func rewrite(_ tag: String) -> String {
            base.replacingOccurrences(of: "();\n", with: "(\(tag));\n")
        }
        let report = try Self.conflict("big.c", base: base, ("first", rewrite("ONE")), ("second", rewrite("TWO")))
        #expect(report.regions.count == 40)
        #expect(report.regions.map { $0.region.place?.description } == (1...40).map { "in f\($0)" })
        let message = report.description
        #expect(message.split(separator: "\n").count < 320, "bounded: \(message.split(separator: "\n").count) lines")
        #expect(message.contains("  40. first vs second: big.c in f40; first lines "))
        #expect(message.contains("[left out: the text of places "))
        #expect(!message.contains("f40_12(TWO)"), "the last place's text is left out")
    }

    /// A qmail-smtpd.c-like file: K&R handlers, the command table, main.
    static let smtpd = """
        #include "sig.h"
        #include "readwrite.h"
        #include "stralloc.h"
        #include "substdio.h"
        #include "commands.h"

        #define MAXHOPS 100
        unsigned int databytes = 0;
        int timeout = 1200;

        void die_read() { _exit(1); }
        void die_alarm() { out("451 timeout (#4.4.2)\\r\\n"); flush(); _exit(1); }
        void straynewline() { out("451 See http://pobox.com/~djb/docs/smtplf.html.\\r\\n"); flush(); _exit(1); }

        char *remoteip;
        char *relayclient;

        void smtp_greet(code) char *code;
        {
          substdio_puts(&ssout,code);
          substdio_put(&ssout,greeting.s,greeting.len);
        }
        void smtp_help(arg) char *arg;
        {
          out("214 netqmail home page: http://qmail.org/netqmail\\r\\n");
        }
        void smtp_helo(arg) char *arg;
        {
          smtp_greet("250 "); out("\\r\\n");
          seenmail = 0; dohelo(arg);
        }
        void smtp_ehlo(arg) char *arg;
        {
          smtp_greet("250-");
          out("\\r\\n250-PIPELINING\\r\\n250 8BITMIME\\r\\n");
          seenmail = 0; dohelo(arg);
        }
        void smtp_rset(arg) char *arg;
        {
          seenmail = 0;
          out("250 flushed\\r\\n");
        }
        void smtp_mail(arg) char *arg;
        {
          if (!addrparse(arg)) { err_syntax(); return; }
          flagbarf = bmfcheck();
          seenmail = 1;
          out("250 ok\\r\\n");
        }
        void smtp_rcpt(arg) char *arg; {
          if (!seenmail) { err_wantmail(); return; }
          if (!addrparse(arg)) { err_syntax(); return; }
          if (relayclient) {
            --addr.len;
            if (!stralloc_cats(&addr,relayclient)) die_nomem();
            if (!stralloc_0(&addr)) die_nomem();
          }
          else
            if (!addrallowed()) { err_nogateway(); return; }
          out("250 ok\\r\\n");
        }

        struct commands smtpcommands[] = {
          { "rcpt", smtp_rcpt, 0 }
        , { "mail", smtp_mail, 0 }
        , { "data", smtp_data, flush }
        , { "quit", smtp_quit, flush }
        , { "helo", smtp_helo, flush }
        , { "ehlo", smtp_ehlo, flush }
        , { "rset", smtp_rset, 0 }
        , { "help", smtp_help, flush }
        , { "noop", err_noop, flush }
        , { "vrfy", err_vrfy, flush }
        , { 0, err_unimpl, flush }
        } ;

        void main()
        {
          sig_pipeignore();
          if (chdir(auto_qmail) == -1) die_control();
          setup();
          if (ipme_init() != 1) die_ipme();
          smtp_greet("220 ");
          out(" ESMTP\\r\\n");
          if (commands(&ssin,&smtpcommands) == 0) die_read();
          die_nomem();
        }

        """

    /// An AUTH-like patch: includes, state, EHLO lines, a handler, the table,
    /// relaying for authenticated senders, AUTH required before MAIL.
    static let authLike = edited(smtpd, [
        "#include \"commands.h\"": "#include \"commands.h\"\n#include \"base64.h\"\n#include \"wait.h\"",
        "char *relayclient;": "char *relayclient;\nint authd = 0;\nchar *authprog;",
        "out(\"\\r\\n250-PIPELINING\\r\\n250 8BITMIME\\r\\n\");":
            "  out(\"\\r\\n250-PIPELINING\\r\\n250-8BITMIME\\r\\n\");\n  out(\"250 AUTH LOGIN PLAIN CRAM-MD5\\r\\n\");",
        "flagbarf = bmfcheck();": "  if (authrequired && !authd) { err_authrequired(); return; }\n  flagbarf = bmfcheck();",
        "if (relayclient) {": "  if (relayclient || authd) {",
        ", { \"help\", smtp_help, flush }": ", { \"help\", smtp_help, flush }\n, { \"auth\", smtp_auth, flush }",
        "struct commands smtpcommands[] = {":
            "void smtp_auth(arg) char *arg;\n{\n  if (authd) { err_authd(); return; }\n  authenticate(arg);\n}\nstruct commands smtpcommands[] = {",
    ])

    /// A STARTTLS-like patch touching several of the same places, and others.
    static let tlsLike = edited(smtpd, [
        "#include \"commands.h\"": "#include \"commands.h\"\n#include \"tls.h\"\n#include \"ssl_timeoutio.h\"",
        "char *relayclient;": "char *relayclient;\nint tls_started = 0;",
        "out(\"\\r\\n250-PIPELINING\\r\\n250 8BITMIME\\r\\n\");":
            "  out(\"\\r\\n250-PIPELINING\\r\\n250-8BITMIME\\r\\n\");\n  if (!tls_started) out(\"250 STARTTLS\\r\\n\");",
        "if (relayclient) {": "  if (relayclient || tls_verified()) {",
        ", { \"help\", smtp_help, flush }": ", { \"help\", smtp_help, flush }\n, { \"starttls\", smtp_tls, flush_io }",
        "struct commands smtpcommands[] = {":
            "void smtp_tls(arg) char *arg;\n{\n  if (*arg) { out(\"501 Syntax error\\r\\n\"); return; }\n  tls_init();\n}\nstruct commands smtpcommands[] = {",
        "sig_pipeignore();": "  sig_pipeignore();\n  if (env_get(\"SMTPS\")) tls_init();",
        "out(\"250 flushed\\r\\n\");": "  if (tls_started) tls_reset();\n  out(\"250 flushed\\r\\n\");",
    ])

    @Test func authAndStarttlsLikePatchesCollideWhereTheyShouldOnly() throws {
        let report = try Self.conflict("qmail-smtpd.c", base: Self.smtpd, ("auth", Self.authLike), ("tls", Self.tlsLike))
        func at(_ text: String) -> Int { Self.line(text, in: Self.smtpd) }
        func after(_ text: String) -> LineSpan { LineSpan(first: at(text) + 1, count: 0) }
        func only(_ text: String) -> LineSpan { LineSpan(first: at(text), count: 1) }
        let table = LineSpan(first: at("struct commands smtpcommands[] = {"), count: 0)
        let ehlo = only("out(\"\\r\\n250-PIPELINING\\r\\n250 8BITMIME\\r\\n\");")
        let expected = [
            Entry(pair: "auth vs tls", path: "qmail-smtpd.c", place: "at top level",
                  earlier: after("#include \"commands.h\""), later: after("#include \"commands.h\"")),
            Entry(pair: "auth vs tls", path: "qmail-smtpd.c", place: "at top level",
                  earlier: after("char *relayclient;"), later: after("char *relayclient;")),
            Entry(pair: "auth vs tls", path: "qmail-smtpd.c", place: "in smtp_ehlo", earlier: ehlo, later: ehlo),
            Entry(pair: "auth vs tls", path: "qmail-smtpd.c", place: "in smtp_rcpt",
                  earlier: only("if (relayclient) {"), later: only("if (relayclient) {")),
            Entry(pair: "auth vs tls", path: "qmail-smtpd.c", place: "at top level",
                  earlier: table, later: table),
            Entry(pair: "auth vs tls", path: "qmail-smtpd.c", place: "at top level",
                  earlier: after(", { \"help\", smtp_help, flush }"), later: after(", { \"help\", smtp_help, flush }")),
        ]
        #expect(Self.entries(report) == expected, "\(Self.entries(report))")
        #expect(Self.markerCount(report.files[0]) == expected.count)
        // The changes of one side only (smtp_mail, smtp_rset, main) merge and are not listed.
        for clean in ["smtp_mail", "smtp_rset", "main"] {
            #expect(!report.description.contains("in \(clean)"))
        }
        #expect(report.collidesWith == ["auth"])
    }

    /// Random small three-way merges: the regions computed from the change blocks
    /// are exactly the conflict regions of git's own merge, in number and in the
    /// base lines they replace.
    @Test func regionsAgreeWithGitsMergeOnRandomEdits() throws {
        var random = SplitMix64(seed: 0x5EED_C0DE)
        for round in 0..<400 {
            let count = 4 + random.below(20)
            let ancestor = (0..<count).map { "l\($0)\n" }
            func side(_ tag: String) -> [String] {
                var lines: [String] = []
                for (index, line) in ancestor.enumerated() {
                    switch random.below(10) {
                    case 0: continue
                    case 1: lines.append("\(tag)\(index)\n")
                    case 2: lines += [line, "new\(random.below(2))\n"]
                    case 3: lines.append("same\(index)\n")
                    default: lines.append(line)
                    }
                }
                return lines
            }
            let ours = side("o"), theirs = side("t")
            let bytes = { (lines: [String]) in Array(lines.joined().utf8) }
            let merged = try FileMerge.threeWay(ancestor: bytes(ancestor), ours: bytes(ours), theirs: bytes(theirs))
            let regions = MergeRegions.conflicts(
                ancestorCount: ancestor.count,
                ours: try LineChanges.between(bytes(ancestor), bytes(ours)), oursLines: ours,
                theirs: try LineChanges.between(bytes(ancestor), bytes(theirs)), theirsLines: theirs)
            #expect(regions.count == merged.conflictCount, "round \(round)")
            let text = String(decoding: merged.contents ?? [], as: UTF8.self)
            let gitBases = Self.baseSections(text)
            #expect(regions.map { ancestor[$0.base].joined() } == gitBases, "round \(round)")
            #expect(regions.map { ours[$0.ours].joined() + "|" + theirs[$0.theirs].joined() } == Self.sideSections(text),
                    "round \(round)")
        }
    }

    /// The `||||||| base` sections of diff3 output.
    static func baseSections(_ text: String) -> [String] {
        sections(text, from: "|||||||", to: "=======")
    }

    /// `ours|theirs` of each conflict of diff3 output.
    static func sideSections(_ text: String) -> [String] {
        zip(sections(text, from: "<<<<<<<", to: "|||||||"), sections(text, from: "=======", to: ">>>>>>>")).map { $0 + "|" + $1 }
    }

    static func sections(_ text: String, from start: String, to end: String) -> [String] {
        var found: [String] = []
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(end), let section = current {
                found.append(section)
                current = nil
            } else if line.hasPrefix(start) {
                current = ""
            } else if current != nil {
                current! += String(line) + "\n"
            }
        }
        return found
    }
}
