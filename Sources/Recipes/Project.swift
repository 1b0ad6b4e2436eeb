import Foundation

/// The folder that holds `recipes/` and `patches/`: where qmailkit finds its data.
public struct Project: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    public var recipesDirectory: URL { root.appendingPathComponent("recipes") }
    public var sourcesDirectory: URL { recipesDirectory.appendingPathComponent("sources") }
    public var patchesDirectory: URL { root.appendingPathComponent("patches") }

    /// Finds the project: an explicit directory, else `QMAILKIT_PROJECT`, else the nearest
    /// parent of the working directory with `recipes/sources`, else the checkout this
    /// binary was built from.
    public static func locate(explicit: String?, environment: [String: String],
                              workingDirectory: URL, builtFrom: URL) throws -> Project {
        if let path = explicit ?? environment["QMAILKIT_PROJECT"] {
            let project = Project(root: URL(fileURLWithPath: path, relativeTo: workingDirectory).standardizedFileURL)
            guard project.looksValid else { throw ProjectError.notAProject(project.root.path) }
            return project
        }
        var candidate = workingDirectory.standardizedFileURL
        while true {
            let project = Project(root: candidate)
            if project.looksValid { return project }
            let parent = candidate.deletingLastPathComponent()
            if parent.path == candidate.path { break }
            candidate = parent
        }
        let fallback = Project(root: builtFrom)
        guard fallback.looksValid else { throw ProjectError.notFound(workingDirectory.path) }
        return fallback
    }

    private var looksValid: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: sourcesDirectory.path, isDirectory: &isDirectory)
            && isDirectory.boolValue
    }

    /// The source definition `recipes/sources/<name>.yaml`.
    public func source(named name: String) throws -> SourceDefinition {
        let url = sourcesDirectory.appendingPathComponent("\(name).yaml")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ProjectError.unknownSource(name, known: sourceNames())
        }
        let definition = try SourceDefinition.parse(text, file: relativePath(url))
        guard definition.name == name else {
            throw RecipeError(file: relativePath(url), line: 1, column: 1, field: "name",
                              message: "is '\(definition.name)' but the file is named '\(name).yaml'")
        }
        return definition
    }

    /// A recipe given by name (`recipes/<name>.yaml`) or by path.
    public func recipe(_ nameOrPath: String, workingDirectory: URL) throws -> Recipe {
        let url: URL
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") {
            url = URL(fileURLWithPath: nameOrPath, relativeTo: workingDirectory).standardizedFileURL
        } else {
            url = recipesDirectory.appendingPathComponent("\(nameOrPath).yaml")
        }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ProjectError.unknownRecipe(nameOrPath, known: recipeNames())
        }
        return try Recipe.parse(text, file: relativePath(url))
    }

    public func sourceNames() -> [String] { yamlNames(in: sourcesDirectory) }
    public func recipeNames() -> [String] { yamlNames(in: recipesDirectory) }

    /// `url` relative to the project root when inside it, for messages.
    public func relativePath(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        let prefix = root.standardizedFileURL.path + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    private func yamlNames(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }
}

public enum ProjectError: Error, Equatable, CustomStringConvertible {
    case notAProject(String)
    case notFound(String)
    case unknownSource(String, known: [String])
    case unknownRecipe(String, known: [String])

    public var description: String {
        switch self {
        case let .notAProject(path):
            return "\(path) is not a qmailkit project: it has no recipes/sources folder"
        case let .notFound(path):
            return "no qmailkit project (a folder with recipes/sources) at or above \(path); "
                + "run qmailkit inside a checkout or pass --project DIR"
        case let .unknownSource(name, known):
            return "no source named '\(name)'; known sources: \(known.joined(separator: ", "))"
        case let .unknownRecipe(name, known):
            return "no recipe '\(name)'; known recipes: \(known.joined(separator: ", "))"
        }
    }
}
