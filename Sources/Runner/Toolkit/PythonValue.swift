/// A value as CPython's `json.loads` returns it: the SageMaker training toolkit decodes every hyperparameter with
/// `json.loads` and then formats the results with Python's own `str()` and `json.dumps`, so Sagebox has to model
/// Python's values, not JSON's.
///
/// Python strings are sequences of code points: two `str`s are equal only when their code points are, and they
/// sort by code point. Swift's `String` equality and ordering use canonical equivalence instead, so everything
/// here compares strings by `unicodeScalars` (see `PythonDict`, `pythonPrecedes`).
public enum PythonValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int64)
    /// A Python `int` outside `Int64`, as canonical decimal text (optional `-`, no leading zeros).
    case bigInt(String)
    case float(Double)
    case string(String)
    case list([PythonValue])
    case dict(PythonDict)
}

/// A Python `dict` with `str` keys: insertion-ordered, and assigning to an existing key replaces the value in place
/// (the key keeps its first position), exactly like `json.loads` on an object with duplicate keys.
public struct PythonDict: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var values: [CodePoints: PythonValue] = [:]

    public init() {}

    public init(_ entries: [(String, PythonValue)]) {
        for (key, value) in entries { self[key] = value }
    }

    public subscript(key: String) -> PythonValue? {
        get { values[CodePoints(key)] }
        set {
            let k = CodePoints(key)
            switch (values[k], newValue) {
            case (nil, let value?):
                keys.append(key)
                values[k] = value
            case (_?, let value?):
                values[k] = value
            case (_?, nil):
                values[k] = nil
                keys.removeAll { CodePoints($0) == k }
            case (nil, nil):
                break
            }
        }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// The entries in insertion order.
    public var entries: [(key: String, value: PythonValue)] {
        keys.map { ($0, values[CodePoints($0)]!) }
    }

    /// The entries sorted by key as Python's `sorted()` orders `str`s (by code point).
    var sortedEntries: [(key: String, value: PythonValue)] {
        entries.sorted { pythonPrecedes($0.key, $1.key) }
    }

    /// Same entries in the same order (stricter than Python's order-insensitive `==`, which is what tests want).
    public static func == (lhs: PythonDict, rhs: PythonDict) -> Bool {
        lhs.keys.count == rhs.keys.count
            && zip(lhs.entries, rhs.entries).allSatisfy { CodePoints($0.key) == CodePoints($1.key) && $0.value == $1.value }
    }
}

/// A string's identity as Python sees it: its code points.
struct CodePoints: Hashable {
    let scalars: [UInt32]
    init(_ string: String) { scalars = string.unicodeScalars.map(\.value) }
}

extension String {
    /// Python's `str.startswith`: by code point (Swift's `hasPrefix` compares whole grapheme clusters).
    func pythonStartsWith(_ prefix: String) -> Bool { unicodeScalars.starts(with: prefix.unicodeScalars) }

    /// Python's `str.endswith`, by code point.
    func pythonEndsWith(_ suffix: String) -> Bool { unicodeScalars.reversed().starts(with: suffix.unicodeScalars.reversed()) }
}

/// Python's `a < b` for `str`: lexicographic by code point.
func pythonPrecedes(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
}

extension PythonValue {
    /// Python's `bool(v)`.
    var isTruthy: Bool {
        switch self {
        case .none: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .bigInt: true
        case .float(let d): d != 0  // NaN is truthy in Python too
        case .string(let s): !s.isEmpty
        case .list(let l): !l.isEmpty
        case .dict(let d): !d.isEmpty
        }
    }

    /// Python's type name, for the messages of the TypeErrors the toolkit would raise.
    var pythonTypeName: String {
        switch self {
        case .none: "NoneType"
        case .bool: "bool"
        case .int, .bigInt: "int"
        case .float: "float"
        case .string: "str"
        case .list: "list"
        case .dict: "dict"
        }
    }

    /// Python's `a == b`: numbers compare by value across bool/int/float (`True == 1 == 1.0`), containers
    /// element-wise, dicts regardless of order. An int beyond Int64 never equals a float here; the toolkit only
    /// compares host and group names, so that corner is not modelled.
    func pythonEquals(_ other: PythonValue) -> Bool {
        switch (self.numeric, other.numeric) {
        case (.exact(let a)?, .exact(let b)?): return a == b
        case (.exact(let a)?, .float(let b)?), (.float(let b)?, .exact(let a)?): return Double(exactly: a) == b
        case (.float(let a)?, .float(let b)?): return a == b
        case (.some, .some): return false
        default: break
        }
        switch (self, other) {
        case (.none, .none): return true
        case (.bigInt(let a), .bigInt(let b)): return a == b
        case (.string(let a), .string(let b)): return CodePoints(a) == CodePoints(b)
        case (.list(let a), .list(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        case (.dict(let a), .dict(let b)):
            return a.count == b.count && a.entries.allSatisfy { entry in b[entry.key].map { entry.value.pythonEquals($0) } ?? false }
        default: return false
        }
    }

    private enum Numeric { case exact(Int64), float(Double) }

    private var numeric: Numeric? {
        switch self {
        case .bool(let b): .exact(b ? 1 : 0)
        case .int(let i): .exact(i)
        case .float(let d): .float(d)
        default: nil
        }
    }

    /// Python's `item in container` for the containers the toolkit tests membership on.
    func pythonContains(_ item: PythonValue) throws(ToolkitError) -> Bool {
        switch self {
        case .list(let elements): return elements.contains { $0.pythonEquals(item) }
        case .dict(let d): return d.keys.contains { PythonValue.string($0).pythonEquals(item) }
        case .string(let s):
            guard case .string(let needle) = item else {
                throw .frameworkError(type: "TypeError", message: "'in <string>' requires string as left operand, not \(item.pythonTypeName)")
            }
            return needle.isEmpty || s.unicodeScalars.map(\.value).containsSubsequence(needle.unicodeScalars.map(\.value))
        default:
            throw .frameworkError(type: "TypeError", message: "argument of type '\(pythonTypeName)' is not iterable")
        }
    }

    /// Python's `list(v)` for the iterables the toolkit walks (`list.extend(group["hosts"])`, `list(hosts)`).
    func pythonElements() throws(ToolkitError) -> [PythonValue] {
        switch self {
        case .list(let elements): return elements
        case .dict(let d): return d.keys.map(PythonValue.string)
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        default: throw .frameworkError(type: "TypeError", message: "'\(pythonTypeName)' object is not iterable")
        }
    }
}

extension Array where Element == UInt32 {
    func containsSubsequence(_ needle: [UInt32]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
