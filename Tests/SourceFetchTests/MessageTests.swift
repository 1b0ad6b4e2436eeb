import Foundation
import Testing
@testable import SourceFetch
import TestSupport

@Suite("Failure messages say what happened", .ownThread)
struct MessageTests {
    @Test("timeouts name the phase and the configured duration")
    func timeouts() {
        #expect(MirrorFailure.timedOut(.connect, after: .seconds(20)).description == "no response within 20 s")
        #expect(MirrorFailure.timedOut(.idle, after: .milliseconds(1500)).description
            == "no data for 1.5 s during the download")
    }

    @Test("HTTP failures carry the status")
    func status() {
        #expect(MirrorFailure.httpStatus(503).description.contains("503"))
    }

    @Test("size problems carry both sizes")
    func sizes() {
        let file = URL(fileURLWithPath: "/tmp/x.tar.gz")
        let message = FetchError.sizeMismatch(source: "netqmail-1.06", file: file, expected: 260_941, actual: 1000).description
        #expect(message.contains("260941"))
        #expect(message.contains("1000 bytes"))
        #expect(message.contains("not cached"))
    }
}
