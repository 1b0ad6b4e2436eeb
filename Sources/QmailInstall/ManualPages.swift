import Foundation

/// Manual pages netqmail's Makefile makes from `.9` templates (dot-qmail.5,
/// qmail-control.5, qmail-send.8, …) in `make man`, which `make it` does not
/// run: the template with QMAILHOME, BREAK and SPAWN replaced by the first
/// lines of conf-qmail, conf-break and conf-spawn. Sans-IO.
public enum ManualPages {
    /// The template a page is made from: `qmail-send.8` → `qmail-send.9`.
    public static func template(of page: String) -> String {
        (page as NSString).deletingPathExtension + ".9"
    }

    /// The page made from `template`'s bytes with the build's settings.
    public static func render(template: [UInt8], home: String, breakCharacter: String, spawn: String) -> [UInt8] {
        let text = String(decoding: template, as: UTF8.self)
            .replacingOccurrences(of: "QMAILHOME", with: home)
            .replacingOccurrences(of: "BREAK", with: breakCharacter)
            .replacingOccurrences(of: "SPAWN", with: spawn)
        return Array(text.utf8)
    }
}
