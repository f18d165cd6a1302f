import CArchive

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Paths are handled as raw bytes, not `String`, so names that are not valid UTF-8 reach the file
// system unchanged instead of being "repaired" into different names.
typealias PathBytes = [UInt8]

let slash = UInt8(ascii: "/")
let dotDot: ArraySlice<UInt8> = [UInt8(ascii: "."), UInt8(ascii: ".")][...]

/// Copy buffer for packing: large enough to amortise syscalls, small enough to never matter for memory.
let copyBufferSize = 1 << 20

extension Array where Element == UInt8 {
    init(cString: UnsafePointer<CChar>) {
        self = Array(UnsafeRawBufferPointer(start: cString, count: strlen(cString)))
    }

    /// For messages only: invalid UTF-8 is shown with replacement characters.
    var display: String { String(decoding: self, as: UTF8.self) }

    func withCPath<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        try (self + [0]).withUnsafeBufferPointer { bytes in
            try bytes.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// The non-empty components other than `.`, so `./a//b/` and `a/b` name the same entry.
    var pathComponents: [ArraySlice<UInt8>] {
        split(separator: slash).filter { $0 != [UInt8(ascii: ".")][...] }
    }
}

func joined(_ components: some Collection<ArraySlice<UInt8>>) -> PathBytes {
    Array(components.joined(separator: [slash]))
}

/// The names in a directory, other than `.` and `..`, in no particular order.
func directoryNames(_ directory: PathBytes) throws -> [PathBytes] {
    guard let stream = directory.withCPath({ opendir($0) }) else {
        throw Archive.Failure.cannotRead(path: directory.display, reason: errnoMessage())
    }
    defer { closedir(stream) }
    var names: [PathBytes] = []
    errno = 0
    while let entry = readdir(stream) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { PathBytes($0.prefix { $0 != 0 }) }
        if name != [UInt8(ascii: ".")] && name[...] != dotDot { names.append(name) }
    }
    guard errno == 0 else {
        throw Archive.Failure.cannotRead(path: directory.display, reason: errnoMessage())
    }
    return names
}

func errnoMessage(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// ARCHIVE_WARN is success with a caveat, e.g. a name that cannot be converted to the current locale
/// (its raw bytes are kept) or a time that could not be restored.
func succeeded(_ status: Int32) -> Bool {
    status == ARCHIVE_OK || status == ARCHIVE_WARN
}

func libarchiveMessage(_ archive: OpaquePointer) -> String {
    archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
}

func describe(fileType: mode_t) -> String {
    switch fileType & CArchive_AE_IFMT {
    case CArchive_AE_IFCHR: "character device"
    case CArchive_AE_IFBLK: "block device"
    case CArchive_AE_IFIFO: "FIFO"
    case CArchive_AE_IFSOCK: "socket"
    default: "file of unknown type"
    }
}
