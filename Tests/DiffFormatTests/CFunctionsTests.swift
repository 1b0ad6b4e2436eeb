import DiffFormat
import Testing

/// The C function finder on qmail's K&R definitions, ANSI ones, and the things
/// around them that must not be taken for a function.
@Suite struct CFunctionsTests {
    static let source = """
        #include "substdio.h"
        #define BRACE_MACRO(x) { x; } \\
          { more; }

        int timeout = 1200;
        stralloc greeting = {0};
        void die_read() { _exit(1); }
        void smtp_helo(arg) char *arg;
        {
          smtp_greet("250 "); /* { not a brace */
          out("{\\r\\n");
        }

        int main(argc,argv)
        int argc;
        char **argv;
        {
          char c = '{';
        #ifdef TLS
          if (tls) {
        #else
          if (plain) {
        #endif
            go();
          }
        }
        struct commands smtpcommands[] = {
          { "helo", smtp_helo, 0 }
        , { 0, 0, 0 }
        } ;
        static unsigned int
        bytes_left(const char *s, unsigned int n)
        {
          return n; // }
        }
        struct point { int x; int y; };
        void later(void);
        void temp_oserr() { out("Z\\
        System resources temporarily unavailable. (#4.3.0)\\n"); zerodie(); }
        void after() { }
        """

    @Test func findsKAndRAndANSIDefinitionsOnly() {
        let found = CFunctions.definitions(in: Array(Self.source.utf8))
        #expect(found == [
            CFunction(name: "die_read", first: 7, last: 7),
            CFunction(name: "smtp_helo", first: 8, last: 12),
            CFunction(name: "main", first: 14, last: 26),
            CFunction(name: "bytes_left", first: 31, last: 35),
            // A string continued by backslash-newline, as qmail-remote.c writes its messages.
            CFunction(name: "temp_oserr", first: 38, last: 39),
            CFunction(name: "after", first: 40, last: 40),
        ])
    }

    @Test func placesSpansAndInsertionPoints() {
        let functions = [CFunction(name: "smtp_helo", first: 8, last: 12), CFunction(name: "main", first: 14, last: 26)]
        #expect(CFunctions.place(of: LineSpan(first: 10, count: 2), among: functions).description == "in smtp_helo")
        #expect(CFunctions.place(of: LineSpan(first: 5, count: 2), among: functions).description == "at top level")
        #expect(CFunctions.place(of: LineSpan(first: 12, count: 3), among: functions).description
                == "in smtp_helo, main and at top level")
        // Inserted after line 10: inside smtp_helo; after its closing brace (12): top level.
        #expect(CFunctions.place(of: LineSpan(first: 11, count: 0), among: functions).functions == ["smtp_helo"])
        #expect(CFunctions.place(of: LineSpan(first: 13, count: 0), among: functions).description == "at top level")
        // Right before a definition's first line is outside it.
        #expect(CFunctions.place(of: LineSpan(first: 14, count: 0), among: functions).topLevel)
    }

    @Test func spansDescribeThemselves() {
        #expect(LineSpan(first: 120, count: 12).description == "lines 120-131")
        #expect(LineSpan(first: 7, count: 1).description == "line 7")
        #expect(LineSpan(first: 42, count: 0).description == "after line 41")
        #expect(LineSpan(first: 1, count: 0).description == "at the top")
        #expect(LineSpan(first: 5, count: 0).union(LineSpan(first: 3, count: 2)) == LineSpan(first: 3, count: 2))
        #expect(LineSpan(first: 5, count: 1).union(LineSpan(first: 9, count: 0)) == LineSpan(first: 5, count: 4))
    }
}
