import CArchive

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Archive {
    /// Extracts any tar (gzip/bzip2/xz/none, detected) into `directory` (created if missing).
    /// Refuses, with a Failure naming the entry: absolute paths, any `..` component, symlinks or hard links whose
    /// target would resolve outside `directory` (absolute targets too), device/FIFO/socket entries; never writes
    /// through a symlink. Keeps file modes (so scripts stay executable; setuid/setgid dropped) and modification
    /// times, not owners. On failure, entries extracted before the offending one stay in `directory`; nothing is
    /// written outside it. With a `limit`, file contents may total at most that many bytes: an entry whose declared
    /// size would pass it is refused before a byte of it is written, and the running total is checked as data
    /// comes, so a compression bomb stops at the limit.
    @discardableResult
    public static func extract(file: String, into directory: String, limit: Int64? = nil) throws -> Summary {
        try extract(file: file, into: directory, limit: limit, allowPrivateWorkingDirectory: true)
    }

    /// Where supported (Linux, unless a seccomp profile forbids unshare), extraction runs on a thread with its own
    /// working directory set to `directory`, so libarchive gets short relative paths: its symlink check walks
    /// only the entry's own components, and NOABSOLUTEPATHS applies as designed. Otherwise entries are written
    /// as absolute paths under `directory`, which is as safe but costs more syscalls per entry.
    @discardableResult
    static func extract(file: String, into directory: String, limit: Int64? = nil, allowPrivateWorkingDirectory: Bool) throws -> Summary {
        let root = try canonicalDirectory(directory)
        // Opened here, before any change of directory, so a relative `file` means what the caller meant.
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure.cannotOpen(path: file, reason: errnoMessage()) }
        defer { close(descriptor) }
        let startsEmpty = try directoryNames(root.isEmpty ? [slash] : root).isEmpty
        #if os(Linux)
        // The Extractor must live and die on that thread: freeing it applies deferred directory modes and times
        // through paths relative to the working directory.
        if allowPrivateWorkingDirectory, let outcome = onThreadInDirectory(root, {
            Result {
                try Extractor(archive: file, descriptor: descriptor, root: root, relative: true, startsEmpty: startsEmpty, limit: limit).run()
            }
        }) {
            return try outcome.get()
        }
        #endif
        return try Extractor(archive: file, descriptor: descriptor, root: root, relative: false, startsEmpty: startsEmpty, limit: limit).run()
    }

    #if os(Linux)
    /// Runs `body` on a new thread whose working directory and umask are its own (unshare(CLONE_FS)), with the
    /// working directory set to `directory`; the rest of the process is unaffected. Returns nil, without running
    /// `body`, when the thread or the unshare cannot be had.
    static func onThreadInDirectory<R>(_ directory: PathBytes, _ body: () -> R) -> R? {
        var outcome: R?
        withoutActuallyEscaping({
            guard unshare(CArchive_CLONE_FS) == 0, directory.withCPath({ chdir($0) }) == 0 else { return }
            outcome = body()
        }) { work in
            let job = Unmanaged.passRetained(ThreadJob(work)).toOpaque()
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { job in
                Unmanaged<ThreadJob>.fromOpaque(job!).takeRetainedValue().work()
                return nil
            }, job)
            if started == 0 {
                pthread_join(thread, nil)
            } else {
                Unmanaged<ThreadJob>.fromOpaque(job).release()
            }
        }
        return outcome
    }

    private final class ThreadJob {
        let work: () -> Void
        init(_ work: @escaping () -> Void) { self.work = work }
    }
    #endif

    /// Creates `directory` and its parents as needed and returns its real path, so the checks in
    /// `Extractor` compare against a path that contains no symlinks.
    private static func canonicalDirectory(_ directory: String) throws -> PathBytes {
        var prefix = directory.hasPrefix("/") ? "/" : ""
        for part in directory.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw Failure.cannotWrite(path: directory, reason: errnoMessage())
            }
            prefix += "/"
        }
        guard let resolved = realpath(directory, nil) else {
            throw Failure.cannotWrite(path: directory, reason: errnoMessage())
        }
        defer { free(resolved) }
        var info = stat()
        guard stat(resolved, &info) == 0, info.st_mode & CArchive_AE_IFMT == CArchive_AE_IFDIR else {
            throw Failure.cannotWrite(path: directory, reason: "not a directory")
        }
        let path = PathBytes(cString: resolved)
        return path == [slash] ? [] : path
    }

    /// Whether a relative symlink target, read in a directory `depth` levels below the extraction root, stays
    /// inside it. Accepted targets climb with leading `..` components (through real directories, since no entry is
    /// written through a symlink) no higher than the root, then only descend. A `..` after a descending component
    /// is refused: that component may be a symlink (now or later in the archive), so the `..` would climb out of
    /// wherever it points rather than back to where a lexical reading says.
    static func symlinkStaysInside(target: PathBytes, depth: Int) -> Bool {
        guard target.first != slash else { return false }
        var climbs = 0
        var descended = false
        for part in target.pathComponents {
            if part == dotDot {
                if descended { return false }
                climbs += 1
            } else {
                descended = true
            }
        }
        return climbs <= depth
    }
}

