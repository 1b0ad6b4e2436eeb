import Foundation

/// A checkpassword stand-in that accepts any user name with the password `secret`,
/// so policy tests can authenticate as addresses such as `joe@edom.test`
/// (the harness's own stand-in knows only bare user names).
enum AnyUserCheckpassword {
    static let password = "secret"

    /// The program, written once per process into the scratch folder.
    static let program: URL = {
        let url = Scratch.root.appendingPathComponent("tools/any-user-checkpassword")
        do {
            try Scratch.write("""
                #!/bin/sh
                # fd 3: user NUL password NUL timestamp NUL
                password=$(tr '\\0' '\\n' <&3 | sed -n 2p)
                [ "$password" = \(password) ] || exit 1
                exec "$@"

                """, to: url, mode: 0o755)
        } catch {
            fatalError("cannot write \(url.path): \(error)")
        }
        return url
    }()

    /// qmail-smtpd's arguments: this check program, then `/bin/true`.
    static var arguments: [String] { [program.path, "/bin/true"] }

    /// `AUTH PLAIN` with the initial response for `user`.
    static func plain(_ user: String, password: String = password) -> String {
        "AUTH PLAIN " + Data(("\0" + user + "\0" + password).utf8).base64EncodedString() + "\r\n"
    }

    /// The environment for AUTH without TLS: LOGIN and PLAIN offered; FORCETLS=0 for builds with forcetls.
    static let environment: [String: String?] = ["SMTPAUTH": "", "FORCETLS": "0"]
}
