import SMTPServer
import Testing
import TestSupport

/// The cipher suite read from a ServerHello (the Received header's cipher).
@Suite(.ownThread)
struct ServerHelloReaderTests {
    /// A TLS record holding a ServerHello with `sessionID` and `suite`, then
    /// the start of whatever follows (extensions, the next record).
    static func serverHello(sessionID: [UInt8], suite: UInt16) -> [UInt8] {
        let body: [UInt8] = [3, 3] + [UInt8](repeating: 0xAB, count: 32) + [UInt8(sessionID.count)] + sessionID
            + [UInt8(suite >> 8), UInt8(suite & 0xFF), 0, 0, 0]
        let handshake: [UInt8] = [2, 0, 0, UInt8(body.count)] + body
        return [22, 3, 3, 0, UInt8(handshake.count)] + handshake + [20, 3, 3, 0, 1, 1]
    }

    @Test(arguments: [0, 1, 32])
    func readsTheSuiteWhateverTheSessionIDLength(length: Int) {
        let bytes = Self.serverHello(sessionID: [UInt8](repeating: 7, count: length), suite: 0x1302)
        var whole = ServerHelloReader()
        whole.feed(bytes)
        #expect(whole.cipherSuite == 0x1302)
        var byteByByte = ServerHelloReader()
        for byte in bytes {
            #expect(byteByByte.cipherSuite == nil || byteByByte.cipherSuite == 0x1302)
            byteByByte.feed([byte])
        }
        #expect(byteByByte.cipherSuite == 0x1302)
    }

    @Test func anythingButAServerHelloGivesNoSuite() {
        var plaintext = ServerHelloReader()
        plaintext.feed(Array("454 TLS connection failed (#4.3.0)\r\n".utf8))
        #expect(plaintext.cipherSuite == nil)
        var clientHello = ServerHelloReader()
        var bytes = Self.serverHello(sessionID: [], suite: 0x1301)
        bytes[5] = 1
        clientHello.feed(bytes)
        #expect(clientHello.cipherSuite == nil)
        // Once given up, a later ServerHello does not count.
        plaintext.feed(Self.serverHello(sessionID: [], suite: 0x1301))
        #expect(plaintext.cipherSuite == nil)
    }

    @Test func namesAreOpenSSLs() {
        #expect(CipherSuiteName.openSSL(0x1302) == "TLS_AES_256_GCM_SHA384")
        #expect(CipherSuiteName.openSSL(0xC02B) == "ECDHE-ECDSA-AES128-GCM-SHA256")
        #expect(CipherSuiteName.openSSL(0xFFFF) == nil)
    }
}
