import NIOPosix

/// Runs blocking file-system calls on a dedicated thread pool, so they never stall the event loops or the
/// cooperative executor.
public struct BlockingIO: Sendable {
    private let pool: NIOThreadPool

    public init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    public func run<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        // Requests run on their connection's event loop; resuming there, and not on whichever loop is next,
        // keeps a streamed body's reads and socket writes on one thread (it halved download_file otherwise).
        if let loop = MultiThreadedEventLoopGroup.currentEventLoop {
            return try await pool.runIfActive(eventLoop: loop, body).get()
        }
        return try await pool.runIfActive(body)
    }

    /// Runs `body` on the pool without waiting for it; it also runs when the pool shuts down first.
    public func submit(_ body: @Sendable @escaping () -> Void) {
        pool.submit { _ in body() }
    }

    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
