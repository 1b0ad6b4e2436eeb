import CZlib

/// Streaming gunzip: compressed chunks in, decompressed bytes out, through zlib's `inflate`.
///
/// Feed chunks of any size in order, then call ``finish()`` to learn whether the stream was
/// complete. Concatenated gzip members (as `cat a.gz b.gz` produces) decode as one stream.
/// Each member's CRC-32 and length trailer is checked by zlib. Zero bytes after the last member
/// are ignored, as gzip(1) does.
///
/// Cost: zlib's inflate state (about 44 KiB) plus one 64 KiB output scratch buffer, reused for
/// every call. Not thread-safe; use one decoder per stream.
public final class GzipDecoder {
    private enum Phase {
        /// Nothing fed yet.
        case awaitingFirstMember
        /// Inside a member whose trailer has not been read.
        case inMember
        /// The last member ended cleanly; more input starts a new member.
        case betweenMembers
        /// Zero bytes follow the last member (padding some tools add, which gzip(1) also ignores);
        /// only more zeros may follow.
        case zeroPadding
    }

    private static let scratchSize = 64 * 1024
    /// zlib window bits: 15 (32 KiB window) + 16 (expect a gzip wrapper, not zlib or raw).
    private static let gzipWindowBits: Int32 = 15 + 16

    private let stream: UnsafeMutablePointer<z_stream>
    private let scratch: UnsafeMutablePointer<UInt8>
    private var phase = Phase.awaitingFirstMember
    private var failure: (any Error)?

    /// Compressed bytes consumed so far.
    public private(set) var compressedBytesConsumed = 0
    /// Number of gzip members decoded completely so far.
    public private(set) var completedMembers = 0

    /// Creates a decoder. Throws ``GzipError/zlibFailure(operation:code:)`` only if zlib cannot
    /// allocate its state.
    public init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let code = CZlib_inflateInit2(stream, Self.gzipWindowBits)
        guard code == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw GzipError.zlibFailure(operation: "inflateInit2", code: code)
        }
        scratch = .allocate(capacity: Self.scratchSize)
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        scratch.deallocate()
    }

    /// Decompresses `chunk` and returns the bytes it yields (possibly none).
    public func feed(_ chunk: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        try chunk.withUnsafeBytes { raw in
            try feed(raw) { output.append(contentsOf: $0) }
        }
        return output
    }

    /// Decompresses `chunk`, handing each piece of output (at most 64 KiB, valid only during the
    /// call) to `output` as soon as zlib produces it, so a consumer can refuse data early by
    /// throwing; that error propagates out of `feed` unchanged. After any error the decoder
    /// only rethrows it.
    public func feed(
        _ chunk: UnsafeRawBufferPointer,
        output: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        if let failure { throw failure }
        do {
            try decode(chunk, output: output)
        } catch {
            failure = error
            throw error
        }
    }

    private func decode(_ chunk: UnsafeRawBufferPointer, output: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var input = chunk
        while let base = input.baseAddress, !input.isEmpty {
            if phase == .betweenMembers || phase == .zeroPadding {
                let zeros = input.prefix { $0 == 0 }.count
                if zeros > 0 {
                    phase = .zeroPadding
                    compressedBytesConsumed += zeros
                    input = UnsafeRawBufferPointer(rebasing: input[zeros...])
                    continue
                }
                if phase == .zeroPadding {
                    throw GzipError.corruptStream(
                        offset: compressedBytesConsumed,
                        zlibMessage: "data follows the zero padding after gzip member \(completedMembers)")
                }
                let code = inflateReset(stream)
                guard code == Z_OK else { throw GzipError.zlibFailure(operation: "inflateReset", code: code) }
            }
            phase = .inMember
            let offered = min(input.count, Int(UInt32.max))
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self))
            stream.pointee.avail_in = UInt32(offered)
            let memberEnded = try inflateAvailableInput(offered: offered, output: output)
            let used = offered - Int(stream.pointee.avail_in)
            compressedBytesConsumed += used
            input = UnsafeRawBufferPointer(rebasing: input[used...])
            if memberEnded {
                phase = .betweenMembers
                completedMembers += 1
            }
        }
    }

    /// Declares the end of input. Throws ``GzipError/truncatedStream(offset:)`` if the input was
    /// empty or stopped inside a member.
    public func finish() throws {
        if let failure { throw failure }
        guard phase == .betweenMembers || phase == .zeroPadding else {
            throw GzipError.truncatedStream(offset: compressedBytesConsumed)
        }
    }

    /// Runs inflate until the offered input is used up or the current member ends.
    /// Returns whether the member ended.
    private func inflateAvailableInput(
        offered: Int, output: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Bool {
        while true {
            stream.pointee.next_out = scratch
            stream.pointee.avail_out = UInt32(Self.scratchSize)
            let code = inflate(stream, Z_NO_FLUSH)
            let produced = Self.scratchSize - Int(stream.pointee.avail_out)
            switch code {
            case Z_OK, Z_STREAM_END, Z_BUF_ERROR:
                // Z_BUF_ERROR only means "no progress possible right now": input is used up.
                if produced > 0 { try output(UnsafeBufferPointer(start: scratch, count: produced)) }
                if code == Z_STREAM_END { return true }
                let outputFull = stream.pointee.avail_out == 0
                if code == Z_BUF_ERROR || (stream.pointee.avail_in == 0 && !outputFull) { return false }
            case Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
                let context = completedMembers > 0 && stream.pointee.total_in < 10
                    ? "data after gzip member \(completedMembers) is not another gzip member (\(message))"
                    : message
                throw GzipError.corruptStream(
                    offset: compressedBytesConsumed + offered - Int(stream.pointee.avail_in), zlibMessage: context)
            default:
                throw GzipError.zlibFailure(operation: "inflate", code: code)
            }
        }
    }
}
