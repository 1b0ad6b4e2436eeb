import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// Downloads one `http` or `https` URL with URLSession, handing the body to a
/// callback chunk by chunk as it arrives; the body is never held in memory.
///
/// Everything URLSession-specific lives in this file, so another HTTP client
/// can replace it by offering the same `download` function.
struct URLSessionTransport: Sendable {
    let timeouts: FetchTimeouts

    /// Redirects followed per download; one more fails the mirror.
    static let redirectLimit = 5

    /// Streams the body of `url` into `receive`.
    ///
    /// Succeeds when the server answered 200 and the body ended normally.
    /// Throws ``MirrorFailure`` for a non-200 status, a `Content-Length`
    /// above `sizeLimit`, a timeout, a body slower than the minimum rate,
    /// more than ``redirectLimit`` redirects or a network error; if `receive` throws,
    /// the transfer is cancelled and that error is rethrown unchanged.
    func download(
        from url: URL,
        sizeLimit: Int64,
        receive: @escaping @Sendable (Data) throws -> Void
    ) async throws {
        let delegate = StreamingDelegate(sizeLimit: sizeLimit, timeouts: timeouts, receive: receive)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        // Our own watchdog enforces the timeouts with precise reasons; keep
        // URLSession's from firing first.
        configuration.timeoutIntervalForRequest = (timeouts.connect + timeouts.idle).seconds * 2
        configuration.timeoutIntervalForResource = timeouts.total.seconds * 2
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }

        var request = URLRequest(url: url)
        // The pinned digest is of the bytes as stored; never let the client
        // undo a compression layer.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        let task = session.dataTask(with: request)

        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                delegate.start(task, continuation: continuation)
            }
        } onCancel: {
            task.cancel()
        }
    }
}

/// URLSession delegate that forwards body chunks and enforces the timeouts,
/// the minimum rate and the redirect limit.
private final class StreamingDelegate: NSObject, URLSessionDataDelegate, Sendable {
    private enum Phase {
        case awaitingResponse(since: ContinuousClock.Instant)
        case receivingBody(lastChunk: ContinuousClock.Instant)
        case finished
    }

    /// The current span of ``FetchTimeouts/rateWindow``: when it began and
    /// how many bytes had arrived by then.
    private struct RateWindow {
        var start: ContinuousClock.Instant
        var bytesBefore: Int64
    }

    private struct State {
        var phase: Phase = .awaitingResponse(since: .now)
        var started: ContinuousClock.Instant = .now
        /// Set when the first response arrives.
        var rateWindow: RateWindow?
        var redirects = 0
        /// Body length announced by the server, or -1 when none was sent.
        var announcedBytes: Int64 = -1
        var receivedBytes: Int64 = 0
        var continuation: CheckedContinuation<Void, any Error>?
        /// The first reason to stop, set by us before cancelling the task.
        var failure: (any Error)?
        var watchdog: Watchdog?
    }

    private let sizeLimit: Int64
    private let timeouts: FetchTimeouts
    private let receive: @Sendable (Data) throws -> Void
    private let state = Mutex(State())

    init(sizeLimit: Int64, timeouts: FetchTimeouts, receive: @escaping @Sendable (Data) throws -> Void) {
        self.sizeLimit = sizeLimit
        self.timeouts = timeouts
        self.receive = receive
    }

    func start(_ task: URLSessionDataTask, continuation: CheckedContinuation<Void, any Error>) {
        state.withLock {
            $0.phase = .awaitingResponse(since: .now)
            $0.started = .now
            $0.continuation = continuation
        }
        let watchdog = Watchdog { [self] in check(task) }
        state.withLock { $0.watchdog = watchdog }
        task.resume()
    }

    /// Cancels `task` when the overall deadline or the current phase's
    /// timeout has passed, or the last rate window brought too few bytes.
    private func check(_ task: URLSessionDataTask) {
        let expired: MirrorFailure? = state.withLock { state in
            let now = ContinuousClock.now
            if now >= state.started + timeouts.total {
                return .timedOut(.total, after: timeouts.total)
            }
            if let window = state.rateWindow, timeouts.minimumRate > 0, now >= window.start + timeouts.rateWindow {
                let bytes = state.receivedBytes - window.bytesBefore
                let elapsed = now - window.start
                if Double(bytes) < Double(timeouts.minimumRate) * elapsed.seconds {
                    return .tooSlow(bytes: bytes, in: timeouts.rateWindow, minimum: timeouts.minimumRate)
                }
                state.rateWindow = RateWindow(start: now, bytesBefore: state.receivedBytes)
            }
            switch state.phase {
            case .awaitingResponse(let since) where ContinuousClock.now >= since + timeouts.connect:
                return .timedOut(.connect, after: timeouts.connect)
            case .receivingBody(let lastChunk) where ContinuousClock.now >= lastChunk + timeouts.idle:
                return .timedOut(.idle, after: timeouts.idle)
            default:
                return nil
            }
        }
        if let expired { fail(task, with: expired) }
    }

