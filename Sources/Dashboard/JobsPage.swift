import Foundation

/// `/_sagebox/ui/`: every job, newest first, refreshing itself while one runs.
enum JobsPage {
    static func render(_ jobs: [JobSummary]) -> Markup {
        let rows: [Markup] = jobs.map { job in
            """
            <tr>
            <td><a href="\(Links.job(job.name))">\(job.name)</a></td>
            <td>\(job.kind)</td>
            <td>\(Badge.status(job.job.status.rawValue))</td>
            <td>\(Badge.status(job.job.secondaryStatus.rawValue))</td>
            <td>\(Format.time(job.job.creationTime))</td>
            <td class="num">\(Format.duration(job.duration))</td>
            <td class="num">\(Format.duration(job.billableSeconds))</td>
            </tr>
            """
        }
        let live = jobs.contains { $0.isLive }
        let table: Markup =
            jobs.isEmpty
            ? "<p class=\"muted\" id=\"jobs\">No training jobs yet. Jobs created with the SageMaker SDK, boto3 or the AWS CLI appear here.</p>"
            : """
            <table id="jobs" data-live="\(live ? "true" : "false")">
            <thead><tr><th>Name</th><th>Kind</th><th>Status</th><th>Secondary status</th><th>Created</th><th>Duration</th><th>Billable time</th></tr></thead>
            <tbody>\(rows)</tbody>
            </table>
            """
        return Layout.page("Training jobs", section: .jobs, "<h1>Training jobs</h1>\n\(table)")
    }
}

/// A status word in the colour of its meaning (the stylesheet's `status-<Status>` classes).
enum Badge {
    static func status(_ status: String) -> Markup {
        "<span class=\"status status-\(status)\">\(status)</span>"
    }
}
