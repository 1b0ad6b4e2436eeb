/// qmail-smtpd's 512-byte output buffer (`substdio` over fd 1). It turns
/// replies into `.reply` and `.flush` actions such that the bytes between two
/// flushes are exactly what one `write(2)` of qmail-smtpd would carry.
struct ReplyBuffer {
    static let capacity = 512
    /// substdio writes replies that do not fit in pieces of up to this size.
    static let directWriteSize = 8192

    private(set) var pending = 0

    /// `substdio_put`: if `bytes` do not fit, flush first; pieces larger than
    /// the buffer go out directly.
    mutating func put(_ bytes: [UInt8], into actions: inout [Action]) {
        var rest = bytes[...]
        if rest.count > Self.capacity - pending {
            flush(into: &actions)
            while rest.count > Self.capacity {
                let piece = rest.prefix(Self.directWriteSize)
                append(.reply(Array(piece)), to: &actions)
                actions.append(.flush)
                rest = rest.dropFirst(piece.count)
            }
        }
        if !rest.isEmpty {
            append(.reply(Array(rest)), to: &actions)
            pending += rest.count
        }
    }

    /// `substdio_flush`: only emits `.flush` when something is buffered.
    mutating func flush(into actions: inout [Action]) {
        guard pending > 0 else { return }
        actions.append(.flush)
        pending = 0
    }

    private func append(_ action: Action, to actions: inout [Action]) {
        if case .reply(let new) = action, case .reply(let old)? = actions.last {
            actions[actions.count - 1] = .reply(old + new)
        } else {
            actions.append(action)
        }
    }
}
