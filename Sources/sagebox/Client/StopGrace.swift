import AWSWire
import Foundation

/// Why `stop --wait` can sit for minutes, in words. A stopped job's processes get the server's stop grace
/// (`--stop-grace-seconds`, 120 s by default) between SIGTERM and SIGKILL, and scripts launched by the training
/// toolkit never see the SIGTERM (the real toolkit forwards none), so a script that does not end on its own runs
/// until the grace is up.
struct StopGrace {
    let job: String
    /// The server's grace, from its health route; nil for a server that does not report it.
    let graceSeconds: Double?
    /// Whether the job's processes got a SIGTERM: ContainerEntrypoint jobs, or any job under `--sigterm-to-script`.
    let sigtermDelivered: Bool

    init(job: String, description: JSONValue, health: JSONValue?) {
        self.job = job
        graceSeconds = health?["stopGraceSeconds"]?.doubleValue
        let entrypoint = description["AlgorithmSpecification"]?["ContainerEntrypoint"]?.arrayValue ?? []
        sigtermDelivered = !entrypoint.isEmpty || health?["sigtermToScript"]?.boolValue == true
    }

    func remaining(elapsed: TimeInterval) -> Int? {
        graceSeconds.map { max(0, Int(($0 - elapsed).rounded(.up))) }
    }

    /// The first line `--wait` prints while the job is stopping.
    func explanation(elapsed: TimeInterval) -> String {
        let deadline: String
        if let graceSeconds, let left = remaining(elapsed: elapsed) {
            deadline = "when the server's --stop-grace-seconds (\(Self.seconds(graceSeconds))) is up, in at most \(left) s"
        } else {
            deadline = "when the server's --stop-grace-seconds is up"
        }
        if sigtermDelivered {
            return "Waiting for the stop grace: \(job)'s processes got SIGTERM; whatever still runs is SIGKILLed \(deadline)."
        }
        return "Waiting for the stop grace: scripts launched by the training toolkit get no SIGTERM (the SageMaker toolkit "
            + "forwards none), so Sagebox SIGKILLs \(job)'s processes \(deadline). "
            + "A server started with a shorter --stop-grace-seconds, or with --sigterm-to-script, stops jobs sooner."
    }

    /// The periodic "still waiting" line, or nil once the grace is over (the job is then only uploading).
    func reminder(elapsed: TimeInterval) -> String? {
        guard let left = remaining(elapsed: elapsed), left > 0 else { return nil }
        return "Still waiting for the stop grace: SIGKILL in at most \(left) s."
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