/// One extraction: a libarchive reader feeding a libarchive disk writer, with every entry vetted in between.
private final class Extractor {
    let archivePath: String
    /// The canonical extraction directory; empty for `/`.
    let root: PathBytes
    /// What libarchive gets in front of each entry name: nothing when the working directory is `root`.
    let prefix: PathBytes
    let reader: OpaquePointer
    let writer: OpaquePointer
    /// Symlinks this extraction created, by normalized path: `vet` refuses any entry whose path goes through one,
    /// naming it (libarchive's own refusal only says which path it found a symlink in).
    var symlinks: Set<PathBytes> = []
    /// Whether libarchive's ARCHIVE_EXTRACT_SECURE_SYMLINKS is on. It re-walks every entry's path (an open, stat and
    /// close per component), which makes archives of many small files slower than `tar xzf`, and it can only find
    /// something once the tree holds a symlink: from the start if the directory had prior contents, otherwise from
    /// the first symlink this archive creates. (Matching paths against `symlinks` instead would miss a differently
    /// cased spelling on a case-insensitive file system.)
    var checkingSymlinks = false
    /// The libarchive disk options other than SECURE_SYMLINKS.
    let options: Int32
    var files = 0
    var directories = 0
    var bytes: Int64 = 0
    /// The most file content this extraction may write.
    let limit: Int64

    init(archive: String, descriptor: Int32, root: PathBytes, relative: Bool, startsEmpty: Bool, limit: Int64?) throws {
        archivePath = archive
        self.limit = limit ?? .max
        self.root = root
        prefix = relative ? [] : root + [slash]
        guard let reader = archive_read_new(), let writer = archive_write_disk_new() else {
            fatalError("libarchive could not allocate its state: out of memory")
        }
        self.reader = reader
        self.writer = writer
        archive_read_support_filter_all(reader)
        archive_read_support_format_tar(reader)
        // No ARCHIVE_EXTRACT_OWNER: files belong to whoever runs Sagebox.
        var options = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT
        // With absolute paths NOABSOLUTEPATHS would refuse every entry; `vet` refuses absolute names either way.
        if relative { options |= ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS }
        self.options = options
        archive_write_disk_set_options(writer, options)
        if !startsEmpty { checkSymlinks() }
        // Opening reads the first block to detect the compression and format.
        guard archive_read_open_fd(reader, descriptor, copyBufferSize) == ARCHIVE_OK else { throw corrupt() }
    }

    deinit {
        // Freeing closes first, which also applies the deferred permissions and times of directories.
        archive_read_free(reader)
        archive_write_free(writer)
    }

    func run() throws -> Archive.Summary {
        var entry: OpaquePointer?
        while true {
            let status = archive_read_next_header(reader, &entry)
            if status == ARCHIVE_EOF { break }
            // ARCHIVE_WARN covers names that cannot be converted to the current locale; the raw bytes are kept.
            guard succeeded(status), let entry else { throw corrupt() }
            try extract(entry)
        }
        guard succeeded(archive_write_close(writer)) else {
            throw Archive.Failure.cannotWrite(path: root.display, reason: libarchiveMessage(writer))
        }
        return Archive.Summary(files: files, directories: directories, bytes: bytes)
    }

    private func checkSymlinks() {
        checkingSymlinks = true
        archive_write_disk_set_options(writer, options | ARCHIVE_EXTRACT_SECURE_SYMLINKS)
    }

    private func corrupt() -> Archive.Failure {
        .corrupt(archive: archivePath, reason: libarchiveMessage(reader))
    }

    private func extract(_ entry: OpaquePointer) throws {
        guard let rawName = archive_entry_pathname(entry) else {
            throw Archive.Failure.corrupt(archive: archivePath, reason: "an entry has no name")
        }
        let name = PathBytes(cString: rawName)
        guard let vetted = try vet(entry, name: name) else { return }
        try write(entry, name: name)
        let path = joined(vetted.components)
        if vetted.isSymlink {
            symlinks.insert(path)
            checkSymlinks()
        } else {
            // Whatever was at this path (possibly a symlink) has been replaced.
            symlinks.remove(path)
        }
    }

