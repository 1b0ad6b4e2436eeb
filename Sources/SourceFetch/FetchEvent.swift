import Foundation

/// Something a fetch did, reported as it happens so a command line can draw a
/// progress bar or print one line per step.
///
/// Events arrive in order on whatever thread the work happens on; the handler
/// should return quickly. ``bytesReceived(_:expected:from:)`` comes once per
/// received chunk (tens of kilobytes), so a handler may want to throttle.
public enum FetchEvent: Sendable, Equatable {
    /// A verified copy is already in the cache; no mirror is contacted.
    case cacheHit(URL)
    /// A staging file of an interrupted earlier run was deleted.
    case leftoverRemoved(URL)
    /// A cached file failed verification and was deleted.
    case cacheEntryDiscarded(URL, reason: String)
    /// Starting mirror number `attempt` (1-based) of `count`.
    case tryingMirror(URL, attempt: Int, of: Int)
    /// This many bytes of `expected` have arrived from the mirror (or local
    /// file) so far.
    case bytesReceived(Int64, expected: Int64, from: URL)
    /// The mirror could not deliver a verified file; the next one is tried.
    case mirrorFailed(URL, reason: MirrorFailure)
    /// Size and SHA-256 matched the pin.
    case verified(sha256: String)
    /// The verified file now sits at this path in the cache.
    case stored(URL)
}
