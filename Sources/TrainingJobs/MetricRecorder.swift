import Foundation

/// Every metric value a job printed, in order; the last one of each is its FinalMetricDataList entry.
actor MetricRecorder {
    private(set) var series: [MetricValue] = []

    func record(_ values: [(name: String, value: Double)], at time: Date) {
        for value in values { series.append(MetricValue(name: value.name, value: value.value, timestamp: time)) }
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
