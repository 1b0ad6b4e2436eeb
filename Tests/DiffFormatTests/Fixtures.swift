import Foundation
import DiffFormat

/// One change set (modify src/numbers.txt, create src/new.txt, delete
/// src/old.txt whose last line has no newline) written in every dialect.
enum Fixtures {
    static let numbersOld = "line one\nline two\nline three\nline four\nline five\nline six\nline seven\nline eight\n"
    static let numbersNew = "line one\nline two\nline three\nline FOUR\nline four and a half\nline five\nline six\nline seven\nline eight\n"

    /// The hunks every unified dialect below writes the same way.
    static let newFileHunk = """
        @@ -0,0 +1,2 @@
        +alpha
        +beta
        """
    /// src/numbers.txt's hunk after its `@@ -1,7 +1,8 @@` line, which a mail may end with a section name.
    static let numbersHunk = """
         line one
         line two
         line three
        -line four
        +line FOUR
        +line four and a half
         line five
         line six
         line seven
        """
    static let oldFileHunk = """
        @@ -1,2 +0,0 @@
        -gone
        -last
        \\ No newline at end of file
        """

    static let git = """
        diff --git a/src/new.txt b/src/new.txt
        new file mode 100644
        index 0000000..fbbee86
        --- /dev/null
        +++ b/src/new.txt
        \(newFileHunk)
        diff --git a/src/numbers.txt b/src/numbers.txt
        index 73e96e6..dab0c20 100644
        --- a/src/numbers.txt
        +++ b/src/numbers.txt
        @@ -1,7 +1,8 @@
        \(numbersHunk)
        diff --git a/src/old.txt b/src/old.txt
        deleted file mode 100644
        index 68a3d98..0000000
        --- a/src/old.txt
        +++ /dev/null
        \(oldFileHunk)

        """

    /// `diff -Naur netqmail-1.06.orig netqmail-1.06` (applied with -p1), with
    /// timestamps, the epoch convention and `Only in` noise between files.
    static let naur = """
        diff -Naur netqmail-1.06.orig/src/new.txt netqmail-1.06/src/new.txt
        --- netqmail-1.06.orig/src/new.txt\t1970-01-01 00:00:00.000000000 +0000
        +++ netqmail-1.06/src/new.txt\t2015-02-01 10:00:00.329717878 +0100
        \(newFileHunk)
        Only in netqmail-1.06.orig: build-stamp
        diff -Naur netqmail-1.06.orig/src/numbers.txt netqmail-1.06/src/numbers.txt
        --- netqmail-1.06.orig/src/numbers.txt\t2015-02-01 10:00:00.291369638 +0100
        +++ netqmail-1.06/src/numbers.txt\t2015-02-01 10:00:00.302595680 +0100
        @@ -1,7 +1,8 @@
        \(numbersHunk)
        diff -Naur netqmail-1.06.orig/src/old.txt netqmail-1.06/src/old.txt
        --- netqmail-1.06.orig/src/old.txt\t2015-02-01 10:00:00.315369639 +0100
        +++ netqmail-1.06/src/old.txt\t1969-12-31 19:00:00.000000000 -0500
        \(oldFileHunk)

        """

    /// Plain `diff -u` per file at -p0 with `.orig` names and old-style dates.
    static let p0 = """
        --- src/new.txt\tThu Jan  1 00:00:00 1970
        +++ src/new.txt\tSun Feb  1 10:00:00 2015
        \(newFileHunk)
        --- src/numbers.txt.orig\tSun Feb  1 10:00:00 2015
        +++ src/numbers.txt\tSun Feb  1 10:00:00 2015
        @@ -1,7 +1,8 @@
        \(numbersHunk)
        --- src/old.txt
        +++ /dev/null
        \(oldFileHunk)

        """

    /// `diff -Nacr a b`: the old context format.
    static let context = """
        diff -Nacr a/src/new.txt b/src/new.txt
        *** a/src/new.txt\t1970-01-01 00:00:00.000000000 +0000
        --- b/src/new.txt\t2015-02-01 10:00:00.329717878 +0000
        ***************
        *** 0 ****
        --- 1,2 ----
        + alpha
        + beta
        diff -Nacr a/src/numbers.txt b/src/numbers.txt
        *** a/src/numbers.txt\t2015-02-01 10:00:00.291369638 +0000
        --- b/src/numbers.txt\t2015-02-01 10:00:00.302595680 +0000
        ***************
        *** 1,7 ****
          line one
          line two
          line three
        ! line four
          line five
          line six
          line seven
        --- 1,8 ----
          line one
          line two
          line three
        ! line FOUR
        ! line four and a half
          line five
          line six
          line seven
        diff -Nacr a/src/old.txt b/src/old.txt
        *** a/src/old.txt\t2015-02-01 10:00:00.315369639 +0000
        --- b/src/old.txt\t1970-01-01 00:00:00.000000000 +0000
        ***************
        *** 1,2 ****
        - gone
        - last
        \\ No newline at end of file
        --- 0 ----

        """

    static func crlf(_ text: String) -> [UInt8] {
        Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
