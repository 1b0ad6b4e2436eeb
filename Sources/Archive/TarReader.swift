/// A sans-IO tar parser: feed uncompressed archive bytes in any chunking, get admitted entries out.
///
/// Understands ustar, old GNU and v7 headers, GNU long names and long link names (`L`/`K`), and
/// pax extended headers (`x` for the next entry, `g` for all following entries; keys `path`,
/// `linkpath` and `size`). Every header's checksum is verified.
///
/// Every entry passes the safety policy (see ``UnsafeEntryError``) and the ``ArchiveLimits``
/// when its header is read, before its data is buffered; a refused entry ends reading with an
/// error and nothing about it is returned. After an error the reader only rethrows it.
///
/// Cost: the data of the entry currently being read is buffered (bounded by the per-entry limit);
/// file data is copied once, in bulk, from the input into the entry's `contents`.
public struct TarReader: Sendable {
    private enum State {
        /// Expecting a header block; `pendingZeroBlock` holds the offset of a preceding zero block.
        case header(pendingZeroBlock: Int?)
        /// Reading an entry's or metadata record's data.
        case payload(Payload, remaining: Int, padding: Int)
        /// Skipping the padding that rounds data up to a whole block.
        case padding(remaining: Int)
        /// The end-of-archive marker was read; `trailing` bytes followed it.
        case end(trailing: Int)
    }

    private enum Payload {
        case contents(TarEntry)
        /// Data that is not kept (a directory or link with a non-zero size); the entry, if any,
        /// is emitted once the data has been skipped.
        case discarded(TarEntry?)
        case metadata(typeflag: UInt8, headerOffset: Int)
    }

    /// The limits this reader enforces.
    public let limits: ArchiveLimits
    /// Uncompressed archive bytes consumed so far.
    public private(set) var bytesConsumed = 0

    private var state = State.header(pendingZeroBlock: nil)
    private var partialHeader: [UInt8] = []
    private var payloadBuffer: [UInt8] = []
    private var policy = EntrySafetyPolicy()
    private var entryCount = 0
    private var totalSize = 0
    private var failure: (any Error)?

    // Metadata collected for the next entry, and pax globals for all following entries.
    private var longName: [UInt8]?
    private var longLinkName: [UInt8]?
    private var paxLocal: [String: [UInt8]] = [:]
    private var paxGlobal: [String: [UInt8]] = [:]
    private var pendingMetadataOffset: Int?

    /// Creates a reader enforcing `limits`.
    public init(limits: ArchiveLimits = .default) {
        self.limits = limits
        partialHeader.reserveCapacity(TarHeaderBlock.size)
    }

    /// Whether the end-of-archive marker has been read. Later input is ignored (up to
    /// ``ArchiveLimits/maxTrailingBytes``).
    public var isAtEnd: Bool {
        if case .end = state { return true }
        return false
    }

    /// Consumes `bytes` and returns the entries completed by them, in archive order.
    public mutating func feed(_ bytes: [UInt8]) throws -> [TarEntry] {
        try bytes.withUnsafeBufferPointer { try feed($0) }
    }

