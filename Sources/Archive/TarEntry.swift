/// One member of a tar archive, as ``TarReader`` returns it after the safety policy admitted it.
public struct TarEntry: Sendable, Equatable {
    /// What a tar entry is, from its typeflag.
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        case regularFile
        case directory
        case symbolicLink
        case hardLink
        case characterDevice
        case blockDevice
        case fifo
        /// A typeflag this reader does not interpret (sparse, volume label, ...).
        case other(typeflag: UInt8)

        init(typeflag: UInt8) {
            switch typeflag {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): self = .regularFile
            case UInt8(ascii: "1"): self = .hardLink
            case UInt8(ascii: "2"): self = .symbolicLink
            case UInt8(ascii: "3"): self = .characterDevice
            case UInt8(ascii: "4"): self = .blockDevice
            case UInt8(ascii: "5"): self = .directory
            case UInt8(ascii: "6"): self = .fifo
            default: self = .other(typeflag: typeflag)
            }
        }

        public var description: String {
            switch self {
            case .regularFile: return "regular file"
            case .directory: return "directory"
            case .symbolicLink: return "symbolic link"
            case .hardLink: return "hard link"
            case .characterDevice: return "character device"
            case .blockDevice: return "block device"
            case .fifo: return "fifo"
            case let .other(typeflag):
                let printable = typeflag >= 0x21 && typeflag < 0x7f
                return printable ? "entry of type '\(Character(Unicode.Scalar(typeflag)))'" : "entry of type \(typeflag)"
            }
        }
    }

    /// Relative path inside the archive: no leading `/`, no `.` or `..` components, no trailing `/`.
    public var path: String
    public var kind: Kind
    /// Permission bits (`0o7777` at most).
    public var mode: UInt32
    /// Data size declared by the header (after pax `size` overrides).
    public var size: Int
    /// Symlink target exactly as stored, or a hard link's target as a normalized archive path.
    public var linkTarget: String?
    /// File data for regular files; empty for every other kind.
    public var contents: [UInt8]
    /// Byte offset of the entry's own header block in the uncompressed archive.
    public var headerOffset: Int
}
