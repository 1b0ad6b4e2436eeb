import Foundation
import Testing
@testable import SourceFetch
import TestSupport

@Suite("PayloadVerifier: size and SHA-256 of a stream, without I/O", .ownThread)
struct PayloadVerifierTests {
    @Test("matches the FIPS 180-2 'abc' test vector")
    func knownVector() throws {
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        var verifier = PayloadVerifier(expectedSize: 3, expectedSHA256: expected.uppercased())
        try verifier.consume(Data("abc".utf8))
        #expect(try verifier.verdict() == expected)
    }

    @Test("digest does not depend on how the stream is cut into chunks")
    func chunkingIsInvisible() throws {
        let payload = makePayload(size: 10_000, seed: 7)
        var verifier = PayloadVerifier(expectedSize: 10_000, expectedSHA256: hexDigest(payload))
        var offset = 0
        for size in [1, 0, 4095, 3, 5000, 901] {
            try verifier.consume(payload[offset..<offset + size])
            offset += size
        }
        #expect(offset == payload.count)
        #expect(try verifier.verdict() == hexDigest(payload))
    }

    @Test("stops at the first byte past the pinned size")
    func tooLarge() throws {
        var verifier = PayloadVerifier(expectedSize: 10, expectedSHA256: String(repeating: "0", count: 64))
        try verifier.consume(Data(count: 10))
        #expect(throws: PayloadProblem.tooLarge(limit: 10)) { try verifier.consume(Data(count: 1)) }
        #expect(verifier.receivedBytes == 10)
    }

    @Test("a short stream is a size mismatch, checked before the digest")
    func tooShort() throws {
        let payload = makePayload(size: 100, seed: 1)
        var verifier = PayloadVerifier(expectedSize: 100, expectedSHA256: hexDigest(payload))
        try verifier.consume(payload.prefix(60))
        #expect(throws: PayloadProblem.sizeMismatch(expected: 100, actual: 60)) { try verifier.verdict() }
    }

    @Test("a wrong digest names both the expected and the actual value")
    func wrongDigest() throws {
        let payload = makePayload(size: 100, seed: 1)
        let other = makePayload(size: 100, seed: 2)
        var verifier = PayloadVerifier(expectedSize: 100, expectedSHA256: hexDigest(other))
        try verifier.consume(payload)
        #expect(throws: PayloadProblem.checksumMismatch(expected: hexDigest(other), actual: hexDigest(payload))) {
            try verifier.verdict()
        }
    }
}
