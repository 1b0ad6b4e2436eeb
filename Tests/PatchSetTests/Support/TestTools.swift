import Conformance
import Foundation
import RealBuildSupport

/// Stand-ins the real binaries call, written once per process into the scratch folder.
enum TestTools {
    /// Users the checkpassword stand-in accepts (user → password).
    static let users = ["joe": "secret", "tim": "tanstaaftanstaaf"]

    /// `QMAILQUEUE` program: stores the message (fd 0) and the envelope (fd 1) as
    /// `NNN.msg` / `NNN.env` in `$CAPDIR`.
    static let captureQueue: URL = install("capture-queue", """
        #!/bin/sh
        d="$CAPDIR"
        n=$(printf '%03d' "$(ls "$d" | grep -c '\\.env$')")
        cat > "$d/$n.part" || exit 53
        cat <&1 > "$d/$n.envpart" || exit 54
        mv "$d/$n.part" "$d/$n.msg" && mv "$d/$n.envpart" "$d/$n.env"

        """)

    /// checkpassword stand-in: reads `user\\0password\\0timestamp\\0` from fd 3, appends
    /// the raw bytes (plus a newline) to `$CHECKLOG` if set, accepts the users above
    /// (plain password, or for CRAM-MD5 the HMAC-MD5 hex digest of the timestamp),
    /// crashes for user `crash`, exits 111 for `temp`, then execs its arguments.
    static let checkpassword: URL = install("checkpassword", """
        #!/usr/bin/python3
        import os, sys, hmac, hashlib, signal
        USERS = {\(users.sorted { $0.key < $1.key }.map { "b\"\($0.key)\": b\"\($0.value)\"" }.joined(separator: ", "))}
        data = b""
        while True:
            chunk = os.read(3, 4096)
            if not chunk:
                break
            data += chunk
        fields = data.split(b"\\0")
        user, password, stamp = fields[0], fields[1], fields[2]
        if os.environ.get("CHECKLOG"):
            with open(os.environ["CHECKLOG"], "ab") as log:
                log.write(data + b"\\n")
        if user == b"crash":
            os.kill(os.getpid(), signal.SIGSEGV)
        if user == b"temp":
            sys.exit(111)
        secret = USERS.get(user)
        if secret is None:
            sys.exit(1)
        if stamp:
            good = hmac.new(secret, stamp, hashlib.md5).hexdigest().encode() == password
        else:
            good = secret == password
        if not good:
            sys.exit(1)
        os.execv(sys.argv[1], sys.argv[1:])

        """)

    /// The check program invocation every AUTH session uses: stand-in, then `/bin/true`.
    static var checkArguments: [String] { [checkpassword.path, "/bin/true"] }

    private static func install(_ name: String, _ text: String) -> URL {
        let url = Scratch.root.appendingPathComponent("tools/\(name)")
        do {
            try Scratch.write(text, to: url, mode: 0o755)
        } catch {
            fatalError("cannot write the test tool \(url.path): \(error)")
        }
        return url
    }
}

/// One message handed to the capture queue program.
struct CapturedMessage: Sendable {
    var message: [UInt8]
    var envelope: [UInt8]

    var text: String { String(decoding: message, as: UTF8.self) }
    var envelopeText: String { String(decoding: envelope, as: UTF8.self) }

    /// Every message in `directory`, in the order they were queued.
    static func all(in directory: URL) throws -> [CapturedMessage] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".env") }.sorted()
        return try names.map { name in
            let stem = directory.appendingPathComponent(String(name.dropLast(4)))
            return CapturedMessage(message: [UInt8](try Data(contentsOf: stem.appendingPathExtension("msg"))),
                                   envelope: [UInt8](try Data(contentsOf: stem.appendingPathExtension("env"))))
        }
    }
}

/// SMTP AUTH encodings used by the dialogues.
enum AuthText {
    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// The CRAM-MD5 answer to a `334 <challenge>` line: base64("user hexdigest").
    static func cramAnswer(user: String, password: String, challengeLine: String) throws -> String {
        let encoded = String(challengeLine.dropFirst(4))
        guard let challenge = Data(base64Encoded: encoded) else {
            throw HarnessError("CRAM-MD5 challenge is not base64: \(challengeLine)")
        }
        let digest = CheckPasswordStandIn.cramDigest(challenge: [UInt8](challenge), password: password)
        return base64("\(user) \(digest)")
    }
}
