/// A boolean that tasks can wait on instead of polling it: `wait(until: true)` returns once it is true. A waiting
/// task that is cancelled returns at once.
public actor WaitableFlag {
    public private(set) var value: Bool
    private var waiters: [Int: (wanted: Bool, continuation: CheckedContinuation<Void, Never>)] = [:]
    private var nextWaiter = 0

    public init(_ value: Bool) {
        self.value = value
    }

    public func set(_ value: Bool) {
        self.value = value
        for (id, waiter) in waiters where waiter.wanted == value {
            waiters.removeValue(forKey: id)
            waiter.continuation.resume()
        }
    }

    public func wait(until wanted: Bool) async {
        guard value != wanted else { return }
        let id = nextWaiter
        nextWaiter += 1
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { continuation.resume() } else { waiters[id] = (wanted, continuation) }
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    private func cancel(_ id: Int) {
        waiters.removeValue(forKey: id)?.continuation.resume()
    }
}
