/// What to do when a job asks for more GPUs than the machine has.
public enum GPUShortagePolicy: String, Sendable, CaseIterable {
    /// Run with every GPU the machine has (waiting while they are busy).
    case run
    /// Wait until the requested number is free; with fewer on the machine, the job waits until it is stopped.
    case wait
    /// Fail the job at once with a clear reason.
    case fail
}

/// Hands out disjoint sets of GPU indices to concurrent jobs.
public actor GPUAllocator {
    public let inventory: GPUInventory
    public let policy: GPUShortagePolicy
    private var free: [Int]
    private var waiters: [(id: Int, count: Int, continuation: CheckedContinuation<[Int], Never>)] = []
    private var nextWaiter = 0

    public init(inventory: GPUInventory, policy: GPUShortagePolicy) {
        self.inventory = inventory
        self.policy = policy
        free = inventory.indices
    }

    public enum Shortage: Error, CustomStringConvertible {
        case insufficient(requested: Int, available: Int)
        public var description: String {
            switch self {
            case .insufficient(let requested, let available):
                return "the job needs \(requested) GPU(s) but this machine has \(available) (server setting --gpu-shortage fail)"
            }
        }
    }

    /// How many GPUs a request for `requested` will actually get under the policy.
    public func grantable(_ requested: Int) throws -> Int {
        let total = inventory.indices.count
        guard requested > total else { return requested }
        switch policy {
        case .run: return total
        case .wait: return requested
        case .fail: throw Shortage.insufficient(requested: requested, available: total)
        }
    }

    /// Waits until `count` GPUs are free and takes them; a cancelled wait (a job stopped while queued) returns
    /// an empty set and takes nothing.
    public func acquire(_ count: Int) async -> [Int] {
        guard count > 0 else { return [] }
        if waiters.isEmpty, free.count >= count {
            return take(count)
        }
        let id = nextWaiter
        nextWaiter += 1
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(returning: [])
                } else {
                    waiters.append((id, count, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWait(id) }
        }
    }

    private func cancelWait(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: [])
    }

    public func release(_ indices: [Int]) {
        guard !indices.isEmpty else { return }
        free = (free + indices).sorted()
        // First come, first served: a large request at the head is not starved by small ones behind it.
        while let first = waiters.first, free.count >= first.count {
            waiters.removeFirst()
            first.continuation.resume(returning: take(first.count))
        }
    }

    private func take(_ count: Int) -> [Int] {
        let taken = Array(free.prefix(count))
        free.removeFirst(count)
        return taken
    }
}
