import Crypto
import Foundation

/// Checks a byte stream against a pinned size and SHA-256 while it arrives.
///
/// Sans-IO: feed it chunks, then ask for the verdict. Memory use is constant;
/// each chunk costs one pass of SHA-256 over its bytes.
struct PayloadVerifier {
    let expectedSize: Int64
    let expectedSHA256: String
    private(set) var receivedBytes: Int64 = 0
    private var hasher = SHA256()

    init(expectedSize: Int64, expectedSHA256: String) {
        self.expectedSize = expectedSize
        self.expectedSHA256 = expectedSHA256.lowercased()
    }

    /// Adds `chunk` to the running size and digest.
    ///
    /// Throws ``PayloadProblem/tooLarge(limit:)`` as soon as the total passes
    /// the expected size, so a caller can stop reading at once; the chunk that
    /// crossed the limit is not hashed.
    mutating func consume(_ chunk: some DataProtocol) throws(PayloadProblem) {
        let total = receivedBytes + Int64(chunk.count)
        guard total <= expectedSize else { throw .tooLarge(limit: expectedSize) }
        receivedBytes = total
        for region in chunk.regions {
            region.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
    }

    /// Checks the size, then the digest, of everything consumed so far.
    ///
    /// Returns the lowercase hex digest when both match.
    func verdict() throws(PayloadProblem) -> String {
        guard receivedBytes == expectedSize else {
            throw .sizeMismatch(expected: expectedSize, actual: receivedBytes)
        }
        let actual = hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined()
        guard actual == expectedSHA256 else {
            throw .checksumMismatch(expected: expectedSHA256, actual: actual)
        }
        return actual
    }
}

/// Why a byte stream does not match its pin.
public enum PayloadProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// More than `limit` bytes arrived; reading stopped there.
    case tooLarge(limit: Int64)
    /// The stream ended with a different number of bytes than pinned.
    case sizeMismatch(expected: Int64, actual: Int64)
    /// The size matched but the SHA-256 did not.
    case checksumMismatch(expected: String, actual: String)

    public var description: String {
        switch self {
        case .tooLarge(let limit):
            return "sent more than the pinned \(limit) bytes; stopped reading"
        case .sizeMismatch(let expected, let actual):
            return "size mismatch: expected \(expected) bytes, got \(actual)"
        case .checksumMismatch(let expected, let actual):
            return "SHA-256 mismatch: expected \(expected), got \(actual)"
        }
    }
}