    /// Applies the safety rules to one entry and rewrites its path (and hard link target) under the root.
    /// Returns nil for entries naming the root itself (`./`): its mode and times are the caller's, not the archive's.
    private func vet(_ entry: OpaquePointer, name: PathBytes) throws -> (components: [ArraySlice<UInt8>], isSymlink: Bool)? {
        let display = name.display
        guard name.first != slash else { throw Archive.Failure.absolutePath(entry: display) }
        let components = name.pathComponents
        guard !components.contains(dotDot) else { throw Archive.Failure.parentReference(entry: display) }
        let type = archive_entry_filetype(entry)
        let hardlink = archive_entry_hardlink(entry).map(PathBytes.init(cString:))
        if components.isEmpty {
            guard hardlink == nil, type == CArchive_AE_IFDIR else {
                throw Archive.Failure.cannotWrite(path: display, reason: "the name refers to the extraction directory itself")
            }
            return nil
        }
        try refuseThroughSymlink(components, entry: display)
        try setPath(entry, components, entryName: display) { archive_entry_copy_pathname($0, $1) }
        // Setuid/setgid files would let a job's code gain the privileges of whoever runs Sagebox.
        archive_entry_set_perm(entry, archive_entry_perm(entry) & 0o1777)

        if let hardlink {
            let isSymlink = try vetHardlink(hardlink, depth: components.count - 1, entry: display)
            try setPath(entry, hardlink.pathComponents, entryName: display) { archive_entry_copy_hardlink($0, $1) }
            return (components, isSymlink)
        }
        switch type {
        case CArchive_AE_IFREG, CArchive_AE_IFDIR:
            return (components, false)
        case CArchive_AE_IFLNK:
            let target = archive_entry_symlink(entry).map(PathBytes.init(cString:)) ?? []
            guard Archive.symlinkStaysInside(target: target, depth: components.count - 1) else {
                throw Archive.Failure.linkOutside(entry: display, target: target.display)
            }
            return (components, true)
        default:
            throw Archive.Failure.unsupportedType(entry: display, kind: describe(fileType: type))
        }
    }

    /// Hard link targets name an earlier entry, relative to the root. Returns whether the target is a symlink,
    /// in which case the link is a second symlink whose target is read from the hard link's own directory.
    private func vetHardlink(_ target: PathBytes, depth: Int, entry: String) throws -> Bool {
        let components = target.pathComponents
        guard target.first != slash, !components.contains(dotDot), !components.isEmpty else {
            throw Archive.Failure.linkOutside(entry: entry, target: target.display)
        }
        try refuseThroughSymlink(components, entry: entry)
        let path = root + [slash] + joined(components)
        var info = stat()
        guard path.withCPath({ lstat($0, &info) }) == 0, info.st_mode & CArchive_AE_IFMT == CArchive_AE_IFLNK else {
            return false
        }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        let count = path.withCPath { readlink($0, &buffer, buffer.count) }
        let linkTarget = PathBytes(buffer[..<max(count, 0)].map { UInt8(bitPattern: $0) })
        guard count >= 0, Archive.symlinkStaysInside(target: linkTarget, depth: depth) else {
            throw Archive.Failure.linkOutside(entry: entry, target: target.display)
        }
        return true
    }

    private func refuseThroughSymlink(_ components: [ArraySlice<UInt8>], entry: String) throws {
        guard !symlinks.isEmpty else { return }
        for end in 1..<components.count {
            let prefix = joined(components[..<end])
            if symlinks.contains(prefix) {
                throw Archive.Failure.throughSymlink(entry: entry, link: prefix.display)
            }
        }
    }

    /// Stores `prefix/components` into the entry. Paths whose absolute form reaches PATH_MAX are refused: with
    /// absolute paths libarchive would chdir() into intermediate directories, moving every thread.
    private func setPath(
        _ entry: OpaquePointer, _ components: [ArraySlice<UInt8>], entryName: String,
        set: (OpaquePointer, UnsafePointer<CChar>) -> Void
    ) throws {
        let path = joined(components)
        guard root.count + 1 + path.count < Int(PATH_MAX) else { throw Archive.Failure.pathTooLong(entry: entryName) }
        (prefix + path).withCPath { set(entry, $0) }
    }

    private func write(_ entry: OpaquePointer, name: PathBytes) throws {
        let failed = { Archive.Failure.cannotWrite(path: name.display, reason: libarchiveMessage(self.writer)) }
        let tooLarge = Archive.Failure.tooLarge(entry: name.display, limit: limit)
        if archive_entry_size_is_set(entry) != 0, archive_entry_size(entry) > limit - bytes { throw tooLarge }
        guard succeeded(archive_write_header(writer, entry)) else { throw failed() }
        // Data blocks come straight from libarchive's decompression buffer; offsets keep sparse files sparse.
        var block: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let status = archive_read_data_block(reader, &block, &size, &offset)
            if status == ARCHIVE_EOF { break }
            guard succeeded(status) else { throw corrupt() }
            // Declared sizes can lie (and sparse entries declare less than their data): the running total decides.
            guard Int64(size) <= limit - bytes else { throw tooLarge }
            guard succeeded(Int32(archive_write_data_block(writer, block, size, offset))) else { throw failed() }
            bytes += Int64(size)
        }
        guard succeeded(archive_write_finish_entry(writer)) else { throw failed() }
        if archive_entry_filetype(entry) == CArchive_AE_IFDIR && archive_entry_hardlink(entry) == nil {
            directories += 1
        } else {
            files += 1
        }
    }
}
