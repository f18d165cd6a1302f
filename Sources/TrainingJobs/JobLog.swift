import AWSWire
import CloudWatchLogs
import Foundation

/// One host's CloudWatch log stream: lines are batched and written every quarter second, and `close` writes
/// whatever is left, so every event is stored before the job turns terminal.
actor JobLog {
    static let group = "/aws/sagemaker/TrainingJobs"

    let stream: String
    private let logs: LogStore
    private var pending: [(timestamp: Int64, message: String)] = []
    private var flusher: Task<Void, Never>?

    init(logs: LogStore, job: String, host: Int) async throws {
        stream = "\(job)/algo-\(host)-\(Int(Date().timeIntervalSince1970))"
        self.logs = logs
        try await logs.createStream(group: Self.group, stream: stream)
    }

    func write(_ message: String) {
        pending.append((AWSDate.epochMilliseconds(), message))
        if pending.count >= 1000 {
            flush()
        } else if flusher == nil {
            flusher = Task {
                try? await Task.sleep(for: .milliseconds(250))
                self.flush()
            }
        }
    }

    /// Writes a line in the training toolkit's log format.
    func toolkit(_ message: String, level: String = "INFO") {
        let time = Date()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss,SSS"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let name = "sagemaker-training-toolkit"
        for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
            write("\(formatter.string(from: time)) \(name) \(level.padding(toLength: 8, withPad: " ", startingAt: 0)) \(line)")
        }
    }

    private func flush() {
        flusher?.cancel()
        flusher = nil
        let batch = pending
        pending.removeAll()
        guard !batch.isEmpty else { return }
        let (logs, stream) = (self.logs, self.stream)
        // Appends are chained so events keep their order even though each write is asynchronous.
        let previous = writing
        writing = Task {
            await previous?.value
            try? await logs.append(group: Self.group, stream: stream, events: batch)
        }
    }

    private var writing: Task<Void, Never>?

    func close() async {
        flush()
        await writing?.value
    }
}
