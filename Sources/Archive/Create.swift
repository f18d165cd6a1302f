import CArchive

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Archive {
    /// Packs the contents of `directory` into `file` with entries at the archive root (names like `model.pth`,
    /// `sub/x.bin`, no leading `./` or `/`): regular files, directories and symlinks (as links, not followed), in
    /// a stable order (depth first, names sorted bytewise), with modes and modification times, owned by 0:0.
    /// Anything else (socket, FIFO, device) is refused. Hard-linked files are stored as separate copies.
    /// Writes to `file + ".tmp"` then renames, so a reader never sees a partial archive; the format is
    /// pax_restricted (plain ustar unless a name or size needs an extension), which Python's tarfile reads.
    @discardableResult
    public static func create(file: String, from directory: String, compression: Compression) throws -> Summary {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw Failure.cannotOpen(path: directory, reason: errnoMessage())
        }
        guard info.st_mode & CArchive_AE_IFMT == CArchive_AE_IFDIR else {
            throw Failure.cannotOpen(path: directory, reason: "not a directory")
        }
        let temporary = file + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Failure.cannotWrite(path: temporary, reason: errnoMessage())
        }
        let summary: Summary
        do {
            let packer = try Packer(archive: file, descriptor: descriptor, compression: compression)
            summary = try packer.pack(PathBytes(directory.utf8))
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        // close() can report a deferred write error (e.g. on network file systems), so it is checked too.
        guard close(descriptor) == 0, rename(temporary, file) == 0 else {
            let failure = Failure.cannotWrite(path: file, reason: errnoMessage())
            unlink(temporary)
            throw failure
        }
        return summary
    }
}

/// One archive being written: a libarchive writer on the temporary file plus a reusable copy buffer.
/// `archivePath` is the final name, which is what messages mention.
private final class Packer {
    let archivePath: String
    let writer: OpaquePointer
    /// The temporary archive itself, skipped when `file` lies inside the packed directory.
    let output: (device: dev_t, inode: ino_t)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: copyBufferSize, alignment: 16)
    var files = 0
    var directories = 0
    var bytes: Int64 = 0

    init(archive: String, descriptor: Int32, compression: Archive.Compression) throws {
        archivePath = archive
        var info = stat()
        fstat(descriptor, &info)
        output = (info.st_dev, info.st_ino)
        guard let writer = archive_write_new() else { fatalError("libarchive could not allocate a writer: out of memory") }
        self.writer = writer
        archive_write_set_format_pax_restricted(writer)
        if compression == .gzip {
            archive_write_add_filter_gzip(writer)
            // No timestamp in the gzip header, so packing an unchanged tree gives identical bytes.
            archive_write_set_filter_option(writer, "gzip", "timestamp", nil)
        }
        guard archive_write_open_fd(writer, descriptor) == ARCHIVE_OK else {
            throw Archive.Failure.cannotWrite(path: archive, reason: libarchiveMessage(writer))
        }
    }

    deinit {
        archive_write_free(writer)
        buffer.deallocate()
    }

    func pack(_ directory: PathBytes) throws -> Archive.Summary {
        do {
            try addChildren(of: directory, relative: [])
        } catch {
            // Nothing more reaches the descriptor, not even when the writer is freed: the file is discarded.
            archive_write_fail(writer)
            throw error
        }
        // Close flushes the compressor and writes the end-of-archive blocks; the descriptor stays open.
        guard succeeded(archive_write_close(writer)) else {
            throw Archive.Failure.cannotWrite(path: archivePath, reason: libarchiveMessage(writer))
        }
        return Archive.Summary(files: files, directories: directories, bytes: bytes)
    }

    private func addChildren(of directory: PathBytes, relative: PathBytes) throws {
        for name in try directoryNames(directory).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let path = directory + [slash] + name
            let entryName = relative.isEmpty ? name : relative + [slash] + name
            var info = stat()
            guard path.withCPath({ lstat($0, &info) }) == 0 else {
                throw Archive.Failure.cannotRead(path: entryName.display, reason: errnoMessage())
            }
            switch info.st_mode & CArchive_AE_IFMT {
            case CArchive_AE_IFDIR:
                try writeHeader(entryName, info, size: 0)
                directories += 1
                try addChildren(of: path, relative: entryName)
            case CArchive_AE_IFREG:
                try addFile(path, entryName: entryName)
            case CArchive_AE_IFLNK:
                var target = [CChar](repeating: 0, count: Int(PATH_MAX))
                let count = path.withCPath { readlink($0, &target, target.count) }
                guard count >= 0 else {
                    throw Archive.Failure.cannotRead(path: entryName.display, reason: errnoMessage())
                }
                try writeHeader(entryName, info, size: 0, symlink: target[..<count].map { UInt8(bitPattern: $0) })
                files += 1
            default:
                throw Archive.Failure.unsupportedType(entry: entryName.display, kind: describe(fileType: info.st_mode))
            }
        }
    }

    private func addFile(_ path: PathBytes, entryName: PathBytes) throws {
        // Open without following, then describe what was opened, so a file swapped for a symlink after
        // the directory listing is not followed.
        let descriptor = path.withCPath { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        guard descriptor >= 0 else {
            throw Archive.Failure.cannotRead(path: entryName.display, reason: errnoMessage())
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & CArchive_AE_IFMT == CArchive_AE_IFREG else {
            throw Archive.Failure.cannotRead(path: entryName.display, reason: "changed while being archived")
        }
        if (info.st_dev, info.st_ino) == output { return }
        let size = Int64(info.st_size)
        try writeHeader(entryName, info, size: size)
        var remaining = size
        while remaining > 0 {
            let count = read(descriptor, buffer.baseAddress, min(buffer.count, Int(clamping: remaining)))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let reason = count < 0 ? errnoMessage() : "file shrank while being archived"
                throw Archive.Failure.cannotRead(path: entryName.display, reason: reason)
            }
            guard archive_write_data(writer, buffer.baseAddress, count) == count else {
                throw Archive.Failure.cannotWrite(path: archivePath, reason: libarchiveMessage(writer))
            }
            remaining -= Int64(count)
        }
        files += 1
        bytes += size
    }

    private func writeHeader(_ name: PathBytes, _ info: stat, size: Int64, symlink: PathBytes? = nil) throws {
        guard let entry = archive_entry_new() else { fatalError("libarchive could not allocate an entry: out of memory") }
        defer { archive_entry_free(entry) }
        name.withCPath { archive_entry_copy_pathname(entry, $0) }
        archive_entry_set_filetype(entry, info.st_mode & CArchive_AE_IFMT)
        archive_entry_set_perm(entry, info.st_mode & 0o7777)
        archive_entry_set_size(entry, size)
        // Whole seconds: sub-second times would cost a pax extension header on every entry.
        archive_entry_set_mtime(entry, modificationTime(info), 0)
        symlink?.withCPath { archive_entry_copy_symlink(entry, $0) }
        guard succeeded(archive_write_header(writer, entry)) else {
            throw Archive.Failure.cannotWrite(path: archivePath, reason: "\(name.display): \(libarchiveMessage(writer))")
        }
    }
}

private func modificationTime(_ info: stat) -> time_t {
    #if canImport(Darwin)
    info.st_mtimespec.tv_sec
    #else
    info.st_mtim.tv_sec
    #endif
}
