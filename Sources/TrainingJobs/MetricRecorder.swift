import CloudWatchMetrics
import Foundation

/// Publishes every metric value a job prints to CloudWatch as it comes (namespace `/aws/sagemaker/TrainingJobs`,
/// dimension `TrainingJobName`), and keeps the last one of each for FinalMetricDataList.
actor MetricRecorder {
    private var last: [String: MetricValue] = [:]
    /// Metric names in the order they first appeared.
    private var order: [String] = []
    let store: MetricStore
    let job: String

    init(store: MetricStore, job: String) {
        self.store = store
        self.job = job
    }

    func record(_ values: [(name: String, value: Double)], at time: Date) async {
        for value in values {
            if last[value.name] == nil { order.append(value.name) }
            last[value.name] = MetricValue(name: value.name, value: value.value, timestamp: time)
        }
        let data = values.map {
            MetricStore.Datum(
                metric: Metric(namespace: Metric.trainingJobsNamespace, name: $0.name, dimensions: [Metric.trainingJobDimension: job]),
                statistics: StatisticSet(value: $0.value), timestamp: time)
        }
        try? await store.put(data)
    }

    /// One entry per metric that had a value: the last value seen, in the order metrics first appeared.
    func finalValues() -> [MetricValue] {
        order.compactMap { last[$0] }
    }
}
