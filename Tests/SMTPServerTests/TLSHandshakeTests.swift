import Foundation
import NIOCore
import NIOEmbedded
import SMTPEngine
@testable import SMTPServer
import Testing
import TestSupport

/// The TLS handshake on an EmbeddedChannel with the real NIOSSL handler:
/// its timeout on virtual time (docs/tls.md#handshake-timeout) and the
/// reply to a failed one, which names a short reason and nothing internal
/// (docs/tls.md#tls-errors).
@Suite("SMTPServer TLS handshake on virtual time", .ownThread, .enabled(if: hasOpenSSL, "needs openssl for the test certificate"))
struct TLSHandshakeTests {
    static func home() throws -> TestHome {
        try TestHome.withCertificate(controls: ["me": "mx.test.example\n", "timeoutsmtpd": "30\n"])
    }

    /// A session that has said STARTTLS and got its 220; `body` gets it and its log lines.
    static func afterStartTLS(_ body: (EmbeddedSession, LogLines) throws -> Void) throws {
        let home = try Self.home()
        defer { home.remove() }
        let lines = LogLines()
        let session = try EmbeddedSession(home, features: [.tls], log: lines.append)
        try session.send("STARTTLS\r\n")
        #expect(try session.replies() == "220 ready for tls\r\n")
        try body(session, lines)
    }

    @Test("a client silent after 220 ready for tls gets 454 timeout once timeoutsmtpd has passed")
    func silentAfterStartTLS() throws {
        try Self.afterStartTLS { session, lines throws in
            #expect(try session.expectClosed(after: 30) == "454 TLS connection failed: timeout (#4.3.0)\r\n")
            session.tearDown()
            #expect(session.watch.handler == nil)
            #expect(lines.all.last?.hasSuffix(" status 1 messages 0 reason timeout") == true, "\(lines.all)")
        }
    }

    @Test("a client that starts the handshake and stalls is bounded the same way")
    func stalledHandshake() throws {
        try Self.afterStartTLS { session, _ throws in
            // A TLS record header announcing a handshake message, and no more.
            try session.channel.writeInbound(ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01]))
            _ = try session.replies()
            #expect(try session.expectClosed(after: 30).hasSuffix("454 TLS connection failed: timeout (#4.3.0)\r\n"))
        }
    }

    @Test("a client that ends its side halfway through a TLS record gets 454 unexpected eof at once")
    func endOfInputInRecord() throws {
        try Self.afterStartTLS { session, lines throws in
            try session.channel.writeInbound(ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01]))
            session.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            #expect(try session.replies().hasSuffix("454 TLS connection failed: unexpected eof (#4.3.0)\r\n"))
            #expect(!session.channel.isActive)
            #expect(lines.all.last?.hasSuffix(" reason tls-failed") == true, "\(lines.all)")
        }
    }

    @Test("SMTPS: a client that never starts the handshake is dropped after timeoutsmtpd")
    func silentSMTPS() throws {
        let home = try Self.home()
        defer { home.remove() }
        let lines = LogLines()
        let session = try EmbeddedSession(home, features: [.tls], environment: ["SMTPS": "1"], log: lines.append)
        _ = try session.expectClosed(after: 30)
        #expect(lines.all.last?.hasSuffix(" reason timeout") == true, "\(lines.all)")
    }

    @Test("clear text after STARTTLS: 454 wrong version number, the full error only in the log")
    func clearTextAfterStartTLS() throws {
        try Self.afterStartTLS { session, lines throws in
            let channel = session.channel
            _ = try? channel.writeInbound(ByteBuffer(string: "this is not a TLS ClientHello\r\n"))
            // BoringSSL, like OpenSSL, first sends a TLS alert record (protocol_version).
            let replies = Self.withoutAlerts(try session.replies())
            #expect(replies == "454 TLS connection failed: wrong version number (#4.3.0)\r\n")
            for leak in ["NIOSSL", "BoringSSL", "Error", "/", ".cc"] { #expect(!replies.contains(leak)) }
            #expect(!channel.isActive)
            let logged = lines.all.first { $0.hasPrefix("tls 1 ip 127.0.0.1: ") }
            #expect(logged?.contains("WRONG_VERSION_NUMBER") == true, "\(lines.all)")
            #expect(lines.all.last?.hasSuffix(" reason tls-failed") == true, "\(lines.all)")
        }
    }

    /// `text` without the TLS alert records (type 21) in front of it.
    static func withoutAlerts(_ text: String) -> String {
        var bytes = Array(text.utf8)[...]
        while bytes.count >= 5, bytes.first == 21 {
            let length = 5 + Int(bytes[bytes.startIndex + 3]) << 8 + Int(bytes[bytes.startIndex + 4])
            bytes = bytes.dropFirst(length)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("reasons: OpenSSL's wording from BoringSSL's error queue; anything else a generic phrase")
    func reasonPhrases() {
        let entry = "Error: 268435703 error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER at "
            + "/work/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/tls_record.cc:127"
        #expect(TLSFailureReason.phrase(forEntry: entry) == "wrong version number")
        #expect(TLSFailureReason.phrase(forEntry: "Error: 1 error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER")
            == "no shared cipher")
        #expect(TLSFailureReason.phrase(forEntry: "Error:  EOF during handshake") == "unexpected eof")
        #expect(TLSFailureReason.phrase(forEntry: "something else entirely") == nil)
        #expect(TLSFailureReason.phrase(for: ChannelError.eof) == "unexpected eof")
        #expect(TLSFailureReason.phrase(for: CocoaError(.fileReadNoPermission)) == "handshake failed")
    }
}
