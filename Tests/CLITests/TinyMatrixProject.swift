import Foundation
import TestSupport

/// A project for `qmailkit matrix` that builds in a second: its base is a
/// tiny SMTP greeter with qmail's build interface (Makefile with `it`,
/// conf-qmail, conf-cc and conf-ld read by make, conf-users, qmail-smtpd.c), its recipe has the
/// features liberal-lf and maxrcpt, each patch changing one reply, and its
/// scenarios/ has one stock scenario and one per feature. `noopReply` is what
/// the liberal-lf patch makes NOOP answer; its scenario wants `250 liberal`.
struct TinyMatrixProject {
    let tiny: TinyProject

    static let makefile = """
        it: qmail-smtpd qmail-remote

        auto_qmail.h: conf-qmail
        \techo "#define AUTO_QMAIL \\"`head -1 conf-qmail`\\"" > auto_qmail.h

        qmail-smtpd.o: qmail-smtpd.c auto_qmail.h help.h noop.h conf-cc
        \teval "`head -1 conf-cc` -c qmail-smtpd.c"

        qmail-smtpd: qmail-smtpd.o conf-ld
        \teval "`head -1 conf-ld` -o qmail-smtpd qmail-smtpd.o"

        qmail-remote.o: qmail-remote.c conf-cc
        \teval "`head -1 conf-cc` -c qmail-remote.c"

        qmail-remote: qmail-remote.o conf-ld
        \teval "`head -1 conf-ld` -o qmail-remote qmail-remote.o"

        """

    /// Greets with control/me of the home compiled in, answers HELP and
    /// NOOP from help.h and noop.h, QUIT with 221, anything else with 502.
    static let smtpd = """
        #include <stdio.h>
        #include <string.h>
        #include <unistd.h>
        #include "auto_qmail.h"
        #include "help.h"
        #include "noop.h"

        static void reply(const char *text)
        {
          printf("%s\\r\\n", text);
          fflush(stdout);
        }

        int main(void)
        {
          char me[256];
          char line[1024];
          size_t len;
          FILE *file;

          if (chdir(AUTO_QMAIL) == -1) return 111;
          file = fopen("control/me", "r");
          if (!file || !fgets(me, sizeof me, file)) return 111;
          fclose(file);
          len = strlen(me);
          while (len && (me[len - 1] == '\\n' || me[len - 1] == '\\r')) me[--len] = 0;
          printf("220 %s ESMTP\\r\\n", me);
          fflush(stdout);
          while (fgets(line, sizeof line, stdin)) {
            if (!strncmp(line, "QUIT", 4)) { printf("221 %s\\r\\n", me); fflush(stdout); return 0; }
            if (!strncmp(line, "HELP", 4)) { reply(HELP_REPLY); continue; }
            if (!strncmp(line, "NOOP", 4)) { reply(NOOP_REPLY); continue; }
            reply("502 unimplemented (#5.5.1)");
          }
          return 0;
        }

        """

    static let scenarios = """
        name: tiny-quit
        < 220 mail.example.org ESMTP
        > QUIT
        < 221 mail.example.org

        name: tiny-help-stock
        features: !maxrcpt
        < 220 mail.example.org ESMTP
        > HELP
        < 502 unimplemented (#5.5.1)

        name: tiny-help
        features: maxrcpt
        < 220 mail.example.org ESMTP
        > HELP
        < 214 maxrcpt

        name: tiny-noop
        features: liberal-lf
        < 220 mail.example.org ESMTP
        > NOOP
        < 250 liberal

        """

    static let whole = ["stock", "liberal-lf", "maxrcpt", "liberal-lf+maxrcpt"]

    init(noopReply: String = "250 liberal") throws {
        tiny = try TinyProject(files: [
            "Makefile": Self.makefile,
            "conf-qmail": "/var/qmail\n",
            "conf-cc": "cc -O2\n",
            "conf-ld": "cc -s\n",
            "conf-users": "alias\nqmaild\n",
            "qmail-smtpd.c": Self.smtpd,
            "qmail-remote.c": "int main(void) { return 0; }\n",
            "help.h": "#define HELP_REPLY \"502 unimplemented (#5.5.1)\"\n",
            "noop.h": "#define NOOP_REPLY \"502 unimplemented (#5.5.1)\"\n",
        ])
        try patch("maxrcpt", file: "help.h", from: "#define HELP_REPLY \"502 unimplemented (#5.5.1)\"",
                  to: "#define HELP_REPLY \"214 maxrcpt\"")
        try patch("liberal-lf", file: "noop.h", from: "#define NOOP_REPLY \"502 unimplemented (#5.5.1)\"",
                  to: "#define NOOP_REPLY \"\(noopReply)\"")
        try tiny.write("recipes/combined.yaml", "name: combined\nbase: tiny-1.0\npatches: [liberal-lf, maxrcpt]\n")
        try tiny.write("scenarios/tiny.scn", Self.scenarios)
        let seeded = try tiny.qmailkit(["fetch", "tiny-1.0", "--from", tiny.tarball.path, "--cache-only", "-q"])
        guard seeded.status == 0 else { throw SetupFailed(description: seeded.stderr) }
    }

    struct SetupFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// A one-line change of `file` as the patch of `feature`.
    private func patch(_ feature: String, file: String, from old: String, to new: String) throws {
        try tiny.write("patches/\(feature).patch", """
            Description: \(feature) for the tiny greeter
            Feature: \(feature)
            Base: tiny-1.0
            ---
            diff --git a/\(file) b/\(file)
            --- a/\(file)
            +++ b/\(file)
            @@ -1 +1 @@
            -\(old)
            +\(new)

            """)
    }

    var root: URL { tiny.root }

    func qmailkit(_ arguments: [String]) throws -> CLIResult { try tiny.qmailkit(arguments) }

    func remove() { tiny.remove() }
}
