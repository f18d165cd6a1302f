import Foundation

/// Forwards TCP connections made to `listen` (a job network's gateway) to `target` (Sagebox on loopback), so jobs in
/// their own network namespaces reach the server without it listening beyond 127.0.0.1. A thread accepts; each
/// connection gets two threads copying bytes, one a direction. Job clients are few, so threads are cheap enough.
public final class PortForwarder: Sendable {
    private let listener: Int32
    private let target: (address: String, port: UInt16)
    private let wake: (read: Int32, write: Int32)

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Binds `address:port` now; nil when the address is already served (a server bound to 0.0.0.0 answers there
    /// itself).
    public init?(address: String, port: UInt16, target: String, targetPort: UInt16) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var bound = Self.socketAddress(address, port)
        let status = withUnsafePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if status != 0 {
            let code = errno
            close(fd)
            if code == EADDRINUSE { return nil }
            throw Failure(description: "bind \(address):\(port): \(String(cString: strerror(code)))")
        }
        guard listen(fd, 64) == 0 else {
            close(fd)
            throw Failure(description: "listen: \(String(cString: strerror(errno)))")
        }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            close(fd)
            throw Failure(description: "pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        listener = fd
        wake = (ends[0], ends[1])
        self.target = (target, targetPort)
        let (listener, wake, destination) = (listener, wake, self.target)
        Thread.detachNewThread { Self.accept(listener, wake: wake.read, target: destination) }
    }

    /// Stops accepting; connections in flight end when either side closes.
    public func stop() {
        _ = write(wake.write, "x", 1)
    }

    private static func accept(_ listener: Int32, wake: Int32, target: (address: String, port: UInt16)) {
        defer {
            close(listener)
            close(wake)
        }
        var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        while true {
            guard poll(&fds, 2, -1) >= 0 || errno == EINTR else { return }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            let client = Glibc.accept(listener, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = socketAddress(target.address, target.port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard server >= 0, connected == 0 else {
                close(client)
                if server >= 0 { close(server) }
                continue
            }
            let remaining = Remaining(2)
            Thread.detachNewThread { copy(from: client, to: server, remaining: remaining, other: client) }
            Thread.detachNewThread { copy(from: server, to: client, remaining: remaining, other: server) }
        }
    }

    /// Copies until end of file, then half-closes the destination; the last of the two copies closes both sockets.
    private static func copy(from source: Int32, to destination: Int32, remaining: Remaining, other: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        loop: while true {
            let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            var offset = 0
            while offset < n {
                let written = buffer.withUnsafeBytes { Glibc.write(destination, $0.baseAddress! + offset, n - offset) }
                if written < 0, errno == EINTR { continue }
                if written <= 0 { break loop }
                offset += written
            }
        }
        shutdown(destination, Int32(SHUT_WR))
        if remaining.finishOne() {
            close(source)
            close(destination)
        }
    }

    private static func socketAddress(_ address: String, _ port: UInt16) -> sockaddr_in {
        var result = sockaddr_in()
        result.sin_family = sa_family_t(AF_INET)
        result.sin_port = port.bigEndian
        inet_pton(AF_INET, address, &result.sin_addr)
        return result
    }
}

/// How many of a connection's two copying threads are still running.
private final class Remaining: @unchecked Sendable {
    private let lock = NSLock()
    private var count: Int
    init(_ count: Int) { self.count = count }

    /// True for the thread that finishes last.
    func finishOne() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        count -= 1
        return count == 0
    }
}
