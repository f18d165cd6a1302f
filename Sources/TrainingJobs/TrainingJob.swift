import AWSWire
import Foundation
import Runner

/// `TrainingJobStatus`, verbatim from the API's enum.
public enum JobStatus: String, Codable, Sendable {
    case inProgress = "InProgress"
    case completed = "Completed"
    case failed = "Failed"
    case stopping = "Stopping"
    case stopped = "Stopped"

    public var isTerminal: Bool { self == .completed || self == .failed || self == .stopped }
}

/// `SecondaryStatus`: the values Sagebox moves through.
public enum SecondaryStatus: String, Codable, Sendable {
    case starting = "Starting"
    case downloading = "Downloading"
    case training = "Training"
    case interrupted = "Interrupted"
    case uploading = "Uploading"
    case stopping = "Stopping"
    case stopped = "Stopped"
    case maxRuntimeExceeded = "MaxRuntimeExceeded"
    case maxWaitTimeExceeded = "MaxWaitTimeExceeded"
    case completed = "Completed"
    case failed = "Failed"

    /// The secondary status a stopped job ends in.
    public init(stoppedBy reason: StopReason) {
        switch reason {
        case .requested: self = .stopped
        case .maxRuntime: self = .maxRuntimeExceeded
        case .maxWait: self = .maxWaitTimeExceeded
        }
    }
}

public struct StatusTransition: Codable, Sendable, Equatable {
    public var status: SecondaryStatus
    public var startTime: Date
    public var endTime: Date?
    public var message: String
}

public struct MetricValue: Codable, Sendable, Equatable {
    public var name: String
    public var value: Double
    public var timestamp: Date
}

/// A training job: the request as sent (decoded once into its spec), plus the state the platform adds to it.
public struct TrainingJob: Codable, Sendable {
    /// The version of the stored document; documents written before versions were recorded are version 1.
    public static let formatVersion = 2

    public var name: String
    public var arn: String
    /// The CreateTrainingJob request, decoded; it keeps the request verbatim so Describe echoes every field.
    public var spec: TrainingJobSpec
    public var status: JobStatus
    public var secondaryStatus: SecondaryStatus
    public var transitions: [StatusTransition]
    public var creationTime: Date
    public var lastModifiedTime: Date
    public var trainingStartTime: Date?
    public var trainingEndTime: Date?
    public var failureReason: String?
    public var finalMetrics: [MetricValue]
    public var tags: [String: String]
    public var tagOrder: [String]
    /// Seconds the job's processes actually ran, summed over attempts.
    public var trainingSeconds: Double
    /// Set when the job ends: training seconds, × the spot price ratio for managed spot jobs.
    public var billableSeconds: Double?
    public var modelArtifacts: String?
    /// A random id every process of the job carries in its environment (`SAGEBOX_JOB_TOKEN`), so this server finds
    /// them — and only them: another Sagebox on the machine may run a job of the same name and ARN.
    public var processToken: String?
    /// Nil in documents written before versions were recorded.
    public var formatVersion: Int?

    /// The spec is stored under `request`, as the request it was decoded from, so that every earlier data
    /// directory loads.
    enum CodingKeys: String, CodingKey {
        case name, arn, spec = "request", status, secondaryStatus, transitions, creationTime, lastModifiedTime, trainingStartTime,
            trainingEndTime, failureReason, finalMetrics, tags, tagOrder, trainingSeconds, billableSeconds, modelArtifacts, processToken,
            formatVersion
    }

    public init(name: String, arn: String, spec: TrainingJobSpec, now: Date) {
        self.name = name
        self.arn = arn
        self.spec = spec
        formatVersion = Self.formatVersion
        status = .inProgress
        secondaryStatus = .starting
        transitions = [StatusTransition(status: .starting, startTime: now, endTime: nil, message: "Starting the training job")]
        creationTime = now
        lastModifiedTime = now
        finalMetrics = []
        tags = [:]
        tagOrder = []
        trainingSeconds = 0
        processToken = UUID().uuidString
    }

    /// The environment entry that marks this job's processes.
    public var processMarker: String? {
        processToken.map { "SAGEBOX_JOB_TOKEN=\($0)" }
    }

    /// Moves to a new secondary status (and primary status), closing the open transition. Every change bumps
    /// `LastModifiedTime`, which the SDK prints next to each status line.
    public mutating func transition(_ secondary: SecondaryStatus, _ message: String, status: JobStatus? = nil, at now: Date = Date()) {
        if let last = transitions.indices.last, transitions[last].endTime == nil {
            transitions[last].endTime = now
        }
        transitions.append(StatusTransition(status: secondary, startTime: now, endTime: nil, message: message))
        secondaryStatus = secondary
        if let status { self.status = status }
        if self.status.isTerminal, let last = transitions.indices.last { transitions[last].endTime = now }
        lastModifiedTime = now
    }

    /// Ends the job Failed with the failure's exact FailureReason.
    public mutating func fail(_ failure: JobFailure, at now: Date = Date()) {
        failureReason = failure.reason
        transition(.failed, "Training job failed", status: .failed, at: now)
    }

    /// Rewords the current status without a transition, as SageMaker does while it retries a launch.
    public mutating func updateMessage(_ message: String, at now: Date = Date()) {
        guard let last = transitions.indices.last, transitions[last].message != message else { return }
        transitions[last].message = message
        lastModifiedTime = now
    }

    public mutating func setTags(_ new: [(String, String)]) {
        for (key, value) in new {
            if tags[key] == nil { tagOrder.append(key) }
            tags[key] = value
        }
    }

    public mutating func removeTags(_ keys: [String]) {
        for key in keys { tags[key] = nil }
        tagOrder.removeAll { !tags.keys.contains($0) }
    }
}
