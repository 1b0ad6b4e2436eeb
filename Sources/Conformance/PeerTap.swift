import NIOCore
import Synchronization

/// What the test peer saw on its one connection, shared between the event
/// loop (which records) and the runner (which reads once the connection is
/// gone).
final class PeerRecording: Sendable {
    private struct State {
        var transcript: [TranscriptEntry] = []
        var commands: [[UInt8]] = []
        var opened = false
        var closed = false
    }
    private let state = Mutex(State())

    /// A client line (with its line end); `command` is false for message text.
    func client(_ line: [UInt8], command: Bool) {
        state.withLock {
            $0.transcript.append(.sent(line))
            if command { $0.commands.append(Self.withoutLineEnd(line)) }
        }
    }

    func server(_ line: [UInt8]) {
        state.withLock { $0.transcript.append(.received(Self.withoutLineEnd(line))) }
    }

    func connectionOpened() {
        state.withLock { $0.opened = true }
    }

    func connectionClosed() {
        state.withLock {
            $0.transcript.append(.serverClosed)
            $0.closed = true
        }
    }

    var transcript: [TranscriptEntry] { state.withLock { $0.transcript } }
    /// The client's command lines (AUTH answers included, message text not), without CR LF.
    var commands: [[UInt8]] { state.withLock { $0.commands } }
    var opened: Bool { state.withLock { $0.opened } }
    var closed: Bool { state.withLock { $0.closed } }

    static func withoutLineEnd(_ line: [UInt8]) -> [UInt8] {
        var line = line
        if line.last == 10 { line.removeLast() }
        if line.last == 13 { line.removeLast() }
        return line
    }
}

/// The peer's own knobs, in front of the reference engine's session (behind
/// TLS, so it sees clear text): records both directions line by line,
/// answers the commands `PeerSetup.answers` names itself, and rewrites the
/// mechanisms of the EHLO reply's AUTH line to `PeerSetup.authOffer`.
/// Everything else passes unchanged; the engine's qmail behaviour is untouched.
final class PeerTap: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let setup: PeerSetup
    private let recording: PeerRecording
    private var partial: [UInt8] = []
    /// After a 354: client lines are message text up to the lone dot.
    private var inMessage = false

    init(setup: PeerSetup, recording: PeerRecording) {
        self.setup = setup
        self.recording = recording
    }

    func handlerAdded(context: ChannelHandlerContext) {
        recording.connectionOpened()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        partial += buffer.readBytes(length: buffer.readableBytes) ?? []
        while let end = partial.firstIndex(of: 10) {
            let line = Array(partial[...end])
            partial.removeSubrange(...end)
            clientLine(line, context: context)
        }
    }

    private func clientLine(_ line: [UInt8], context: ChannelHandlerContext) {
        let text = PeerRecording.withoutLineEnd(line)
        recording.client(line, command: !inMessage)
        if inMessage {
            if text == [UInt8(ascii: ".")] { inMessage = false }
        } else if let reply = setup.answers[Self.verb(text)] {
            recording.server(reply)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: reply + [13, 10])), promise: nil)
            return
        }
        context.fireChannelRead(wrapInboundOut(ByteBuffer(bytes: line)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = Array(unwrapOutboundIn(data).readableBytesView)
        var rewritten: [UInt8] = []
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 10).map { $0 + 1 } ?? bytes.count
            let line = serverLine(Array(bytes[start..<end]))
            recording.server(line)
            if line.starts(with: Array("354".utf8)) { inMessage = true }
            rewritten += line
            start = end
        }
        context.write(wrapOutboundOut(ByteBuffer(bytes: rewritten)), promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        recording.connectionClosed()
        context.fireChannelInactive()
    }

    /// `250-AUTH LOGIN PLAIN` becomes `250-AUTH <offer>` when the peer offers its own list.
    private func serverLine(_ line: [UInt8]) -> [UInt8] {
        guard let offer = setup.authOffer, line.count > 9, line.starts(with: Array("250".utf8)),
              String(decoding: line[4..<9], as: UTF8.self).uppercased() == "AUTH " else { return line }
        return Array(line[..<4]) + Array(("AUTH " + offer.joined(separator: " ") + "\r\n").utf8)
    }

    /// The command word of a line, upper case.
    static func verb(_ line: [UInt8]) -> String {
        String(decoding: line.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self).uppercased()
    }
}
