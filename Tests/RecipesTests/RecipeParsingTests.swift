import Foundation
import Recipes
import Testing
import TestSupport

@Suite(.ownThread) struct RecipeParsingTests {
    @Test func parsesLocalAndRemotePatches() throws {
        let digest = String(repeating: "ab", count: 32)
        let recipe = try Recipe.parse("""
            name: tls-auth
            description: STARTTLS and SMTP AUTH
            base: netqmail-1.06
            patches:
              - auth
              - name: tls
                file: patches/tls.patch
              - name: extra
                urls: [https://example.org/extra.patch, file:///srv/extra.patch]
                size: 512
                sha256: \(digest)
            """, file: "recipes/tls-auth.yaml")
        #expect(recipe.name == "tls-auth")
        #expect(recipe.base == "netqmail-1.06")
        #expect(recipe.summary == "STARTTLS and SMTP AUTH")
        #expect(recipe.patches == [
            PatchReference(name: "auth", location: .local(path: "patches/auth.patch")),
            PatchReference(name: "tls", location: .local(path: "patches/tls.patch")),
            PatchReference(name: "extra", location: .remote(
                urls: [URL(string: "https://example.org/extra.patch")!, URL(string: "file:///srv/extra.patch")!],
                size: 512, sha256: digest)),
        ])
    }

    @Test(arguments: [
        ("name: x\nbase: b\npatches: [a]\ncolour: red\n", 4, 1, "colour", "unknown field"),
        ("name: x\nbase: b\n", 1, 1, "", "missing required field 'patches'"),
        ("name: x\nbase: b\npatches: auth\n", 3, 10, "patches", "expected a list"),
        ("name: x\nbase: b\npatches:\n  - a\n  - a\n", 5, 5, "patches[1]", "listed twice"),
        ("name: x\nbase: b\npatches:\n  - name: r\n    urls: [https://e.org/r.patch]\n    size: 9\n    sha256: XYZ\n",
         7, 13, "patches[0].sha256", "64 lowercase hexadecimal"),
        ("name: x\nbase: b\npatches:\n  - name: r\n    urls: [https://e.org/r.patch]\n    sha256: \(String(repeating: "0", count: 64))\n",
         4, 5, "patches[0]", "missing required field 'size'"),
        ("name: x\nbase: b\npatches:\n  - name: r\n    urls: [ftp://e.org/r]\n    size: 9\n    sha256: \(String(repeating: "0", count: 64))\n",
         5, 12, "patches[0].urls[0]", "not an http, https or file URL"),
        ("name: x\nbase: b\npatches:\n  - name: r\n    file: ../outside.patch\n", 5, 11, "patches[0].file",
         "inside the project"),
        ("name: x\nbase: b\npatches: [a\n", 4, 1, "", "not valid YAML"),
        ("name: 'a b'\nbase: b\npatches: [a]\n", 1, 7, "name", "not a valid name"),
    ])
    func reportsFileLineAndField(text: String, line: Int, column: Int, field: String, message: String) {
        do {
            _ = try Recipe.parse(text, file: "recipes/x.yaml")
            Issue.record("expected an error for: \(text)")
        } catch let error as RecipeError {
            #expect(error.file == "recipes/x.yaml")
            #expect(error.line == line, "\(error)")
            #expect(error.column == column, "\(error)")
            #expect(error.field == field, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func parsesTheShippedSourceDefinition() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let project = Project(root: root)
        let source = try project.source(named: "netqmail-1.06")
        #expect(source.fileName == "netqmail-1.06.tar.gz")
        #expect(source.size == 260_941)
        #expect(source.urls.map(\.absoluteString) == [
            "http://qmail.org/netqmail-1.06.tar.gz",
            "http://www.qmail.org/netqmail-1.06.tar.gz",
            "http://netqmail.org/netqmail-1.06.tar.gz",
        ])
        #expect(source.sha256 == "8e7d98d15211fc9f9c28109e942e2268f42a6672d68df92a42f2afa90ff00532")
        #expect(source.treeID?.count == 40)
    }

    @Test func sourceDefinitionErrorsNameTheField() {
        #expect(throws: RecipeError(file: "s.yaml", line: 3, column: 7, field: "size",
                                    message: "expected a positive whole number of bytes, got '-5'")) {
            try SourceDefinition.parse("name: n\nfile: n.tgz\nsize: -5\nsha256: \(String(repeating: "a", count: 64))\nurls: [http://h/n.tgz]\n",
                                       file: "s.yaml")
        }
    }
}
