import Foundation
import Synchronization
import Testing
@testable import Runner

/// A process that records the signals it is sent.
final class RecordingProcess: RunningProcess {
    private let received = Mutex<[Int32]>([])
    var signals: [Int32] { received.withLock { $0 } }
    func signal(_ signal: Int32) { received.withLock { $0.append(signal) } }
}

/// Records what the job's kind was told when a stop was accepted.
actor StopLog {
    private(set) var reasons: [StopReason] = []
    func add(_ reason: StopReason) { reasons.append(reason) }
}

/// Waits until `condition` holds, for at most `seconds` (the tests run beside busy suites on two cores).
func eventually(_ seconds: Double = 30, _ condition: @Sendable () async -> Bool) async -> Bool {
    let end = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < end {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

@Suite struct JobRunTests {
    func makeRun(grace: Double = 0.05, log: StopLog = StopLog()) -> JobRun {
        JobRun(settings: .init(stopGraceSeconds: grace, sigtermToAll: false)) { await log.add($0) }
    }

    @Test func aStopDuringDownloadIsSeenOnceAndEndsTheAttempt() async {
        let log = StopLog()
        let run = makeRun(log: log)
        #expect(await run.beginAttempt() == 1)
        await run.enter(.downloading)
        #expect(await run.requestStop(.requested))
        #expect(await !run.requestStop(.maxRuntime))
        #expect(await run.stopReason == .requested)
        #expect(await log.reasons == [.requested])
        // The executor's next wait returns at once, and nothing started afterwards survives.
        #expect(await !run.sleep(10))
        let late = RecordingProcess()
        await run.register(late, receivesSIGTERM: true)
        #expect(late.signals == [SIGKILL])
        #expect(await !run.endAttempt())
    }

    @Test func aStopTermsWhatReceivesSIGTERMAndKillsEverythingAfterTheGrace() async throws {
        let run = makeRun(grace: 0.05)
        _ = await run.beginAttempt()
        await run.enter(.running)
        let entryPoint = RecordingProcess()
        let toolkitScript = RecordingProcess()
        await run.register(entryPoint, receivesSIGTERM: true)
        await run.register(toolkitScript, receivesSIGTERM: false)
        await run.requestStop(.requested)
        #expect(entryPoint.signals == [SIGTERM])
        #expect(toolkitScript.signals.isEmpty)
        #expect(await run.killDeadline != nil)
        #expect(await eventually { entryPoint.signals.count == 2 && toolkitScript.signals.count == 1 })
        #expect(entryPoint.signals == [SIGTERM, SIGKILL])
        #expect(toolkitScript.signals == [SIGKILL])
    }

    @Test func anInterruptIsRefusedDuringUploadAndAcceptedOnceWhileRunning() async throws {
        let run = makeRun()
        _ = await run.beginAttempt()
        await run.enter(.uploading)
        await #expect(throws: JobRun.InterruptRefusal.notRunning(.uploading)) { try await run.requestInterrupt() }
        await run.enter(.running)
        let process = RecordingProcess()
        await run.register(process, receivesSIGTERM: true)
        try await run.requestInterrupt()
        await #expect(throws: JobRun.InterruptRefusal.alreadyInterrupted) { try await run.requestInterrupt() }
        #expect(process.signals == [SIGTERM])
        // The attempt ends interrupted, the request is cleared, and the next attempt starts clean.
        #expect(await run.endAttempt())
        #expect(await run.beginAttempt() == 2)
        #expect(await run.stopReason == nil)
        #expect(await !run.interruptRequested)
    }

    @Test func anInterruptedAttemptThatIsAlsoStoppedDoesNotRestart() async throws {
        let run = makeRun()
        _ = await run.beginAttempt()
        await run.enter(.running)
        try await run.requestInterrupt()
        await run.requestStop(.requested)
        #expect(await !run.endAttempt())
    }

    @Test func aDeadlineDuringTheRestartDelayCutsTheDelayShort() async {
        let log = StopLog()
        let run = makeRun(log: log)
        _ = await run.beginAttempt()
        await run.enter(.restarting)
        await run.stop(after: 0.05, reason: .maxWait)
        let started = ContinuousClock.now
        #expect(await !run.sleep(600))
        #expect(ContinuousClock.now - started < .seconds(300))
        #expect(await run.stopReason == .maxWait)
        #expect(await log.reasons == [.maxWait])
    }

    @Test func attemptTimersEndWithTheAttemptAndDeadlinesWithTheJob() async throws {
        let log = StopLog()
        let run = makeRun(log: log)
        _ = await run.beginAttempt()
        await run.enter(.running)
        await run.stopDuringAttempt(after: 0.05, reason: .maxRuntime)
        await run.interruptDuringAttempt(after: 0.05)
        _ = await run.endAttempt()
        await run.stop(after: 0.05, reason: .maxWait)
        await run.finish(releasingTo: GPUAllocator(inventory: GPUInventory(indices: []), policy: .run))
        try await Task.sleep(for: .milliseconds(200))
        #expect(await run.stopReason == nil)
        #expect(await log.reasons.isEmpty)
        #expect(await !run.interruptRequested)
    }

    @Test func aStopEndsTheWaitForGPUsAndFinishReturnsTheLease() async throws {
        let allocator = GPUAllocator(inventory: GPUInventory(indices: [0, 1]), policy: .wait)
        let holder = makeRun()
        #expect(await holder.acquireGPUs(2, from: allocator) == [0, 1])
        let waiting = makeRun()
        let wait = Task { await waiting.acquireGPUs(1, from: allocator) }
        try await Task.sleep(for: .milliseconds(50))
        await waiting.requestStop(.requested)
        #expect(await wait.value == [])
        await holder.finish(releasingTo: allocator)
        #expect(await holder.gpus.isEmpty)
        #expect(await allocator.acquire(2) == [0, 1])
    }
}
