import Foundation
import Testing
import TestSupport
import RealBuildSupport

@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree, checkpasswordTool)
struct HarnessSmokeTests {
    @Test func authBuildGreetsAndQuits() async throws {
        let build = try PatchedBuild.sandbox(features: ["auth"])
        try await build.withControl {
            let session = try SMTPDConnection(build, arguments: TestTools.checkArguments)
            #expect(session.readReply() == ["220 mail.example.org ESMTP"], "\(session.log)")
            #expect(session.command("QUIT\r\n") == ["221 mail.example.org"])
            #expect(session.finish() == 0)
        }
    }
}
