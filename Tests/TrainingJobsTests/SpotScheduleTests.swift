import Testing
@testable import TrainingJobs

@Suite struct SpotScheduleTests {
    @Test func tagsGiveOneInterruptionPerListedAttempt() {
        let schedule = SpotSchedule(tags: ["sagebox:interrupt-after-seconds": "5, 8", "sagebox:capacity-unavailable-seconds": "30"])
        #expect(schedule.interruption(attempt: 1, job: "j", rate: 100, seed: 1) == 5)
        #expect(schedule.interruption(attempt: 2, job: "j", rate: 100, seed: 1) == 8)
        // A tag schedule replaces the random rate: the third attempt runs to the end.
        #expect(schedule.interruption(attempt: 3, job: "j", rate: 100, seed: 1) == nil)
        #expect(schedule.capacityUnavailableSeconds == 30)
    }

    @Test func theSameSeedGivesTheSameInterruptionTimes() {
        let first = (1...3).map { SpotSchedule.randomInterruption(rate: 6, seed: 42, job: "job-a", attempt: $0) }
        let again = (1...3).map { SpotSchedule.randomInterruption(rate: 6, seed: 42, job: "job-a", attempt: $0) }
        let otherSeed = (1...3).map { SpotSchedule.randomInterruption(rate: 6, seed: 43, job: "job-a", attempt: $0) }
        #expect(first == again)
        #expect(first != otherSeed)
        #expect(first.allSatisfy { ($0 ?? -1) > 0 })
        #expect(SpotSchedule.randomInterruption(rate: 0, seed: 42, job: "job-a", attempt: 1) == nil)
    }

    @Test func theRateSetsTheMeanDelay() {
        let delays = (1...2000).compactMap { SpotSchedule.randomInterruption(rate: 60, seed: 7, job: "job-\($0)", attempt: 1) }
        let mean = delays.reduce(0, +) / Double(delays.count)
        // 60 per hour: one a minute on average.
        #expect(abs(mean - 60) < 6)
    }
}
