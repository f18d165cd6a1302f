import Foundation

/// A failed system call, with errno's text.
struct POSIXFailure: Error, CustomStringConvertible {
    let description: String
    init(_ what: String) {
        description = "\(what): \(String(cString: strerror(errno)))"
    }
}

/// Fills `buffer` from the file at `offset`; blobs never shrink, so running out of bytes is an error.
func readFully(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws {
    var done = 0
    while done < buffer.count {
        let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
        if n < 0, errno == EINTR { continue }
        guard n > 0 else { throw POSIXFailure("read blob") }
        done += n
    }
}

func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
        let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            throw POSIXFailure("write")
        }
        offset += n
    }
}