    /// Consumes `bytes` and returns the entries completed by them, in archive order.
    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) throws -> [TarEntry] {
        var entries: [TarEntry] = []
        try feed(bytes) { entries.append($0) }
        return entries
    }

    /// Consumes `bytes`, handing each completed entry to `emit` in archive order.
    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, emit: (TarEntry) throws -> Void) throws {
        if let failure { throw failure }
        do {
            try consume(bytes, emit: emit)
        } catch {
            failure = error
            throw error
        }
    }

    /// Declares the end of input. Throws if the archive stopped inside a header or entry, or
    /// before the end-of-archive marker. A single zero block at the very end is accepted, as GNU
    /// tar does.
    public mutating func finish() throws {
        if let failure { throw failure }
        switch state {
        case .end, .header(pendingZeroBlock: .some):
            return
        case .header(pendingZeroBlock: nil):
            if !partialHeader.isEmpty {
                throw TarFormatError.truncated(offset: bytesConsumed, reason: "inside a header block")
            }
            if pendingMetadataOffset != nil {
                throw TarFormatError.truncated(offset: bytesConsumed, reason: "after a metadata record, before its entry")
            }
            throw TarFormatError.missingEndOfArchive(offset: bytesConsumed)
        case .payload, .padding:
            throw TarFormatError.truncated(offset: bytesConsumed, reason: "inside an entry's data")
        }
    }

    private mutating func consume(_ input: UnsafeBufferPointer<UInt8>, emit: (TarEntry) throws -> Void) throws {
        var index = 0
        while index < input.count {
            let available = input.count - index
            switch state {
            case let .header(pendingZeroBlock):
                if partialHeader.isEmpty && available >= TarHeaderBlock.size {
                    let block = UnsafeBufferPointer(rebasing: input[index..<(index + TarHeaderBlock.size)])
                    let offset = bytesConsumed
                    index += TarHeaderBlock.size
                    bytesConsumed += TarHeaderBlock.size
                    try readHeader(block, at: offset, pendingZeroBlock: pendingZeroBlock, emit: emit)
                } else {
                    let take = min(TarHeaderBlock.size - partialHeader.count, available)
                    partialHeader.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<(index + take)]))
                    index += take
                    bytesConsumed += take
                    if partialHeader.count == TarHeaderBlock.size {
                        let block = partialHeader
                        partialHeader.removeAll(keepingCapacity: true)
                        let offset = bytesConsumed - TarHeaderBlock.size
                        try block.withUnsafeBufferPointer {
                            try readHeader($0, at: offset, pendingZeroBlock: pendingZeroBlock, emit: emit)
                        }
                    }
                }
            case let .payload(payload, remaining, padding):
                let take = min(remaining, available)
                if case .discarded = payload {} else {
                    payloadBuffer.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<(index + take)]))
                }
                index += take
                bytesConsumed += take
                if take == remaining {
                    state = padding > 0 ? .padding(remaining: padding) : .header(pendingZeroBlock: nil)
                    try completePayload(payload, emit: emit)
                } else {
                    state = .payload(payload, remaining: remaining - take, padding: padding)
                }
            case let .padding(remaining):
                let take = min(remaining, available)
                index += take
                bytesConsumed += take
                state = take == remaining ? .header(pendingZeroBlock: nil) : .padding(remaining: remaining - take)
            case let .end(trailing):
                let total = trailing + available
                guard total <= limits.maxTrailingBytes else {
                    throw ArchiveLimitError.trailingDataTooLarge(
                        offset: bytesConsumed - trailing, limit: limits.maxTrailingBytes)
                }
                index = input.count
                bytesConsumed += available
                state = .end(trailing: total)
            }
        }
    }

    /// Handles one complete header block found at archive offset `offset`.
    private mutating func readHeader(
        _ block: UnsafeBufferPointer<UInt8>, at offset: Int, pendingZeroBlock: Int?,
        emit: (TarEntry) throws -> Void
    ) throws {
        if TarHeaderBlock.isZeroBlock(block) {
            if let metadataOffset = pendingMetadataOffset {
                throw TarFormatError.corruptHeader(
                    offset: offset, reason: "end-of-archive marker right after the metadata record at \(metadataOffset)")
            }
            state = pendingZeroBlock == nil ? .header(pendingZeroBlock: offset) : .end(trailing: 0)
            return
        }
        if let zeroOffset = pendingZeroBlock {
            throw TarFormatError.corruptHeader(
                offset: offset, reason: "a header follows a lone zero block at offset \(zeroOffset)")
        }
        let header = try TarHeaderBlock(parsing: block, offset: offset)

        switch header.typeflag {
        case UInt8(ascii: "L"), UInt8(ascii: "K"), UInt8(ascii: "x"), UInt8(ascii: "g"):
            guard header.size <= limits.maxMetadataSize else {
                throw ArchiveLimitError.metadataTooLarge(offset: offset, size: header.size, limit: limits.maxMetadataSize)
            }
            try chargeTotal(header.size, path: "(metadata)", offset: offset)
            // A global pax header describes no particular entry, so it may end the archive.
            if header.typeflag != UInt8(ascii: "g") { pendingMetadataOffset = offset }
            payloadBuffer.removeAll(keepingCapacity: true)
            payloadBuffer.reserveCapacity(header.size)
            let payload = Payload.metadata(typeflag: header.typeflag, headerOffset: offset)
            if header.size == 0 {
                try completePayload(payload, emit: emit)
            } else {
                state = .payload(payload, remaining: header.size, padding: Self.padding(after: header.size))
            }
        default:
            try startEntry(header, offset: offset, emit: emit)
        }
    }

    private mutating func startEntry(
        _ header: TarHeaderBlock, offset: Int, emit: (TarEntry) throws -> Void
    ) throws {
        let nameBytes = metadataValue("path", gnu: longName) ?? header.name
        let linkBytes = metadataValue("linkpath", gnu: longLinkName) ?? header.linkName
        let sizeBytes = metadataValue("size", gnu: nil)
        longName = nil
        longLinkName = nil
        paxLocal = [:]
        pendingMetadataOffset = nil

        var size = header.size
        if let sizeBytes {
            guard let text = String(validating: sizeBytes, as: UTF8.self), let value = Int(text), value >= 0 else {
                throw TarFormatError.corruptMetadata(offset: offset, reason: "pax size is not a decimal number")
            }
            size = value
        }
        let path = try Self.text(nameBytes, offset: offset, what: "the name")
        let linkTarget = try Self.text(linkBytes, offset: offset, what: "the link target")
        var kind = TarEntry.Kind(typeflag: header.typeflag)
        // v7 archives mark directories only by a trailing slash.
        if kind == .regularFile && path.hasSuffix("/") { kind = .directory }

        let admission = try policy.admit(
            path: path, kind: kind,
            linkTarget: kind == .symbolicLink || kind == .hardLink ? linkTarget : nil,
            offset: offset)
        if admission != nil {
            entryCount += 1
            guard entryCount <= limits.maxEntryCount else {
                throw ArchiveLimitError.tooManyEntries(path: path, offset: offset, limit: limits.maxEntryCount)
            }
        }
        guard size <= limits.maxEntrySize else {
            throw ArchiveLimitError.entryTooLarge(path: path, offset: offset, size: size, limit: limits.maxEntrySize)
        }
        try chargeTotal(size, path: path, offset: offset)

        let entry = admission.map {
            TarEntry(
                path: $0.path, kind: kind, mode: header.mode, size: size, linkTarget: $0.linkTarget,
                contents: [], headerOffset: offset)
        }
        let payload: Payload
        if let entry, kind == .regularFile {
            payloadBuffer = []
            payloadBuffer.reserveCapacity(size)
            payload = .contents(entry)
        } else {
            payload = .discarded(entry)
        }
        if size == 0 {
            state = .header(pendingZeroBlock: nil)
            try completePayload(payload, emit: emit)
        } else {
            state = .payload(payload, remaining: size, padding: Self.padding(after: size))
        }
    }

    private mutating func completePayload(_ payload: Payload, emit: (TarEntry) throws -> Void) throws {
        switch payload {
        case var .contents(entry):
            swap(&entry.contents, &payloadBuffer)
            try emit(entry)
        case let .discarded(entry):
            if let entry { try emit(entry) }
        case let .metadata(typeflag, headerOffset):
            let data = payloadBuffer
            payloadBuffer = []
            switch typeflag {
            case UInt8(ascii: "L"): longName = Self.cString(data)
            case UInt8(ascii: "K"): longLinkName = Self.cString(data)
            case UInt8(ascii: "x"):
                for (key, value) in try PaxRecords.parse(data, offset: headerOffset) { paxLocal[key] = value }
            default:
                for (key, value) in try PaxRecords.parse(data, offset: headerOffset) {
                    paxGlobal[key] = value.isEmpty ? nil : value
                }
            }
        }
    }

    /// The value metadata gives for `key`, or nil to use the header field. A per-entry pax record
    /// wins; an empty one cancels the global record. GNU long names rank above pax globals.
    private func metadataValue(_ key: String, gnu: [UInt8]?) -> [UInt8]? {
        if let local = paxLocal[key] { return local.isEmpty ? gnu : local }
        return gnu ?? paxGlobal[key]
    }

    private mutating func chargeTotal(_ size: Int, path: String, offset: Int) throws {
        let (total, overflow) = totalSize.addingReportingOverflow(size)
        guard !overflow, total <= limits.maxTotalSize else {
            throw ArchiveLimitError.totalSizeTooLarge(
                path: path, offset: offset, total: overflow ? Int.max : total, limit: limits.maxTotalSize)
        }
        totalSize = total
    }

    /// Zero bytes that round `size` up to a whole block.
    private static func padding(after size: Int) -> Int {
        (TarHeaderBlock.size - size % TarHeaderBlock.size) % TarHeaderBlock.size
    }

    private static func cString(_ data: [UInt8]) -> [UInt8] {
        Array(data.prefix { $0 != 0 })
    }

    private static func text(_ bytes: [UInt8], offset: Int, what: String) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw UnsafeEntryError.invalidPath(
                path: String(decoding: bytes, as: UTF8.self), offset: offset, reason: "\(what) is not valid UTF-8")
        }
        return text
    }
}
