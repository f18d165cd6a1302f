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
        try await pool.runIfActive(body)
    }

    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
