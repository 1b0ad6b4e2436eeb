import Foundation

/// The id of a process that has exited and been reaped: a stand-in for the
/// owner of a leftover from an interrupted run. (The kernel may hand the id
/// out again, but not within the moments a test needs it.)
public func exitedProcessID() throws -> pid_t {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}
