import AWSWire
import Foundation

/// Reading CloudWatch requests. Both wire protocols end up as a `JSONValue`: JSON 1.0 bodies as sent, query-protocol
/// forms through `queryTree`, whose leaves are all strings; so every reader here also accepts a number as a string.
/// Error messages name parameters the way CloudWatch does, by their query-protocol path.
enum MetricsInput {
    static func missing(_ parameter: String) -> AWSError {
        AWSError(code: "MissingParameter", message: "The parameter \(parameter) is required.", status: 400)
    }

    static func invalid(_ message: String) -> AWSError {
        AWSError(code: "InvalidParameterValue", message: message, status: 400)
    }

    static func combination(_ message: String) -> AWSError {
        AWSError(code: "InvalidParameterCombination", message: message, status: 400)
    }

    static func string(_ input: JSONValue, _ key: String, path: String? = nil) throws -> String? {
        switch input[key] {
        case nil, .null: return nil
        case .string(let value): return value
        default: throw invalid("The parameter \(path ?? key) must be a string.")
        }
    }

    static func requiredString(_ input: JSONValue, _ key: String, path: String? = nil) throws -> String {
        guard let value = try string(input, key, path: path), !value.isEmpty else { throw missing(path ?? key) }
        return value
    }

    static func double(_ input: JSONValue, _ key: String, path: String) throws -> Double? {
        try number(input[key], path: path)
    }

    /// A finite number: CloudWatch takes no NaN or infinities.
    static func number(_ element: JSONValue?, path: String) throws -> Double? {
        let value: Double?
        switch element {
        case nil, .null: return nil
        case .string(let text): value = Double(text.trimmingCharacters(in: .whitespaces))
        case let other?: value = other.doubleValue
        }
        guard let value, value.isFinite else { throw invalid("The value for parameter \(path) is not a valid number.") }
        return value
    }

    static func int(_ input: JSONValue, _ key: String, path: String) throws -> Int? {
        switch input[key] {
        case nil, .null: return nil
        case .string(let text):
            guard let value = Int(text) else { throw invalid("The value \(text) for parameter \(path) is not a valid integer.") }
            return value
        case .int(let value): return value
        // Range-checked here: converting an out-of-range double to Int would trap.
        case .double(let value) where value == value.rounded() && abs(value) < 0x1p53: return Int(value)
        default: throw invalid("The value for parameter \(path) is not a valid integer.")
        }
    }

    static func bool(_ input: JSONValue, _ key: String, path: String) throws -> Bool? {
        switch input[key] {
        case nil, .null: return nil
        case .bool(let value): return value
        case .string("true"): return true
        case .string("false"): return false
        default: throw invalid("The value for parameter \(path) must be true or false.")
        }
    }

    /// A list member; the query protocol writes an empty list as `Name=` with no members.
    static func list(_ input: JSONValue, _ key: String, path: String) throws -> [JSONValue]? {
        switch input[key] {
        case nil, .null: return nil
        case .array(let values): return values
        case .string(""): return []
        default: throw invalid("The parameter \(path) must be a list.")
        }
    }

    /// A timestamp: epoch seconds (JSON 1.0's form, as a number or a numeric string) or ISO 8601 (the query form),
    /// within years 1–9999 so that every later conversion to milliseconds fits.
    static func timestamp(_ input: JSONValue, _ key: String, path: String) throws -> Date? {
        let date: Date?
        switch input[key] {
        case nil, .null: return nil
        case .string(let text): date = Double(text).map(Date.init(timeIntervalSince1970:)) ?? parseISO8601(text)
        case let other?: date = other.doubleValue.map(Date.init(timeIntervalSince1970:))
        }
        guard let date, (-62_135_596_800...253_402_300_799).contains(date.timeIntervalSince1970) else {
            throw invalid("The value for parameter \(path) is not a valid ISO 8601 timestamp or epoch time.")
        }
        return date
    }

    static func requiredTimestamp(_ input: JSONValue, _ key: String) throws -> Date {
        guard let date = try timestamp(input, key, path: key) else { throw missing(key) }
        return date
    }

    /// CloudWatch accepts periods of 1, 5, 10, 20 and 30 seconds (high resolution) and multiples of a minute; a
    /// century bounds them so that periods in milliseconds cannot overflow.
    static func period(_ input: JSONValue, _ key: String, path: String) throws -> Int {
        guard let period = try int(input, key, path: path) else { throw missing(path) }
        guard [1, 5, 10, 20, 30].contains(period) || (period > 0 && period % 60 == 0 && period <= 3_153_600_000) else {
            throw invalid("The parameter \(path) must be 1, 5, 10, 20, 30, or a multiple of 60 up to 3153600000.")
        }
        return period
    }

