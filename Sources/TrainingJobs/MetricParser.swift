import Foundation

/// Applies a job's `MetricDefinitions` to its output lines: each regex searched in each line, group 1 parsed
/// as a float. Python-only syntax (`(?P<name>…)`, `(?P=name)`) is translated to ICU's; other differences between
/// Python `re` and ICU are rare in metric regexes and listed in the README.
public struct MetricParser: Sendable {
    private let definitions: [(name: String, regex: NSRegularExpression)]

    init(_ definitions: [TrainingJobSpec.MetricDefinition]) {
        self.definitions = definitions.compactMap { definition in
            Self.regex(definition.regex).map { (definition.name, $0) }
        }
    }

    var isEmpty: Bool { definitions.isEmpty }

    /// A metric regex as the job will use it; nil when it does not compile (CreateTrainingJob refuses it).
    public static func regex(_ pattern: String) -> NSRegularExpression? {
        try? NSRegularExpression(pattern: translate(pattern))
    }

    private static func translate(_ pattern: String) -> String {
        pattern.replacingOccurrences(of: "(?P<", with: "(?<").replacingOccurrences(
            of: #"\(\?P=(\w+)\)"#, with: #"\\k<$1>"#, options: .regularExpression)
    }

    /// The metric values found in `line`.
    func values(in line: String) -> [(name: String, value: Double)] {
        let range = NSRange(line.startIndex..., in: line)
        return definitions.compactMap { definition in
            guard let match = definition.regex.firstMatch(in: line, range: range), match.numberOfRanges > 1,
                let captured = Range(match.range(at: 1), in: line)
            else { return nil }
            guard let value = Self.pythonFloat(String(line[captured])) else { return nil }
            return (definition.name, value)
        }
    }

    /// `float()` as Python parses it: surrounding whitespace allowed, `inf`/`nan` accepted.
    static func pythonFloat(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        guard !trimmed.isEmpty else { return nil }
        return Double(trimmed)
    }
}
