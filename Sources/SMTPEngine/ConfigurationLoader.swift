#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a `SessionConfiguration` from a qmail home directory and an
/// environment, reading `control/…` with qmail's rules. The only file of the
/// engine that does I/O; everything it reads is interpreted by pure code.
public enum ConfigurationLoader {
    /// A control file existed but could not be read. qmail answers this with
    /// `421 unable to read controls (#4.3.0)`
    /// (`SMTPSession.actions(for: .unreadableControls)`).
    public struct UnreadableControl: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot read \(path): \(reason); fix its permissions or remove it" }
    }

    /// Reads every control file qmail-smtpd and the selected features use,
    /// once (qmail reads them per connection). Cost: a handful of small file
    /// reads; morercpthosts.cdb is read whole.
    /// - Parameters:
    ///   - readFile: how a control file is read (whole; nil if it does not
    ///     exist): `readFile(_:)`, or a server's cache in front of it.
    ///   - qmailHome: the directory holding `control/` (normally /var/qmail).
    ///   - controlDirectory: where the control files are, if not `qmailHome/control`.
    ///   - environment: the process environment of the session.
    ///   - checkProgram: argv after the program name (auth).
    ///   - localAddresses: the ipme list; see `localInterfaceAddresses()`.
    public static func load(qmailHome: String, controlDirectory: String? = nil,
                            environment: [String: String], checkProgram: [String] = [],
                            features: Features, flavour: Flavour = .netqmail,
                            localAddresses: Set<IPv4Address>, memoryLimit: Int = 1 << 20,
                            processID: Int, clock: @escaping @Sendable () -> Int64,
                            readFile: (String) throws -> [UInt8]? = ConfigurationLoader.readFile) throws -> SessionConfiguration {
        let controls = controlDirectory ?? qmailHome + "/control"
        func control(_ name: String) throws -> [UInt8]? { try readFile(controls + "/" + name) }
        func line(_ name: String) throws -> [UInt8]? { try control(name).map(ControlFileRules.firstLine) }
        func number(_ name: String) throws -> UInt64? { try control(name).flatMap(ControlFileRules.leadingNumber) }

        let me = try line("me")
        var configuration = SessionConfiguration(
            me: me, smtpGreeting: try line("smtpgreeting"), localIPHost: try line("localiphost"),
            timeoutSMTPD: try number("timeoutsmtpd"), controlDatabytes: try number("databytes"),
            badMailFrom: try control("badmailfrom").map(ControlFileRules.list),
            environment: SessionEnvironment(environment), checkProgram: checkProgram,
            features: features, flavour: flavour, localAddresses: localAddresses,
            memoryLimit: memoryLimit, processID: processID, clock: clock)
        if let rcpthosts = try control("rcpthosts") {
            let more = try control("morercpthosts.cdb").map(ConstantDatabase.init(bytes:))
            configuration.recipientHosts = RecipientHosts(entries: ControlFileRules.list(rcpthosts), moreHosts: more)
        }
        if features.contains(.maxRecipients) {
            configuration.maxRecipients = try number("maxrcpt")
        }
        if features.contains(.empf) {
            do {
                configuration.policy = try control("policy").map(PolicySource.text) ?? .absent
            } catch {
                configuration.policy = .unreadable
            }
        }
        if features.contains(.tls) {
            do {
                configuration.tlsClients = try control("tlsclients").map { .listed(ControlFileRules.list($0)) } ?? .absent
            } catch {
                configuration.tlsClients = .unreadable
            }
            do {
                if try control("servercert.pem") == nil {
                    configuration.serverCertificate = .missing(reason: "control/servercert.pem does not exist")
                }
                else { configuration.serverCertificate = .usable }
            } catch let error as UnreadableControl {
                configuration.serverCertificate = .unusable(reason: "cannot read control/servercert.pem: \(error.reason)")
            }
        }
        return configuration
    }

    /// The IPv4 addresses of this host's interfaces plus 0.0.0.0 (ipme).
    /// Throws if the interface list cannot be read (qmail's `421 unable to
    /// figure out my IP addresses`).
    public static func localInterfaceAddresses() throws -> Set<IPv4Address> {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else {
            throw UnreadableControl(path: "network interfaces", reason: String(cString: strerror(errno)))
        }
        defer { freeifaddrs(list) }
        var addresses: Set<IPv4Address> = [.any]
        var cursor = list
        while let entry = cursor {
            if let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) {
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
                    let raw = UInt32(bigEndian: inet.pointee.sin_addr.s_addr)
                    addresses.insert(IPv4Address(UInt8(raw >> 24), UInt8(raw >> 16 & 0xFF),
                                                 UInt8(raw >> 8 & 0xFF), UInt8(raw & 0xFF)))
                }
            }
            cursor = entry.pointee.ifa_next
        }
        return addresses
    }

    /// The whole file, `nil` if it does not exist, an error otherwise.
    public static func readFile(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        if fd == -1 {
            if errno == ENOENT { return nil }
            throw UnreadableControl(path: path, reason: String(cString: strerror(errno)))
        }
        defer { _ = close(fd) }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return contents }
            if count < 0 {
                if errno == EINTR { continue }
                throw UnreadableControl(path: path, reason: String(cString: strerror(errno)))
            }
            contents += buffer[0..<count]
        }
    }
}
