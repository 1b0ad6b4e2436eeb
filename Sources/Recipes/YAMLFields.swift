import Foundation
import Yams

/// Reads typed fields out of a composed YAML node, turning every mismatch into a
/// `RecipeError` that names the file, line, column and field path.
struct YAMLFields {
    let file: String

    func document(_ text: String) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw RecipeError(file: file, line: 1, column: 1, field: "", message: "the file is empty")
            }
            return node
        } catch let error as YamlError {
            throw syntaxError(error)
        }
    }

    func mapping(_ node: Node, _ field: String) throws -> Node.Mapping {
        guard let mapping = node.mapping else { throw error(node, field, "expected a mapping of fields") }
        return mapping
    }

    /// The fields of `mapping`, refusing names outside `allowed` and repeated names.
    func fields(_ mapping: Node.Mapping, _ field: String, allowed: Set<String>) throws -> [String: Node] {
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            let path = field.isEmpty ? name : "\(field).\(name)"
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw error(key, path, "unknown field (known fields: \(known))")
            }
            guard result[name] == nil else { throw error(key, path, "field given twice") }
            result[name] = value
        }
        return result
    }

    func required(_ fields: [String: Node], _ name: String, in parent: Node, _ parentPath: String) throws -> Node {
        guard let node = fields[name] else {
            throw error(parent, parentPath, "missing required field '\(name)'")
        }
        return node
    }

    func string(_ node: Node, _ field: String) throws -> String {
        guard let scalar = node.scalar else { throw error(node, field, "expected a single value") }
        let text = scalar.string.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw error(node, field, "must not be empty") }
        return text
    }

    func name(_ node: Node, _ field: String) throws -> String {
        let text = try string(node, field)
        guard isName(text) else {
            throw error(node, field, "'\(text)' is not a valid name (letters, digits, '.', '-', '_', '+')")
        }
        return text
    }

    private func isName(_ text: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+")
        return !text.isEmpty && text.allSatisfy({ allowed.contains($0) }) && text.first != "."
    }

    /// A list of names: a YAML sequence, or one scalar separated by commas or spaces
    /// (the way a `Requires:` header writes it); empty is allowed.
    func names(_ node: Node, _ field: String) throws -> [String] {
        if let sequence = node.sequence {
            return try sequence.enumerated().map { index, item in try name(item, "\(field)[\(index)]") }
        }
        guard let scalar = node.scalar else { throw error(node, field, "expected a list of names") }
        return try scalar.string.split(whereSeparator: { $0 == "," || $0 == " " }).map { word in
            let text = String(word)
            guard isName(text) else {
                throw error(node, field, "'\(text)' is not a valid name (letters, digits, '.', '-', '_', '+')")
            }
            return text
        }
    }

    func stripLevel(_ node: Node, _ field: String) throws -> Int {
        let text = try string(node, field)
        guard let value = Int(text), (0...32).contains(value) else {
            throw error(node, field, "expected a strip level from 0 to 32 (as patch -pN), got '\(text)'")
        }
        return value
    }

    func positiveInteger(_ node: Node, _ field: String) throws -> Int64 {
        let text = try string(node, field)
        guard let value = Int64(text), value > 0 else {
            throw error(node, field, "expected a positive whole number of bytes, got '\(text)'")
        }
        return value
    }

    func hexDigest(_ node: Node, _ field: String, length: Int) throws -> String {
        let text = try string(node, field)
        guard text.count == length, text.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw error(node, field, "expected \(length) lowercase hexadecimal digits, got '\(text)'")
        }
        return text
    }

    func urls(_ node: Node, _ field: String) throws -> [URL] {
        let items: [Node]
        if let sequence = node.sequence {
            items = Array(sequence)
        } else {
            items = [node]
        }
        guard !items.isEmpty else { throw error(node, field, "expected at least one URL") }
        return try items.enumerated().map { index, item in
            let path = "\(field)[\(index)]"
            let text = try string(item, path)
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                  ["http", "https", "file"].contains(scheme) else {
                throw error(item, path, "'\(text)' is not an http, https or file URL")
            }
            return url
        }
    }

    func error(_ node: Node, _ field: String, _ message: String) -> RecipeError {
        RecipeError(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1,
                    field: field, message: message)
    }

    private func syntaxError(_ error: YamlError) -> RecipeError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _),
             let .composer(_, problem, mark, _):
            return RecipeError(file: file, line: mark.line, column: mark.column, field: "",
                               message: "not valid YAML: \(problem)")
        default:
            return RecipeError(file: file, line: 1, column: 1, field: "", message: "not valid YAML: \(error)")
        }
    }
}
