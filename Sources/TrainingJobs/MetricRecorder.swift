import CloudWatchMetrics
import Foundation

/// Every metric value a job printed, in order, also published as it comes to CloudWatch (namespace
/// `/aws/sagemaker/TrainingJobs`, dimension `TrainingJobName`); the last one of each is its FinalMetricDataList entry.
actor MetricRecorder {
    private(set) var series: [MetricValue] = []
    let store: MetricStore
    let job: String

    init(store: MetricStore, job: String) {
        self.store = store
        self.job = job
    }

    func record(_ values: [(name: String, value: Double)], at time: Date) async {
        for value in values { series.append(MetricValue(name: value.name, value: value.value, timestamp: time)) }
        let data = values.map {
            MetricStore.Datum(
                metric: Metric(namespace: Metric.trainingJobsNamespace, name: $0.name, dimensions: [Metric.trainingJobDimension: job]),
                statistics: StatisticSet(value: $0.value), timestamp: time)
        }
        try? await store.put(data)
    }

    /// One entry per metric that had a value: the last value seen, in the order metrics first appeared.
    func finalValues() -> [MetricValue] {
        var last: [String: MetricValue] = [:]
        var order: [String] = []
        for value in series {
            if last[value.name] == nil { order.append(value.name) }
            last[value.name] = value
        }
        return order.compactMap { last[$0] }
    }
}
