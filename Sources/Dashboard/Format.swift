import Foundation

/// How the dashboard shows times, durations, sizes and numbers. Times are UTC: the page is rendered on the server,
/// which does not know the viewer's zone, and job times in AWS's own tools are UTC too.
enum Format {
    static func time(_ date: Date?) -> String {
        guard let date else { return "–" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date) + " UTC"
    }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds >= 0 else { return "–" }
        let whole = Int(seconds.rounded())
        if whole >= 3600 { return "\(whole / 3600)h \(whole % 3600 / 60)m" }
        if whole >= 60 { return "\(whole / 60)m \(whole % 60)s" }
        return "\(whole)s"
    }

    static func bytes(_ size: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(size)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(size) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// A metric value or axis label: four significant digits, as short as it gets.
    static func number(_ value: Double) -> String {
        String(format: "%.4g", value)
    }
}
