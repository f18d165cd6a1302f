import Foundation

/// A process of a running job, as its run object sees it: something to signal.
public protocol RunningProcess: Sendable {
    /// Signals the process and whatever it started (its group); one already gone is not an error.
    func signal(_ signal: Int32)
}

/// One running job's mutable state and its signals, whatever the job's kind (a training job with N hosts, a
/// processing job, a tuning trial, an endpoint): the phase it is in, the attempt, a requested stop or interruption,
/// its deadlines, its GPU lease and its processes. The executor that runs the job owns it; everybody else holds it
/// as a handle to ask for a stop or an interruption and awaits its signals instead of polling flags.
public actor JobRun {
    /// Where a job's attempt stands, as far as stopping and interrupting it are concerned.
    public enum Phase: Sendable, Equatable {
        case starting, downloading, running, uploading, restarting, finished
    }

    /// Why an interruption was refused.
    public enum InterruptRefusal: Error, Equatable {
        /// Only a job whose processes run can be interrupted.
        case notRunning(Phase)
        case alreadyInterrupted
    }

    public struct Settings: Sendable {
        /// Seconds between SIGTERM and SIGKILL when the job is brought down.
        public var stopGraceSeconds: Double
        /// Whether processes that would not receive SIGTERM in the real container get it anyway.
        public var sigtermToAll: Bool

        public init(stopGraceSeconds: Double, sigtermToAll: Bool) {
            self.stopGraceSeconds = stopGraceSeconds
            self.sigtermToAll = sigtermToAll
        }
    }

    private struct Process {
        let process: any RunningProcess
        /// False for entry points the training toolkit launches: the toolkit (PID 1 in the real container) does not
        /// forward SIGTERM, so the script only ever sees the SIGKILL at the end of the grace period.
        let receivesSIGTERM: Bool
    }

    public let settings: Settings
    /// What the job's kind does when a stop is accepted (a training job turns Stopping), before processes go down.
    private let onStop: @Sendable (StopReason) async -> Void

    public private(set) var phase: Phase = .starting
    public private(set) var attempt = 0
    public private(set) var stopReason: StopReason?
    public private(set) var interruptRequested = false
    /// When the grace period of the current stop or interruption ends; nil while nothing is being brought down.
    public private(set) var killDeadline: Date?
    /// GPUs the job holds until it finishes.
    public private(set) var gpus: [Int] = []

    private var processes: [Process] = []
    private let stopped = WaitableFlag(false)
    private var gpuWait: Task<[Int], Never>?
    /// Timers that stop the job (MaxRuntime, MaxWait): they outlive attempts.
    private var deadlines: [Task<Void, Never>] = []
    /// Timers of the current attempt (scheduled interruptions, the running-time limit): cancelled when it ends.
    private var attemptTimers: [Task<Void, Never>] = []
    private var killTimers: [Task<Void, Never>] = []

    public init(settings: Settings, onStop: @escaping @Sendable (StopReason) async -> Void = { _ in }) {
        self.settings = settings
        self.onStop = onStop
    }

    // MARK: Requests

    /// Asks the job to stop: the first request wins and is reported to `onStop`, the GPU wait ends, and every
    /// process is brought down. False when the job is already stopping or has finished.
    @discardableResult
    public func requestStop(_ reason: StopReason) async -> Bool {
        guard stopReason == nil, phase != .finished else { return false }
        stopReason = reason
        gpuWait?.cancel()
        await stopped.set(true)
        await onStop(reason)
        bringDown()
        return true
    }

    /// A spot interruption: the running attempt's processes are brought down as for a stop, and the executor starts
    /// the job again. Refused unless the job's processes are running.
    public func requestInterrupt() throws(InterruptRefusal) {
        guard phase == .running, stopReason == nil else { throw .notRunning(phase) }
        guard !interruptRequested else { throw .alreadyInterrupted }
        interruptRequested = true
        bringDown()
    }

    // MARK: Signals

    /// Returns once a stop has been requested (at once if one has).
    public func stopRequested() async {
        await stopped.wait(until: true)
    }

    /// Sleeps for `seconds` unless a stop comes first; true when the whole time passed without one.
    public func sleep(_ seconds: Double) async -> Bool {
        await untilStopped { try? await Task.sleep(for: .seconds(max(0, seconds))) }
    }

    /// Runs `work` until it ends or a stop is requested, whichever comes first (the work is cancelled then); true
    /// when the work ended without a stop.
    public func untilStopped(_ work: @escaping @Sendable () async -> Void) async -> Bool {
        guard stopReason == nil else { return false }
        let stopped = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await work()
                return false
            }
            group.addTask {
                await self.stopRequested()
                return true
            }
            let first = await group.next() ?? true
            group.cancelAll()
            return first
        }
        return !stopped && stopReason == nil
    }

    // MARK: Phases and attempts

    /// Starts a new attempt (the first, or a restart after an interruption); returns its number.
    public func beginAttempt() -> Int {
        attempt += 1
        phase = .starting
        return attempt
    }

    public func enter(_ phase: Phase) {
        guard self.phase != .finished else { return }
        self.phase = phase
    }

    /// Ends the attempt whose processes have all exited: its timers stop and its processes are forgotten. Returns
    /// whether it was interrupted (and not stopped as well), clearing the request.
    public func endAttempt() -> Bool {
        for timer in attemptTimers + killTimers { timer.cancel() }
        attemptTimers = []
        killTimers = []
        processes = []
        killDeadline = nil
        defer { interruptRequested = false }
        return interruptRequested && stopReason == nil
    }

    /// The job is over: every timer ends and the GPUs go back to `allocator`.
    public func finish(releasingTo allocator: GPUAllocator) async {
        phase = .finished
        for timer in deadlines + attemptTimers + killTimers { timer.cancel() }
        deadlines = []
        attemptTimers = []
        killTimers = []
        let held = gpus
        gpus = []
        await allocator.release(held)
    }

    // MARK: Deadlines

    /// Stops the job with `reason` once `seconds` have passed, unless it has finished by then.
    public func stop(after seconds: Double, reason: StopReason) {
        deadlines.append(timer(after: seconds) { await $0.requestStop(reason) })
    }

    /// Stops the job with `reason` after `seconds` of the current attempt (a running-time limit counts only the
    /// time processes ran).
    public func stopDuringAttempt(after seconds: Double, reason: StopReason) {
        attemptTimers.append(timer(after: seconds) { await $0.requestStop(reason) })
    }

    /// Interrupts the current attempt after `seconds` (a spot reclaim on a schedule).
    public func interruptDuringAttempt(after seconds: Double) {
        attemptTimers.append(timer(after: seconds) { try? await $0.requestInterrupt() })
    }

    private func timer(after seconds: Double, _ action: @escaping @Sendable (JobRun) async -> Void) -> Task<Void, Never> {
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(max(0, seconds)))
            guard !Task.isCancelled, let self else { return }
            await action(self)
        }
    }

    // MARK: GPUs

    /// Takes `count` GPUs from `allocator`, waiting while they are busy; a stop ends the wait with none.
    public func acquireGPUs(_ count: Int, from allocator: GPUAllocator) async -> [Int] {
        let wait = Task { await allocator.acquire(count) }
        gpuWait = wait
        if stopReason != nil { wait.cancel() }
        let granted = await wait.value
        gpuWait = nil
        gpus += granted
        return granted
    }

    // MARK: Processes

    /// Registers a started process; one started after a stop or an interruption was requested is killed at once.
    public func register(_ process: any RunningProcess, receivesSIGTERM: Bool) {
        processes.append(Process(process: process, receivesSIGTERM: receivesSIGTERM))
        if stopReason != nil || interruptRequested { process.signal(SIGKILL) }
    }

    /// SIGTERM to the processes that would receive it, SIGKILL to every process after the grace period.
    private func bringDown() {
        for entry in processes where entry.receivesSIGTERM || settings.sigtermToAll {
            entry.process.signal(SIGTERM)
        }
        let targets = processes.map(\.process)
        let grace = settings.stopGraceSeconds
        killDeadline = Date().addingTimeInterval(grace)
        killTimers.append(
            Task {
                try? await Task.sleep(for: .seconds(grace))
                guard !Task.isCancelled else { return }
                for process in targets { process.signal(SIGKILL) }
            })
    }
}
