import Foundation
import RealBuildSupport

/// A white-box probe of the empf patch's decision: a small C driver of ours calls
/// `policy_check` (`policy.o` of a sandbox build, linked with `rcpthosts.o` and the
/// qmail libraries qmail-smtpd links them with) for many sender/recipient pairs at
/// once, with `control/policy` and `control/rcpthosts` of a scratch home, so the C
/// verdict can be compared with the reference engine's without an SMTP session each.
///
/// Cost: compiling and linking the driver, once per build and process; then one
/// short process run per policy file (the patch reads control/policy once per process).
struct EmpfVerdictCheck: Sendable {
    enum Verdict: String, Equatable, Sendable {
        case allow, deny, broken
    }

    /// One question: may `sender` send to `recipient`, the client authenticated (trusted) or not?
    struct Query: Sendable, CustomStringConvertible {
        var sender: String
        var recipient: String
        var authenticated: Bool

        var description: String {
            "\(sender.debugDescription) → \(recipient.debugDescription) \(authenticated ? "authenticated" : "unauthenticated")"
        }
    }

    let driver: URL

    /// The driver linked against `build`'s objects (made once per build and process).
    static func compiled(for build: PatchedBuild) throws -> EmpfVerdictCheck {
        EmpfVerdictCheck(driver: try program.executable(for: build))
    }

    /// The C verdicts for `queries` under `policy` (nil: no control/policy) and `rcpthosts`, in order.
    /// Addresses must not hold a tab, a newline or a NUL (the driver's line format).
    func verdicts(policy: String?, rcpthosts: String, _ queries: [Query]) throws -> [Verdict] {
        let home = try Scratch.directory("empf-verdict-home")
        try Scratch.write(rcpthosts, to: home.appendingPathComponent("control/rcpthosts"))
        if let policy { try Scratch.write(policy, to: home.appendingPathComponent("control/policy")) }
        defer { try? FileManager.default.removeItem(at: home) }
        var input: [UInt8] = []
        for query in queries {
            for address in [query.sender, query.recipient]
            where address.utf8.contains(where: { $0 == 9 || $0 == 10 || $0 == 0 }) {
                throw HarnessError("empf-verdict: \(address.debugDescription) holds a tab, newline or NUL")
            }
            input += Array("\(query.sender)\t\(query.recipient)\t\(query.authenticated ? 1 : 0)\n".utf8)
        }
        let run = try ProgramRun.run([driver.path, home.path], stdin: input, timeout: 60)
        guard run.status == 0 else {
            throw HarnessError("empf-verdict exited \(run.status): \(run.errorOutput)")
        }
        let lines = run.output.split(separator: "\n").map(String.init)
        let verdicts = lines.compactMap(Verdict.init(rawValue:))
        guard verdicts.count == queries.count, lines.count == queries.count else {
            throw HarnessError("empf-verdict answered \(lines) to \(queries.count) queries; stderr: \(run.errorOutput)")
        }
        return verdicts
    }

    /// Linked with what qmail-smtpd links besides its own objects, as far as policy.o and rcpthosts.o need it.
    private static let program = CDriver(name: "empf-verdict", source: source, linkedObjects: [
        "policy.o", "rcpthosts.o", "control.o", "constmap.o", "cdb.a", "getln.a", "open.a", "case.a", "env.a",
        "stralloc.a", "alloc.a", "substdio.a", "error.a", "str.a", "fs.a",
    ])

    /// usage: empf-verdict HOME. Each stdin line is `sender TAB recipient TAB 0|1`
    /// (1: authenticated); each stdout line is `allow`, `deny` or `broken`.
    /// Exit 2: the driver could not run the check.
    private static let source = #"""
        #include <stdio.h>
        #include <string.h>
        #include <unistd.h>
        #include "policy.h"
        #include "rcpthosts.h"

        int main(int argc, char **argv)
        {
          static char line[8192];
          char *sender;
          char *recipient;
          char *flag;
          char *end;

          if (argc != 2) { fprintf(stderr, "usage: empf-verdict home\n"); return 2; }
          if (chdir(argv[1]) == -1) { perror(argv[1]); return 2; }
          if (rcpthosts_init() == -1) { fprintf(stderr, "cannot read control/rcpthosts\n"); return 2; }
          while (fgets(line, sizeof line, stdin)) {
            end = strchr(line, '\n');
            if (!end) { fprintf(stderr, "line too long\n"); return 2; }
            *end = 0;
            sender = line;
            recipient = strchr(sender, '\t');
            if (!recipient) { fprintf(stderr, "no recipient: %s\n", line); return 2; }
            *recipient++ = 0;
            flag = strchr(recipient, '\t');
            if (!flag) { fprintf(stderr, "no flag: %s\n", recipient); return 2; }
            *flag++ = 0;
            switch (policy_check(sender, recipient, flag[0] == '1')) {
              case 1: puts("allow"); break;
              case 0: puts("deny"); break;
              default: puts("broken"); break;
            }
          }
          return fflush(stdout) == 0 ? 0 : 2;
        }

        """#
}
