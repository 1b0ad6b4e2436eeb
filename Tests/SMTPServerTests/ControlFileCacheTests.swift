import Foundation
import Glibc
@testable import SMTPServer
import Testing
import TestSupport

/// The control-file cache answers a connection from memory only while a
/// file keeps its signature: every change is seen by the next read.
@Suite("SMTPServer control-file cache")
struct ControlFileCacheTests {
    /// Sets the file's modification time `seconds` into the past (its change
    /// time becomes now), so that the cache may keep what it reads.
    static func age(_ path: String, by seconds: Int) {
        var times = [timeval(tv_sec: time(nil) - seconds, tv_usec: 0), timeval(tv_sec: time(nil) - seconds, tv_usec: 0)]
        #expect(utimes(path, &times) == 0)
    }

    @Test("an edit of the same size, a rewrite of an old file and a removal all count at the next read")
    func changesAreSeen() throws {
        let home = try TestHome()
        defer { home.remove() }
        let path = home.control.appendingPathComponent("me").path
        let cache = ControlFileCache()
        #expect(try cache.read(path) == Array("mx.test.example\n".utf8))
        // Same size, same second: not trusted, read again.
        try home.write(control: "me", "mx.test.exampl2\n")
        #expect(try cache.read(path) == Array("mx.test.exampl2\n".utf8))
        // An old file is kept; rewritten (and aged again) it is read anew.
        Self.age(path, by: 10)
        #expect(try cache.read(path) == Array("mx.test.exampl2\n".utf8))
        try home.write(control: "me", "mx.test.exampl3\n")
        Self.age(path, by: 10)
        #expect(try cache.read(path) == Array("mx.test.exampl3\n".utf8))
        try FileManager.default.removeItem(atPath: path)
        #expect(try cache.read(path) == nil)
    }

    @Test("a path that cannot be looked at is an error, as reading it would be")
    func unreadable() throws {
        let home = try TestHome()
        defer { home.remove() }
        try home.write(control: "me", "x\n")
        // A regular file where a directory should be: ENOTDIR, not absence.
        #expect(throws: (any Error).self) {
            try ControlFileCache().read(home.control.appendingPathComponent("me").path + "/rcpthosts")
        }
    }
}
