/// One CloudWatch metric: its identity is the namespace, the name and the whole set of dimensions (so a metric with
/// dimensions `{TrainingJobName}` and one with `{TrainingJobName, Host}` are different metrics).
public struct Metric: Sendable, Hashable {
    public let namespace: String
    public let name: String
    public let dimensions: [String: String]

    public init(namespace: String, name: String, dimensions: [String: String] = [:]) {
        self.namespace = namespace
        self.name = name
        self.dimensions = dimensions
    }

    /// The namespace and dimension SageMaker training jobs publish their `MetricDefinitions` values under.
    public static let trainingJobsNamespace = "/aws/sagemaker/TrainingJobs"
    public static let trainingJobDimension = "TrainingJobName"
}

/// Samples summarised as CloudWatch keeps them: every statistic it serves is derived from these four numbers.
public struct StatisticSet: Sendable, Equatable {
    public var sampleCount: Double
    public var sum: Double
    public var minimum: Double
    public var maximum: Double

    public init(sampleCount: Double, sum: Double, minimum: Double, maximum: Double) {
        self.sampleCount = sampleCount
        self.sum = sum
        self.minimum = minimum
        self.maximum = maximum
    }

    /// `count` samples of one value (PutMetricData's `Values`/`Counts`; a plain `Value` is a count of 1).
    public init(value: Double, count: Double = 1) {
        self.init(sampleCount: count, sum: value * count, minimum: value, maximum: value)
    }

    public func merged(with other: StatisticSet) -> StatisticSet {
        StatisticSet(
            sampleCount: sampleCount + other.sampleCount, sum: sum + other.sum, minimum: min(minimum, other.minimum),
            maximum: max(maximum, other.maximum))
    }
}

/// The statistics GetMetricStatistics and GetMetricData compute; percentiles and other extended statistics are not.
public enum Statistic: String, Sendable, CaseIterable {
    case sampleCount = "SampleCount"
    case average = "Average"
    case sum = "Sum"
    case minimum = "Minimum"
    case maximum = "Maximum"

    public func value(of set: StatisticSet) -> Double {
        switch self {
        case .sampleCount: set.sampleCount
        case .average: set.sum / set.sampleCount
        case .sum: set.sum
        case .minimum: set.minimum
        case .maximum: set.maximum
        }
    }
}

extension Metric {
    /// CloudWatch's `StandardUnit` values; data put without a unit is stored as `None`, as CloudWatch reports it.
    public static let standardUnits: Set<String> = [
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits",
        "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
        "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
        "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    ]
}
