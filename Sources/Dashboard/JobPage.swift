import CloudWatchLogs
import Foundation
import TrainingJobs

/// `/_sagebox/ui/jobs/NAME`: what the SageMaker console shows of a training job — facts, status timeline,
/// hyperparameters, data locations, metric charts — and its log, tailed live while it runs.
enum JobPage {
    static func render(_ job: JobSummary, charts: [MetricChart], log: [LogStore.Event], logCursor: Int64) -> Markup {
        let record = job.job
        let failure: Markup = record.failureReason.map { "<h2>Failure</h2><div class=\"failure\" id=\"failure\">\($0)</div>" } ?? ""
        let content: Markup = """
            <div class="breadcrumbs"><a href="\(Links.root)">Training jobs</a> /</div>
            <h1>\(job.name)</h1>
            <dl class="facts" id="facts">
            <dt>Status</dt><dd id="status">\(Badge.status(record.status.rawValue)) · \(Badge.status(record.secondaryStatus.rawValue)) <span class="muted">\(record.transitions.last?.message ?? "")</span></dd>
            <dt>Kind</dt><dd>\(job.kind)</dd>
            <dt>ARN</dt><dd>\(record.arn)</dd>
            <dt>Image</dt><dd>\(job.image ?? "–")</dd>
            <dt>Instances</dt><dd>\(job.instanceCount) × \(job.instanceType ?? "–")</dd>
            <dt>Created</dt><dd>\(Format.time(record.creationTime))</dd>
            <dt>Training</dt><dd>\(Format.time(record.trainingStartTime)) → \(Format.time(record.trainingEndTime))</dd>
            <dt>Duration</dt><dd>\(Format.duration(job.duration))</dd>
            <dt>Training time</dt><dd>\(Format.duration(job.trainingSeconds))</dd>
            <dt>Billable time</dt><dd>\(Format.duration(job.billableSeconds))</dd>
            </dl>
            \(failure)
            <h2>Status timeline</h2>
            \(timeline(record, now: job.now))
            <h2>Metrics</h2>
            \(charts.isEmpty ? Markup("<p class=\"muted\">This job has no metric definitions.</p>") : "<div class=\"charts\" id=\"charts\">\(charts.map { $0.render() })</div>")
            <h2>Hyperparameters</h2>
            \(hyperparameters(job.hyperparameters))
            <h2>Data</h2>
            \(locations(job))
            <h2>Log</h2>
            \(logBlock(job, log: log, cursor: logCursor))
            """
        return Layout.page(job.name, section: .jobs, content)
    }

    static func timeline(_ job: TrainingJob, now: Date) -> Markup {
        let rows: [Markup] = job.transitions.enumerated().map { index, transition in
            let end = transition.endTime ?? (index == job.transitions.count - 1 && !job.status.isTerminal ? now : nil)
            return """
                <tr><td>\(Badge.status(transition.status.rawValue))</td><td>\(Format.time(transition.startTime))</td>\
                <td class="num">\(Format.duration(end.map { $0.timeIntervalSince(transition.startTime) }))</td><td>\(transition.message)</td></tr>
                """
        }
        return """
            <table id="timeline"><thead><tr><th>Status</th><th>Started</th><th>Lasted</th><th>Message</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    static func hyperparameters(_ values: [(String, String)]) -> Markup {
        guard !values.isEmpty else { return "<p class=\"muted\">None.</p>" }
        let rows: [Markup] = values.map { "<tr><td><code>\($0.0)</code></td><td><code>\($0.1)</code></td></tr>" }
        return "<table id=\"hyperparameters\"><thead><tr><th>Name</th><th>Value</th></tr></thead><tbody>\(rows)</tbody></table>"
    }

    static func locations(_ job: JobSummary) -> Markup {
        var rows: [Markup] = job.channels.map { "<tr><td>Input channel <code>\($0.name)</code></td><td>\(s3Link($0.uri))</td></tr>" }
        if let output = job.outputPath { rows.append("<tr><td>Output path</td><td>\(s3Link(output))</td></tr>") }
        if let model = job.job.modelArtifacts { rows.append("<tr><td>Model artifacts</td><td>\(s3Link(model))</td></tr>") }
        if let checkpoints = job.checkpointURI { rows.append("<tr><td>Checkpoints</td><td>\(s3Link(checkpoints))</td></tr>") }
        guard !rows.isEmpty else { return "<p class=\"muted\">None.</p>" }
        return "<table id=\"locations\"><tbody>\(rows)</tbody></table>"
    }

    static func s3Link(_ uri: String) -> Markup {
        guard let link = Links.s3(uri) else { return "<code>\(uri)</code>" }
        return "<a href=\"\(link)\"><code>\(uri)</code></a>"
    }

    static func logBlock(_ job: JobSummary, log: [LogStore.Event], cursor: Int64) -> Markup {
        let showStream = Set(log.map(\.stream)).count > 1
        let lines: [Markup] = log.map { event in
            let host: Markup = showStream ? "<span class=\"host\">[\(event.stream.split(separator: "/").last.map(String.init) ?? event.stream)] </span>" : ""
            return "<span class=\"line\">\(host)\(event.message)\n</span>"
        }
        let empty: Markup = log.isEmpty && !job.isLive ? "<p class=\"muted\">This job wrote no log lines.</p>" : ""
        return """
            \(empty)<pre class="log" id="log" data-tail="\(Links.jobLog(job.name))" data-after="\(String(cursor))" data-live="\(job.isLive ? "true" : "false")">\(lines)</pre>
            """
    }
}
