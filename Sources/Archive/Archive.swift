// Archive: libarchive behind a small, safe API for the tarballs a training job exchanges with S3:
// the user's `sourcedir.tar.gz` (extracted into /opt/ml/code) and `model.tar.gz` / `output.tar.gz`
// (packed from /opt/ml/model and /opt/ml/output/data).

public enum Archive {
    public struct Summary: Sendable, Equatable {
        /// Non-directory entries: regular files, symlinks and hard links.
        public let files: Int
        /// Directory entries, not counting the extraction or packing root itself.
        public let directories: Int
        /// Bytes of regular-file content, before compression.
        public let bytes: Int64
    }

    public enum Compression: Sendable {
        case gzip, none
    }

    /// Why an archive could not be extracted or created. Entry names are as written in the archive
    /// (or relative to the packed directory), so a user can find the offending file.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// The archive file (or the directory to pack) could not be opened.
        case cannotOpen(path: String, reason: String)
        /// The archive is not a tar, or is damaged or truncated.
        case corrupt(archive: String, reason: String)
        /// An entry name starts with `/`.
        case absolutePath(entry: String)
        /// An entry name has a `..` component.
        case parentReference(entry: String)
        /// A symlink or hard link whose target is, or may resolve, outside the extraction directory.
        case linkOutside(entry: String, target: String)
        /// An entry would be written through a symlink extracted earlier from the same archive.
        case throughSymlink(entry: String, link: String)
        /// A device, FIFO, socket or other special file.
        case unsupportedType(entry: String, kind: String)
        /// The destination path is longer than the platform allows.
        case pathTooLong(entry: String)
        /// Writing an extracted entry, the extraction directory or the new archive failed.
        case cannotWrite(path: String, reason: String)
        /// Reading a file to pack failed.
        case cannotRead(path: String, reason: String)
        /// The entries' contents would exceed the byte limit the extraction was given.
        case tooLarge(entry: String, limit: Int64)

        public var description: String {
            switch self {
            case let .cannotOpen(path, reason):
                "cannot open '\(path)': \(reason)"
            case let .corrupt(archive, reason):
                "'\(archive)' is not a readable tar archive (it may be damaged or truncated): \(reason)"
            case let .absolutePath(entry):
                "archive entry '\(entry)' has an absolute path; entries must be relative to the extraction directory"
            case let .parentReference(entry):
                "archive entry '\(entry)' contains a '..' component, which could escape the extraction directory"
            case let .linkOutside(entry, target):
                "archive entry '\(entry)' links to '\(target)', which is or may resolve outside the extraction directory"
            case let .throughSymlink(entry, link):
                "archive entry '\(entry)' would be written through the symlink '\(link)'"
            case let .unsupportedType(entry, kind):
                "'\(entry)' is a \(kind); only regular files, directories and links are supported"
            case let .pathTooLong(entry):
                "archive entry '\(entry)' has a path too long to extract"
            case let .cannotWrite(path, reason):
                "cannot write '\(path)': \(reason)"
            case let .cannotRead(path, reason):
                "cannot read '\(path)': \(reason)"
            case let .tooLarge(entry, limit):
                "archive entry '\(entry)' would bring the unpacked contents past \(limit) bytes"
            }
        }
    }
}
