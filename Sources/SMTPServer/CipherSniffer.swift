import NIOCore

/// Sits between the TLS handler and the socket and reads the cipher suite
/// from the ServerHello on its way out (`ServerHelloReader`). Passes every
/// write through unchanged.
final class CipherSniffer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var reader = ServerHelloReader()
    var cipherSuite: UInt16? { reader.cipherSuite }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if reader.cipherSuite == nil {
            reader.feed(unwrapOutboundIn(data).readableBytesView)
        }
        context.write(data, promise: promise)
    }
}
