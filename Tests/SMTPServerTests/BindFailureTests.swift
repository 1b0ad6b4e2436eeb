import Foundation
import SMTPServer
import Testing
import TestSupport

/// A port in use: bind's future fails (and the server's threads go), rather
/// than never completing.
@Suite(.ownThread) struct BindFailureTests {
    @Test func aPortInUseFailsTheBind() async throws {
        let home = try TestHome()
        defer { try? FileManager.default.removeItem(at: home.root) }
        let settings = home.settings(delivery: .memory(MemorySink()))
        try await withServer(settings) { port in
            let completed = DispatchSemaphore(value: 0)
            let outcome = OutcomeBox()
            SMTPServer.bind(host: "127.0.0.1", port: port, settings: settings, threads: 1).whenComplete { result in
                if case .success(let server) = result { try? server.shutdownSynchronously() }
                outcome.failed = (try? result.get()) == nil
                completed.signal()
            }
            #expect(completed.wait(timeout: .now() + 10) == .success, "the second bind never completed")
            #expect(outcome.failed == true)
        }
    }

    private final class OutcomeBox: @unchecked Sendable {
        var failed: Bool?
    }
}
