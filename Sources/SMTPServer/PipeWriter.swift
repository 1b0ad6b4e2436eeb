import Glibc
import NIOCore
import NIOPosix

/// The parent's write end of a pipe to a child, written by NIO on one event
/// loop: bytes go out in order as fast as the reader takes them, nothing
/// blocks, and `pendingBytes` says how much the reader has not taken yet
/// (what the session's backpressure looks at). Used on its loop only.
final class PipeWriter {
    /// Bytes written but not yet taken by the pipe.
    private(set) var pendingBytes = 0
    /// A write failed (the reader is gone: EPIPE); later bytes are dropped.
    private(set) var failed = false
    /// Called whenever `pendingBytes` went down.
    var onProgress: (() -> Void)?

    private let loop: any EventLoop
    private var channel: (any Channel)?
    /// Bytes written before the channel was set up.
    private var early: [ByteBuffer] = []
    /// `finish` was called; completed (and cleared) once the pipe is closed.
    private var closing: EventLoopPromise<Bool>?
    private var finishing = false
    private var closed = false

    /// Takes ownership of `descriptor` (closed in every case).
    init(descriptor: Int32, loop: any EventLoop) {
        self.loop = loop
        NIOPipeBootstrap(group: loop).takingOwnershipOfDescriptor(output: descriptor)
            .assumeIsolated().whenComplete { result in
                switch result {
                case .success(let channel):
                    self.attach(channel)
                case .failure:
                    close(descriptor)
                    self.fail()
                }
            }
    }

    func write(_ bytes: [UInt8]) {
        guard !failed, !closed, !finishing, !bytes.isEmpty else { return }
        let buffer = ByteBuffer(bytes: bytes)
        pendingBytes += buffer.readableBytes
        if let channel { send(buffer, on: channel) } else { early.append(buffer) }
    }

    /// Closes the pipe once every byte is written (or a write failed); the
    /// future then succeeds, telling whether all bytes went out.
    func finish() -> EventLoopFuture<Bool> {
        precondition(!finishing, "finish() called twice")
        finishing = true
        let promise = loop.makePromise(of: Bool.self)
        closing = promise
        closeIfDone()
        return promise.futureResult
    }

    /// Closes the pipe now; unwritten bytes are dropped.
    func abandon() {
        drop()
        closeNow()
        closeIfDone()
    }

    private func attach(_ channel: any Channel) {
        guard !closed else {
            channel.close(promise: nil)
            return
        }
        self.channel = channel
        for buffer in early { send(buffer, on: channel) }
        early = []
        closeIfDone()
    }

    private func send(_ buffer: ByteBuffer, on channel: any Channel) {
        let count = buffer.readableBytes
        channel.writeAndFlush(buffer).assumeIsolated().whenComplete { result in
            if case .failure = result { self.fail() }
            self.pendingBytes -= count
            self.closeIfDone()
            self.onProgress?()
        }
    }

    private func fail() {
        drop()
        if channel == nil { closed = true }
        closeIfDone()
    }

    private func drop() {
        failed = true
        pendingBytes -= early.reduce(0) { $0 + $1.readableBytes }
        early = []
    }

    private func closeIfDone() {
        guard let closing, pendingBytes == 0 || failed, channel != nil || closed else { return }
        self.closing = nil
        closeNow()
        closing.succeed(!failed)
    }

    private func closeNow() {
        guard !closed else { return }
        closed = true
        channel?.close(promise: nil)
        channel = nil
    }
}
