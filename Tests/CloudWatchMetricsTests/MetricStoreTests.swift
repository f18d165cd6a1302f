import Foundation
import Testing

@testable import CloudWatchMetrics

@Suite struct MetricStoreTests {
    static let job = Metric(namespace: Metric.trainingJobsNamespace, name: "loss", dimensions: ["TrainingJobName": "job-1"])

    @Test func aggregatesIntoPeriodsFromTheOrigin() async throws {
        let f = try Fixture()
        for (seconds, value) in [(0.0, 1.0), (30, 3), (59.999, 5), (60, 10), (185, 7)] {
            try await f.put("loss", value, at: seconds)
        }
        let buckets = try await f.store.aggregate(Self.job, origin: Fixture.base, end: Fixture.at(240), period: 60, unit: nil)
        #expect(buckets.map(\.timestamp) == [Fixture.base, Fixture.at(60), Fixture.at(180)])
        #expect(buckets[0].statistics == StatisticSet(sampleCount: 3, sum: 9, minimum: 1, maximum: 5))
        #expect(buckets[1].statistics == StatisticSet(value: 10))
        #expect(buckets.allSatisfy { $0.unit == "None" })
        #expect(Statistic.average.value(of: buckets[0].statistics) == 3)
    }

    @Test func rangeIsStartInclusiveEndExclusive() async throws {
        let f = try Fixture()
        for seconds in [-1.0, 0, 119.999, 120] {
            try await f.put("loss", seconds, at: seconds)
        }
        let buckets = try await f.store.aggregate(Self.job, origin: Fixture.base, end: Fixture.at(120), period: 120, unit: nil)
        #expect(buckets.count == 1)
        #expect(buckets.first?.statistics.sampleCount == 2)
    }

    @Test func unitsAreSeparateUnlessOneIsAskedFor() async throws {
        let f = try Fixture()
        try await f.put("loss", 1, at: 0, unit: "Percent")
        try await f.put("loss", 2, at: 1)
        try await f.put("loss", 3, at: 2, unit: "Percent")
        let all = try await f.store.aggregate(Self.job, origin: Fixture.base, end: Fixture.at(60), period: 60, unit: nil)
        #expect(all.map(\.unit) == ["None", "Percent"])
        #expect(all.map(\.statistics.sum) == [2, 4])
        let percent = try await f.store.aggregate(Self.job, origin: Fixture.base, end: Fixture.at(60), period: 60, unit: "Percent")
        #expect(percent.map(\.statistics.sampleCount) == [2])
    }

    @Test func aMetricIsItsWholeDimensionSet() async throws {
        let f = try Fixture()
        let both = Metric(namespace: Metric.trainingJobsNamespace, name: "loss", dimensions: ["TrainingJobName": "job-1", "Host": "algo-1"])
        let reordered = Metric(namespace: Metric.trainingJobsNamespace, name: "loss", dimensions: ["Host": "algo-1", "TrainingJobName": "job-1"])
        try await f.store.put([
            MetricStore.Datum(metric: both, statistics: StatisticSet(value: 1), timestamp: Fixture.base),
            MetricStore.Datum(metric: reordered, statistics: StatisticSet(value: 2), timestamp: Fixture.base),
            MetricStore.Datum(metric: Self.job, statistics: StatisticSet(value: 100), timestamp: Fixture.base),
        ])
        let subset = try await f.store.aggregate(Self.job, origin: Fixture.base, end: Fixture.at(60), period: 60, unit: nil)
        #expect(subset.map(\.statistics.sum) == [100])
        let whole = try await f.store.aggregate(both, origin: Fixture.base, end: Fixture.at(60), period: 60, unit: nil)
        #expect(whole.map(\.statistics.sum) == [3])
        let listed = try await f.store.metrics(namespace: nil, name: nil, dimensions: [], activeSince: nil, after: 0, limit: 10)
        #expect(listed.metrics.map(\.metric) == [both, Self.job])
    }

    @Test func unknownMetricsHaveNoData() async throws {
        let f = try Fixture()
        try await f.put("loss", 1, at: 0)
        let other = Metric(namespace: Metric.trainingJobsNamespace, name: "loss", dimensions: ["TrainingJobName": "job-2"])
        #expect(try await f.store.aggregate(other, origin: Fixture.base, end: Fixture.at(60), period: 60, unit: nil).isEmpty)
    }

    @Test func listsWithFiltersAndPages() async throws {
        let f = try Fixture()
        for job in ["a", "b", "c"] {
            try await f.put("loss", job: job, 1, at: 0)
            try await f.put("accuracy", job: job, 1, at: 0)
        }
        try await f.store.put(namespace: "Custom", name: "loss", dimensions: [:], value: 1, timestamp: Fixture.base, unit: nil)

        let losses = try await f.store.metrics(
            namespace: Metric.trainingJobsNamespace, name: "loss", dimensions: [], activeSince: nil, after: 0, limit: 10)
        #expect(losses.metrics.map { $0.metric.dimensions["TrainingJobName"] } == ["a", "b", "c"])
        #expect(!losses.more)

        let jobB = try await f.store.metrics(namespace: nil, name: nil, dimensions: [("TrainingJobName", "b")], activeSince: nil, after: 0, limit: 10)
        #expect(Set(jobB.metrics.map(\.metric.name)) == ["loss", "accuracy"])
        let anyJob = try await f.store.metrics(namespace: nil, name: nil, dimensions: [("TrainingJobName", nil)], activeSince: nil, after: 0, limit: 10)
        #expect(anyJob.metrics.count == 6)

        var seen: [Metric] = []
        var after: Int64 = 0
        while true {
            let page = try await f.store.metrics(namespace: nil, name: nil, dimensions: [], activeSince: nil, after: after, limit: 3)
            seen += page.metrics.map(\.metric)
            guard page.more, let last = page.metrics.last else { break }
            after = last.id
        }
        #expect(seen.count == 7 && Set(seen).count == 7)

        let recent = try await f.store.metrics(
            namespace: nil, name: nil, dimensions: [], activeSince: Date().addingTimeInterval(3600), after: 0, limit: 10)
        #expect(recent.metrics.isEmpty)
    }

    @Test func dataSurvivesReopening() async throws {
        let f = try Fixture()
        try await f.put("loss", 4, at: 5)
        let reopened = try MetricStore(path: f.path)
        let buckets = try await reopened.aggregate(Self.job, origin: Fixture.base, end: Fixture.at(60), period: 60, unit: nil)
        #expect(buckets.map(\.statistics) == [StatisticSet(value: 4)])
    }

    @Test func concurrentPutsAllLand() async throws {
        let f = try Fixture()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask { try await f.put("loss", Double(index), at: Double(index)) }
            }
            try await group.waitForAll()
        }
        let buckets = try await f.store.aggregate(Self.job, origin: Fixture.base, end: Fixture.at(60), period: 60, unit: nil)
        #expect(buckets.first?.statistics == StatisticSet(sampleCount: 50, sum: 1225, minimum: 0, maximum: 49))
    }
}
