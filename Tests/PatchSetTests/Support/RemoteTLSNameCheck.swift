import Foundation
import RealBuildSupport

/// A white-box probe of qmail-remote's certificate check for one host. Host names
/// reach qmail-remote only through DNS, which the tests do not have, so a small C
/// driver of ours calls the patch's own `remote_tls_policy` and `remote_tls_start`
/// (`remote_tls.o` of a sandbox build, linked with the helpers and `conf-ssl` that
/// qmail-remote links) for any host, over a loopback connection to a
/// ``FakeSMTPServer`` that speaks TLS from the first byte.
///
/// Cost: compiling and linking the driver, once per build and process; then one
/// short process run and one handshake per verdict.
struct RemoteTLSNameCheck: Sendable {
    enum Verdict: Equatable, Sendable, CustomStringConvertible {
        case accepted
        /// remote_tls_start's reason, e.g. `TLS negotiation failed: hostname mismatch`.
        case refused(String)

        var reason: String? {
            if case let .refused(reason) = self { return reason }
            return nil
        }

        var description: String { reason.map { "refused: \($0)" } ?? "accepted" }
    }

    let driver: URL

    /// The driver linked against `build`'s objects (made once per build and process).
    static func compiled(for build: PatchedBuild) throws -> RemoteTLSNameCheck {
        RemoteTLSNameCheck(driver: try program.executable(for: build))
    }

    /// Whether qmail-remote's TLS code accepts `certificate` (chain and key, shown by
    /// the server) for `host`, a name or an IP literal such as `[127.0.0.1]`, with
    /// `control/tlshosts/<host>.pem` (lower case, brackets removed) holding `authority`.
    func verdict(host: String, certificate: URL, authority: URL) throws -> Verdict {
        let home = try Scratch.directory("namecheck-home")
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        try Scratch.write(String(contentsOf: authority, encoding: .utf8),
                          to: home.appendingPathComponent("control/tlshosts/\(bare.lowercased()).pem"))
        let server = try FakeSMTPServer(FakeSMTPServer.Script(tls: TLSSettings(certificate: certificate), smtps: true))
        let run = try ProgramRun.run([driver.path, home.path, host, String(server.port)], timeout: 30)
        let output = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
        switch run.status {
        case 0:
            server.finish()
            return .accepted
        case 1:
            server.finish()
            return .refused(output)
        default:
            throw HarnessError("remote-tls-namecheck \(host) exited \(run.status): \(output) \(run.errorOutput)")
        }
    }

    /// Linked with what qmail-remote links besides its own objects, as far as remote_tls.o needs it.
    private static let program = CDriver(name: "remote-tls-namecheck", source: source, linkedObjects: [
        "remote_tls.o", "tls_io.o", "control.o", "timeoutread.o", "timeoutwrite.o", "ip.o",
        "ndelay.a", "case.a", "open.a", "getln.a", "stralloc.a", "alloc.a", "substdio.a", "error.a", "str.a", "fs.a",
    ], loadFlagsFile: "conf-ssl")

    /// usage: remote-tls-namecheck HOME HOST PORT. Exit 0: accepted; 1: refused, the
    /// reason on stdout; 2: the driver could not run the check.
    private static let source = #"""
        #include <sys/types.h>
        #include <sys/socket.h>
        #include <netinet/in.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>
        #include "remote_tls.h"

        int main(int argc, char **argv)
        {
          struct sockaddr_in sa;
          int policy;
          int fd;
          char *why;

          if (argc != 4) { fprintf(stderr, "usage: remote-tls-namecheck home host port\n"); return 2; }
          if (chdir(argv[1]) == -1) { perror(argv[1]); return 2; }
          policy = remote_tls_policy(argv[2], (unsigned int) strlen(argv[2]));
          if (policy != REMOTE_TLS_MUST) {
            printf("policy %d: control/tlshosts/ has no file for %s\n", policy, argv[2]);
            return 2;
          }
          fd = socket(AF_INET, SOCK_STREAM, 0);
          if (fd == -1) { perror("socket"); return 2; }
          memset(&sa, 0, sizeof sa);
          sa.sin_family = AF_INET;
          sa.sin_port = htons((unsigned short) atoi(argv[3]));
          sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          if (connect(fd, (struct sockaddr *) &sa, sizeof sa) == -1) { perror("connect"); return 2; }
          why = remote_tls_start(fd, 10, policy);
          if (why) { printf("%s\n", why); return 1; }
          printf("accepted\n");
          return 0;
        }

        """#
}
