import Crypto
import Foundation

/// The suite's checkpassword program. `args: checkpassword` in a scenario
/// names it; the reference target runs `verdict(for:)` in process and a build
/// target runs `shellScript`, which decides the same way.
///
/// Accounts: `alice`, and `alice@example.com` (a login that is an address,
/// as vpopmail's are: eMPF takes it as the sender's identity), each with
/// password `secret`, succeed (LOGIN, PLAIN, and CRAM-MD5 where the password
/// field is the hex HMAC-MD5 of the challenge); user `crash` kills the
/// program with a signal; everything else fails.
public enum CheckPasswordStandIn {
    /// The word scenarios write in `args:`.
    public static let argumentName = "checkpassword"
    public static let user = "alice"
    /// The second account, a login in the form of an address of example.com.
    public static let addressUser = "alice@example.com"
    public static let password = "secret"

    /// How the program ends for a `user\0password\0timestamp\0` payload.
    public static func exitsSuccessfully(payload: [UInt8]) -> Bool? {
        let fields = payload.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
        guard fields.count >= 3 else { return false }
        let (user, secret, timestamp) = (fields[0], fields[1], fields[2])
        if user == Array("crash".utf8) { return nil }
        guard user == Array(Self.user.utf8) || user == Array(addressUser.utf8) else { return false }
        if timestamp.isEmpty { return secret == Array(password.utf8) }
        return secret == Array(cramDigest(challenge: timestamp, password: password).utf8)
    }

    /// The lower-case hex HMAC-MD5 of `challenge` keyed with `password`.
    public static func cramDigest(challenge: [UInt8], password: String) -> String {
        HMAC<Insecure.MD5>.authenticationCode(for: challenge, using: SymmetricKey(data: Array(password.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }

    /// Shell lines that read checkpassword's fd 3 (user, password, timestamp,
    /// each NUL-ended) into $user, $pass and $stamp with one `tr` and the
    /// shell's own `read`: the suite runs these scripts hundreds of times.
    static let readPayload = """
        { IFS= read -r user; IFS= read -r pass; IFS= read -r stamp; } <<PAYLOAD
        $(tr '\\000' '\\n' <&3)
        PAYLOAD
        """

    /// The same rules as a POSIX shell script (needs `openssl` for CRAM-MD5).
    /// Further arguments are exec'd on success, as checkpassword does.
    public static let shellScript = """
        #!/bin/sh
        # qmailkit conformance: checkpassword stand-in (alice or alice@example.com with
        # password secret; user crash is killed)
        \(readPayload)
        [ "$user" = crash ] && kill -9 $$
        [ "$user" = \(user) ] || [ "$user" = \(addressUser) ] || exit 1
        if [ -n "$stamp" ]; then
          want=$(printf '%s' "$stamp" | openssl dgst -md5 -hmac \(password) | sed 's/^.* //')
        else
          want=\(password)
        fi
        [ "$pass" = "$want" ] || exit 1
        [ $# -gt 0 ] && exec "$@"
        exit 0

        """
}

/// A site's own checkpassword program (vchkpw, a PAM- or Dovecot-backed
/// one, …) and one account it accepts, for running the AUTH scenarios
/// through it. The scenarios keep the stand-in's accounts; `adapterScript`
/// sits between qmail-smtpd and the program and turns a stand-in login that
/// would succeed into `user` and `password` (for CRAM-MD5, the digest of the
/// challenge with `password`), passes any other login on unchanged (so a
/// wrong password stays wrong) and keeps the stand-in's `crash` account.
/// The verdict is the site program's: qmail-smtpd sees its exit status and
/// what it runs on success.
public struct SiteCheckProgram: Sendable {
    /// The program and its arguments, as qmail-smtpd would be given them.
    public var command: [String]
    public var user: String
    public var password: String

    public init(command: [String], user: String, password: String) {
        self.command = command
        self.user = user
        self.password = password
    }

    /// The adapter, a POSIX shell script (needs `openssl` for CRAM-MD5).
    public var adapterScript: String {
        """
        #!/bin/sh
        # qmailkit conformance: the stand-in's logins turned into a site account for \(Self.quoted(command[0]))
        \(CheckPasswordStandIn.readPayload)
        [ "$user" = crash ] && kill -9 $$
        if [ "$user" = \(CheckPasswordStandIn.user) ] || [ "$user" = \(CheckPasswordStandIn.addressUser) ]; then
          if [ -n "$stamp" ]; then
            want=$(printf '%s' "$stamp" | openssl dgst -md5 -hmac \(CheckPasswordStandIn.password) | sed 's/^.* //')
            [ "$pass" = "$want" ] && pass=$(printf '%s' "$stamp" | openssl dgst -md5 -hmac \(Self.quoted(password)) | sed 's/^.* //')
          else
            [ "$pass" = \(CheckPasswordStandIn.password) ] && pass=\(Self.quoted(password))
          fi
          user=\(Self.quoted(user))
        fi
        printf '%s\\000%s\\000%s\\000' "$user" "$pass" "$stamp" | \(command.map(Self.quoted).joined(separator: " ")) "$@" 3<&0 </dev/null
        
        """
    }

    /// `text` as one single-quoted shell word.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