    static func unit(_ input: JSONValue, _ key: String, path: String) throws -> String? {
        guard let unit = try string(input, key, path: path) else { return nil }
        guard Metric.standardUnits.contains(unit) else {
            throw invalid("The parameter \(path) must be a value in the set [ \(Metric.standardUnits.sorted().joined(separator: ", ")) ].")
        }
        return unit
    }

    /// `Dimensions`: at most 30, each with a name and a value, no name twice.
    static func dimensions(_ input: JSONValue, _ key: String, path: String) throws -> [String: String] {
        let members = try list(input, key, path: path) ?? []
        guard members.count <= 30 else { throw invalid("The collection \(path) must not have a size greater than 30.") }
        var dimensions: [String: String] = [:]
        for (index, member) in members.enumerated() {
            let memberPath = "\(path).member.\(index + 1)"
            let name = try requiredString(member, "Name", path: memberPath + ".Name")
            let value = try requiredString(member, "Value", path: memberPath + ".Value")
            guard dimensions.updateValue(value, forKey: name) == nil else {
                throw invalid("The parameter \(path) must not contain the dimension name \(name) more than once.")
            }
        }
        return dimensions
    }

    /// Parses `2024-05-01T12:00:00Z`, with optional fractional seconds and a `Z` or `±HH:MM` offset (none means UTC).
    static func parseISO8601(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int32? {
            guard range.upperBound <= bytes.count, bytes[range].allSatisfy({ (48...57).contains($0) }) else { return nil }
            return Int32(String(decoding: bytes[range], as: UTF8.self))
        }
        guard bytes.count >= 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[10]), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"), let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            let digits = bytes[(index + 1)...].prefix { (48...57).contains($0) }
            guard !digits.isEmpty, let value = Double("0." + String(decoding: digits, as: UTF8.self)) else { return nil }
            fraction = value
            index += 1 + digits.count
        }
        var offset = 0
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = bytes[index] == UInt8(ascii: "+") ? 1 : -1
                let colon = index + 3 < bytes.count && bytes[index + 3] == UInt8(ascii: ":")
                guard let hours = number((index + 1)..<(index + 3)),
                    let minutes = number((index + (colon ? 4 : 3))..<(index + (colon ? 6 : 5)))
                else { return nil }
                offset = sign * Int(hours * 3600 + minutes * 60)
                index += colon ? 6 : 5
            default:
                return nil
            }
        }
        guard index == bytes.count,
            let date = AWSDate.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return date.addingTimeInterval(fraction - Double(offset))
    }

    /// A query-protocol form as the nested document its JSON twin would be: `Dimensions.member.2.Name=x` becomes
    /// `{"Dimensions": [_, {"Name": "x"}]}`. Lists are ordered by member number; `Action` and `Version` are dropped.
    static func queryTree(_ parameters: [String: String]) -> JSONValue {
        var root = Node.object([:])
        for (key, value) in parameters where key != "Action" && key != "Version" {
            var path: [Component] = []
            let parts = key.split(separator: ".", omittingEmptySubsequences: false)
            var index = 0
            while index < parts.count {
                if parts[index] == "member", index + 1 < parts.count, let position = Int(parts[index + 1]) {
                    path.append(.index(position))
                    index += 2
                } else {
                    path.append(.key(String(parts[index])))
                    index += 1
                }
            }
            root.insert(value, at: path[...])
        }
        return root.json
    }

    private enum Component {
        case key(String)
        case index(Int)
    }

    private indirect enum Node {
        case leaf(String)
        case object([String: Node])
        case list([Int: Node])

        mutating func insert(_ value: String, at path: ArraySlice<Component>) {
            guard let first = path.first else {
                self = .leaf(value)
                return
            }
            switch first {
            case .key(let key):
                var children: [String: Node] = [:]
                if case .object(let existing) = self { children = existing }
                var child = children[key] ?? .object([:])
                child.insert(value, at: path.dropFirst())
                children[key] = child
                self = .object(children)
            case .index(let position):
                var members: [Int: Node] = [:]
                if case .list(let existing) = self { members = existing }
                var member = members[position] ?? .object([:])
                member.insert(value, at: path.dropFirst())
                members[position] = member
                self = .list(members)
            }
        }

        var json: JSONValue {
            switch self {
            case .leaf(let value): .string(value)
            case .object(let children): .object(children.mapValues(\.json))
            case .list(let members): .array(members.sorted { $0.key < $1.key }.map(\.value.json))
            }
        }
    }
}
