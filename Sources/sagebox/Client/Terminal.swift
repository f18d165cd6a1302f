import Foundation

/// Colours for people, plain text for programs: ANSI colours only when the stream is a terminal and `NO_COLOR`
/// (https://no-color.org) is unset, so `sagebox jobs | grep` and log files never hold escape codes.
enum Terminal {
    static let stdoutColours = wantsColours(STDOUT_FILENO)
    static let stderrColours = wantsColours(STDERR_FILENO)

    static func wantsColours(_ descriptor: Int32) -> Bool {
        isatty(descriptor) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }

    /// A job status in the colour its meaning suggests.
    static func status(_ text: String) -> String {
        guard stdoutColours else { return text }
        switch text {
        case "Completed": return paint(text, "32")
        case "Failed": return paint(text, "31")
        case "Stopping", "Stopped", "Interrupted": return paint(text, "33")
        case "InProgress", "Training": return paint(text, "36")
        default: return text
        }
    }

    /// A warning on stderr, prefixed as every command's warnings are.
    static func warn(_ message: String) {
        let prefix = stderrColours ? paint("warning:", "33") : "warning:"
        FileHandle.standardError.write(Data("sagebox: \(prefix) \(message)\n".utf8))
    }

    static func paint(_ text: String, _ code: String) -> String {
        "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    /// Clears a terminal screen and moves to its top-left corner (for `jobs --watch`).
    static let clearScreen = "\u{1B}[H\u{1B}[2J"
}
