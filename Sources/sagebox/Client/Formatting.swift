import AWSWire
import Foundation

/// How the CLI shows times and durations.
enum Formatting {
    static func time(_ value: JSONValue?) -> String {
        guard let seconds = value?.doubleValue else { return "-" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    static func duration(from start: JSONValue?, to end: JSONValue?) -> String {
        guard let start = start?.doubleValue else { return "-" }
        let seconds = Int((end?.doubleValue ?? Date().timeIntervalSince1970) - start)
        return seconds >= 3600 ? "\(seconds / 3600)h\(seconds % 3600 / 60)m" : seconds >= 60 ? "\(seconds / 60)m\(seconds % 60)s" : "\(seconds)s"
    }
}