    /// Records the first failure and cancels the transfer.
    private func fail(_ task: URLSessionTask, with error: any Error) {
        state.withLock { if $0.failure == nil { $0.failure = error } }
        task.cancel()
    }

    func urlSession(
        _ session: URLSession,
        dataTask: URLSessionDataTask,
        didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if status != 200 {
            state.withLock { if $0.failure == nil { $0.failure = MirrorFailure.httpStatus(status) } }
            completionHandler(.cancel)
            return
        }
        if response.expectedContentLength > sizeLimit {
            state.withLock { if $0.failure == nil { $0.failure = MirrorFailure.payload(.tooLarge(limit: sizeLimit)) } }
            completionHandler(.cancel)
            return
        }
        state.withLock {
            $0.phase = .receivingBody(lastChunk: .now)
            $0.rateWindow = RateWindow(start: .now, bytesBefore: 0)
            $0.announcedBytes = response.expectedContentLength
        }
        completionHandler(.allow)
    }

    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        let allowed = state.withLock { state in
            state.redirects += 1
            return state.redirects <= URLSessionTransport.redirectLimit
        }
        if allowed {
            completionHandler(request)
            return
        }
        // Not followed: the redirect response itself arrives next, and its
        // status ends the transfer with this failure as the reason. (Cancelling
        // here instead would leave FoundationNetworking's callback dangling.)
        let last = request.url?.absoluteString ?? "?"
        state.withLock {
            if $0.failure == nil {
                $0.failure = MirrorFailure.tooManyRedirects(limit: URLSessionTransport.redirectLimit, last: last)
            }
        }
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let stillWanted = state.withLock { state in
            guard state.failure == nil else { return false }
            state.phase = .receivingBody(lastChunk: .now)
            state.receivedBytes += Int64(data.count)
            return true
        }
        guard stillWanted else { return }
        do {
            try receive(data)
        } catch {
            fail(dataTask, with: error)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (continuation, failure, watchdog, announced, received) = state.withLock { state in
            state.phase = .finished
            defer { state.continuation = nil }
            return (state.continuation, state.failure, state.watchdog, state.announcedBytes, state.receivedBytes)
        }
        watchdog?.cancel()
        if let failure {
            continuation?.resume(throwing: failure)
        } else if error != nil, received < announced {
            // libcurl's "partial file" surfaces as an unnamed URLError; the
            // byte counts say what actually happened.
            continuation?.resume(throwing: MirrorFailure.network(
                "connection closed after \(received) of \(announced) announced bytes"))
        } else if let error {
            continuation?.resume(throwing: MirrorFailure.network(Self.describe(error)))
        } else {
            continuation?.resume()
        }
    }

    /// Readable text for URLSession's errors, whose Linux descriptions are
    /// only domain and code.
    private static func describe(_ error: any Error) -> String {
        guard let urlError = error as? URLError else { return "\(error)" }
        let text: String
        switch urlError.code {
        case .cannotConnectToHost: text = "connection refused or host unreachable"
        case .cannotFindHost, .dnsLookupFailed: text = "host name not found"
        case .networkConnectionLost: text = "connection closed before the body was complete"
        case .timedOut: text = "timed out"
        case .cancelled: text = "cancelled"
        case .badServerResponse: text = "malformed HTTP response"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            text = "TLS handshake or certificate failure"
        default: text = "network error"
        }
        return "\(text) (URLError \(urlError.code.rawValue))"
    }
}

extension Duration {
    /// The duration in seconds, for APIs that take `TimeInterval`.
    fileprivate var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

/// Calls `check` ten times a second until cancelled. A Dispatch timer, not a
/// sleeping Task: the timeouts must hold while the cooperative pool is busy
/// with other work of the process.
private final class Watchdog: @unchecked Sendable {
    // DispatchSource is thread-safe; it is only not marked Sendable.
    private let timer: any DispatchSourceTimer

    init(_ check: @escaping @Sendable () -> Void) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "qmailkit.fetch.watchdog"))
        timer.setEventHandler(handler: check)
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.resume()
    }

    func cancel() { timer.cancel() }
}
