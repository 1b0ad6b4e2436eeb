import Foundation
import Testing
import TestSupport
import RealBuildSupport

/// Third-party clients against the real daemons: swaks over `--pipe` and Python's
/// smtplib over a socketpair.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree, tlsTools, checkpasswordTool)
struct InteropTests {
    static let swaks = ProgramRun.which("swaks")
    static let python = ProgramRun.which("python3")

    /// swaks's `--pipe` command: perl restores SIGCHLD (swaks ignores it, and an
    /// ignored SIGCHLD survives exec; docs/tooling.md#sigchld-pitfall), then env runs qmail-smtpd.
    static func pipeCommand(_ build: PatchedBuild, capture: URL) -> String {
        "perl -e '$SIG{CHLD}=\"DEFAULT\"; exec @ARGV' env SMTPAUTH=+cram AUTHSLEEP=0 "
            + "QMAILQUEUE=\(TestTools.captureQueue.path) CAPDIR=\(capture.path) TCPLOCALHOST=mail.example.org "
            + "TCPREMOTEIP=127.0.0.1 \(build.smtpd.path) \(TestTools.checkArguments.joined(separator: " "))"
    }

    @Test(.enabled(if: swaks != nil, "needs swaks"), arguments: [["auth", "tls"], ["forcetls"]])
    func swaksWithTLSAndEachAuthMechanism(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let pki = try PKI.get()
        let capture = try Scratch.directory("swaks")
        try await build.withControl(["servercert.pem": try pki.text(pki.serverRSA)]) {
            func swaks(_ mechanism: String, password: String = "secret", tls: Bool = true) throws -> ProgramRun {
                try ProgramRun.run([Self.swaks!, "--pipe", Self.pipeCommand(build, capture: capture), "--to", "x@other.test",
                                    "--from", "joe@example.org", "--auth", mechanism, "--auth-user", "joe",
                                    "--auth-password", password, "--hide-all"] + (tls ? ["--tls"] : []))
            }
            for mechanism in ["CRAM-MD5", "LOGIN", "PLAIN"] {
                let run = try swaks(mechanism)
                #expect(run.status == 0, "swaks --tls --auth \(mechanism): exit \(run.status) \(run.output) \(run.errorOutput)")
            }
            let wrong = try swaks("PLAIN", password: "wrong")
            #expect(wrong.status == 28, "swaks with a wrong password: exit \(wrong.status), 28 expected (AUTH failed)")
            if build.features.contains("forcetls") {
                let clear = try swaks("PLAIN", tls: false)
                #expect(clear.status == 28, "swaks AUTH without TLS under forcetls: exit \(clear.status), 28 expected")
            }
        }
        let messages = try CapturedMessage.all(in: capture)
        #expect(messages.count == 3 && messages.allSatisfy { $0.text.contains("with ESMTPSA (") },
                "three messages relayed after STARTTLS + AUTH: \(messages.map(\.text))")
    }

    static let smtplibScript = """
        import json, smtplib, socket, ssl, subprocess, sys
        config = json.loads(sys.argv[1])
        context = ssl.create_default_context(cafile=config["ca"])

        def pair(timeout, smtps=False):
            ours, theirs = socket.socketpair()
            env = dict(config["env"], **({"SMTPS": "1"} if smtps else {}))
            subprocess.Popen(config["argv"], stdin=theirs, stdout=theirs, env=env)
            theirs.close()
            ours.settimeout(timeout)
            return ours

        class PairSMTP(smtplib.SMTP):
            def _get_socket(self, host, port, timeout):
                return pair(timeout)

        class PairSMTPS(smtplib.SMTP_SSL):
            def _get_socket(self, host, port, timeout):
                return self.context.wrap_socket(pair(timeout, smtps=True), server_hostname=self._host)

        for mechanism in ("CRAM-MD5", "PLAIN", "LOGIN"):
            client = PairSMTP("mail.example.org", 25, local_hostname="client.test", timeout=10)
            client.ehlo()
            if config["forced"] and client.has_extn("auth"):
                sys.exit("AUTH advertised before TLS under forcetls")
            client.starttls(context=context)
            client.ehlo()
            client.user, client.password = "joe", "secret"
            method = getattr(client, "auth_" + mechanism.lower().replace("-", "_"))
            code, text = client.auth(mechanism, method, initial_response_ok=(mechanism != "LOGIN"))
            if code != 235:
                sys.exit("AUTH %s: %d %r" % (mechanism, code, text))
            refused = client.sendmail("joe@example.org", ["x@other.test"], "Subject: smtplib %s\\r\\n\\r\\nhi\\r\\n" % mechanism)
            if refused:
                sys.exit("refused: %r" % refused)
            client.quit()
        client = PairSMTPS("mail.example.org", 465, context=context, timeout=10)
        client.login("joe", "secret")
        client.sendmail("joe@example.org", ["x@other.test"], "Subject: smtplib smtps\\r\\n\\r\\nhi\\r\\n")
        client.quit()

        """

    @Test(.enabled(if: python != nil, "needs python3"), arguments: [["auth", "tls"], ["forcetls"]])
    func pythonSmtplibStartTLSAuthAndSMTPS(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let pki = try PKI.get()
        let folder = try Scratch.directory("smtplib")
        let capture = folder.appendingPathComponent("queue")
        try FileManager.default.createDirectory(at: capture, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("client.py")
        try Scratch.write(Self.smtplibScript, to: script)
        let env = ["PATH": "/usr/bin:/bin", "SMTPAUTH": "+cram", "AUTHSLEEP": "0", "QMAILQUEUE": TestTools.captureQueue.path,
                   "CAPDIR": capture.path, "TCPLOCALHOST": "mail.example.org", "TCPREMOTEIP": "127.0.0.1"]
        let config: [String: Any] = ["ca": pki.ca.path, "argv": [build.smtpd.path] + TestTools.checkArguments,
                                     "env": env, "forced": build.features.contains("forcetls")]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        let run = try await build.withControl(["servercert.pem": try pki.text(pki.serverRSA)]) {
            try ProgramRun.run([Self.python!, script.path, json], timeout: 90)
        }
        #expect(run.status == 0, "smtplib: \(run.output) \(run.errorOutput)")
        let subjects = try CapturedMessage.all(in: capture).compactMap { message in
            message.text.split(separator: "\n").first { $0.hasPrefix("Subject: ") }.map(String.init)
        }
        #expect(subjects == ["Subject: smtplib CRAM-MD5", "Subject: smtplib PLAIN", "Subject: smtplib LOGIN", "Subject: smtplib smtps"],
                "messages queued: \(subjects)")
    }
}
