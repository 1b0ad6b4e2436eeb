/// The tls feature's STARTTLS command (docs/tls.md#starttls-command).
///
/// Project rules (docs/tls.md#starttls-command): while TLS is active STARTTLS is unknown
/// (502) whatever its argument; trailing spaces are not an argument.
///
/// As tls.patch does after every handshake that asked for a client
/// certificate (control/clientca.pem exists): a certificate verified by the
/// transport relays, like an empty RELAYCLIENT, when one of its e-mail
/// addresses is listed in control/tlsclients (compared case-insensitively,
/// as qmail's constmap does); an unreadable tlsclients is `421 unable to
/// read controls` and exit, even without a certificate.
extension SMTPSession {
    mutating func startTLS(_ argument: ArraySlice<UInt8>, _ actions: inout [Action]) {
        if tlsCipher != nil {
            out("502 unimplemented (#5.5.1)\r\n", &actions)
        } else if !argument.isEmpty {
            out("501 Syntax error (no parameters allowed) (#5.5.4)\r\n", &actions)
        } else {
            switch configuration.serverCertificate {
            case .missing(let reason):
                out("454 TLS missing certificate: \(reason) (#4.3.0)\r\n", &actions)
            case .unusable(let reason):
                out("454 TLS \(reason) (#4.3.0)\r\n", &actions)
            case .usable:
                out("220 ready for tls\r\n", &actions)
                output.flush(into: &actions)
                // CVE-2011-0411: nothing sent in clear after STARTTLS survives.
                inputIndex = input.count
                line.removeAll()
                waiting = .tls(beforeGreeting: false)
                actions.append(.startTLS)
                return
            }
        }
        output.flush(into: &actions)
    }
}
