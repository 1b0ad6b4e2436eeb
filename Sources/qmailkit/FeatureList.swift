import ArgumentParser
import Foundation
import SMTPEngine

/// The `--features LIST` of serve and verify: feature names, `all` or `none`,
/// comma-separated. What the named features require is added, as `qmailkit
/// patch --with` does (forcetls brings auth and tls).
enum FeatureList {
    /// The words a list may hold, for help texts.
    static let words = (Features.all.names + ["all", "none"]).joined(separator: ", ")

    static func parse(_ list: String) throws -> Features {
        var selected: Features = []
        for word in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            switch word {
            case "all": selected.formUnion(.all)
            case "none": break
            default:
                guard let feature = Features.named(word) else {
                    throw ValidationError("unknown feature '\(word)'; choose from \(words)")
                }
                selected.insert(feature)
            }
        }
        return selected.withRequirements
    }
}
