/// The tls feature's STARTTLS command (patchset.md).
///
/// Where patchset.md is silent: while TLS is active STARTTLS is unknown
/// (502) whatever its argument; trailing spaces are not an argument. A client
/// certificate verified by the transport relays when its e-mail address is
/// listed in control/tlsclients (compared case-insensitively), like an empty
/// RELAYCLIENT.
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
