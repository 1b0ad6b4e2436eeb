import Glibc

/// Whether this process may listen on a privileged port such as 465, which
/// qmail-remote's SMTPS route always uses. Root may; an ordinary user may not
/// below `net.ipv4.ip_unprivileged_port_start` (1024 by default).
public enum PortPrivilege {
    /// Why this process cannot listen on `port` of 127.0.0.1, or nil when it
    /// can (a port that is merely busy counts as allowed: only EACCES says no).
    public static func refusal(port: Int) -> String? {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { return nil }
        defer { close(socketDescriptor) }
        var yes: Int32 = 1
        setsockopt(socketDescriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound != 0, errno == EACCES else { return nil }
        return "needs port \(port) on 127.0.0.1, which user id \(geteuid()) may not listen on"
            + " (below net.ipv4.ip_unprivileged_port_start); run as root to cover it"
    }
}
