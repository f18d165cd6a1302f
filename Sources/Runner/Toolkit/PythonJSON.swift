/// CPython's `json.loads` and `json.dumps`, as far as the toolkit uses them.

public enum PythonJSONError: Error, Equatable {
    /// `json.loads` raises (`JSONDecodeError`, a `ValueError`); the message is for logs only.
    case invalid(String)
    /// The text is valid JSON but holds a `\uXXXX` escape of an unpaired UTF-16 surrogate. Python keeps it in the
    /// `str`; a Swift `String` cannot hold it, so Sagebox refuses such values rather than altering them.
    case loneSurrogate(UInt32)
}

extension PythonValue {
    /// `json.loads(text)` with CPython's defaults (C scanner, `strict=True`): JSON plus `NaN`, `Infinity` and
    /// `-Infinity`; whitespace is only space, tab, CR and LF; numbers with a fraction or exponent become floats,
    /// others ints of any size; duplicate object keys keep the last value at the first position.
    public static func jsonLoads(_ text: String) throws(PythonJSONError) -> PythonValue {
        var parser = PythonJSONParser(Array(text.unicodeScalars))
        return try parser.parseDocument()
    }

    /// What the toolkit's `read_hyperparameters()` makes of one hyperparameter: `json.loads(raw)`, or `raw` itself
    /// when that fails.
    public static func decodeHyperparameter(_ raw: String) throws(PythonJSONError) -> PythonValue {
        do {
            return try jsonLoads(raw)
        } catch .invalid {
            return .string(raw)
        }
    }

    /// `json.dumps(v, sort_keys=True, separators=(",", ":"))` (ensure_ascii and allow_nan at their defaults), the
    /// format of every non-string `SM_*` variable.
    public var compactJSON: String {
        var out = ""
        writeJSON(to: &out)
        return out
    }

    private func writeJSON(to out: inout String) {
        switch self {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .bigInt(let digits): out += digits
        case .float(let d):
            if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" } else { out += pythonFloatRepr(d) }
        case .string(let s): writeJSONString(s, to: &out)
        case .list(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                element.writeJSON(to: &out)
            }
            out += "]"
        case .dict(let d):
            out += "{"
            for (i, entry) in d.sortedEntries.enumerated() {
                if i > 0 { out += "," }
                writeJSONString(entry.key, to: &out)
                out += ":"
                entry.value.writeJSON(to: &out)
            }
            out += "}"
        }
    }
}

/// `json.encoder.encode_basestring_ascii`: printable ASCII passes, everything else is escaped, non-BMP code points
/// as a surrogate pair, hex in lower case.
private func writeJSONString(_ s: String, to out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case " "..."~": out.unicodeScalars.append(scalar)
        default:
            if scalar.value > 0xFFFF {
                let v = scalar.value - 0x10000
                out += "\\u" + lowerHex(0xD800 + (v >> 10), width: 4) + "\\u" + lowerHex(0xDC00 + (v & 0x3FF), width: 4)
            } else {
                out += "\\u" + lowerHex(scalar.value, width: 4)
            }
        }
    }
    out += "\""
}

private struct PythonJSONParser {
    let s: [Unicode.Scalar]
    var i = 0

    init(_ scalars: [Unicode.Scalar]) { s = scalars }

    mutating func parseDocument() throws(PythonJSONError) -> PythonValue {
        if s.first == "\u{FEFF}" { throw .invalid("Unexpected UTF-8 BOM (decode using utf-8-sig)") }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard i == s.count else { throw .invalid("Extra data at \(i)") }
        return value
    }

    private mutating func skipWhitespace() {
        while i < s.count, [" ", "\t", "\n", "\r"].contains(s[i]) { i += 1 }
    }

    private func startsWith(_ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        return i + w.count <= s.count && s[i..<(i + w.count)].elementsEqual(w)
    }

    private mutating func parseValue() throws(PythonJSONError) -> PythonValue {
        guard i < s.count else { throw .invalid("Expecting value at \(i)") }
        switch s[i] {
        case "\"": return .string(try parseString())
        case "{": return try parseObject()
        case "[": return try parseArray()
        default: break
        }
        for (word, value) in [("null", PythonValue.none), ("true", .bool(true)), ("false", .bool(false)),
                              ("NaN", .float(.nan)), ("Infinity", .float(.infinity)), ("-Infinity", .float(-.infinity))]
            where startsWith(word) {
            i += word.unicodeScalars.count
            return value
        }
        return try parseNumber()
    }

    /// `_match_number_unicode`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, ASCII digits only; a `.` or `e`
    /// not followed by digits ends the number (and then fails as extra data).
    private mutating func parseNumber() throws(PythonJSONError) -> PythonValue {
        let start = i
        func isDigit(_ k: Int) -> Bool { k < s.count && ("0"..."9").contains(s[k]) }
        if i < s.count, s[i] == "-" { i += 1 }
        guard isDigit(i) else { throw .invalid("Expecting value at \(start)") }
        if s[i] == "0" { i += 1 } else { while isDigit(i) { i += 1 } }
        var isFloat = false
        if i < s.count, s[i] == ".", isDigit(i + 1) {
            isFloat = true
            i += 1
            while isDigit(i) { i += 1 }
        }
        if i < s.count, s[i] == "e" || s[i] == "E" {
            var k = i + 1
            if k < s.count, s[k] == "+" || s[k] == "-" { k += 1 }
            if isDigit(k) {
                isFloat = true
                i = k
                while isDigit(i) { i += 1 }
            }
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: s[start..<i])
        if isFloat {
            guard let d = Double(text) else { throw .invalid("Bad number \(text)") }
            return .float(d)
        }
        if let v = Int64(text) { return .int(v) }
        // Python ints are unbounded; "-0" cannot reach here (it fits Int64), so the text is already canonical.
        return .bigInt(text)
    }

    private mutating func parseString() throws(PythonJSONError) -> String {
        i += 1  // opening quote
        var out = String.UnicodeScalarView()
        while true {
            guard i < s.count else { throw .invalid("Unterminated string") }
            let c = s[i]
            i += 1
            switch c {
            case "\"":
                return String(out)
            case "\\":
                guard i < s.count else { throw .invalid("Unterminated string") }
                let e = s[i]
                i += 1
                switch e {
                case "\"", "\\", "/": out.append(e)
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "u":
                    var v = try hexEscape()
                    if (0xD800...0xDBFF).contains(v), startsWith("\\u") {
                        let save = i
                        i += 2
                        let low = try hexEscape()
                        if (0xDC00...0xDFFF).contains(low) {
                            v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            i = save
                        }
                    }
                    guard let scalar = Unicode.Scalar(v) else { throw .loneSurrogate(v) }
                    out.append(scalar)
                default:
                    throw .invalid("Invalid \\escape")
                }
            default:
                if c.value < 0x20 { throw .invalid("Invalid control character") }
                out.append(c)
            }
        }
    }

    private mutating func hexEscape() throws(PythonJSONError) -> UInt32 {
        guard i + 4 <= s.count else { throw .invalid("Invalid \\uXXXX escape") }
        var text = ""
        text.unicodeScalars.append(contentsOf: s[i..<(i + 4)])
        guard text.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit), let v = UInt32(text, radix: 16) else {
            throw .invalid("Invalid \\uXXXX escape")
        }
        i += 4
        return v
    }

    private mutating func parseArray() throws(PythonJSONError) -> PythonValue {
        i += 1
        var elements: [PythonValue] = []
        skipWhitespace()
        if i < s.count, s[i] == "]" {
            i += 1
            return .list(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard i < s.count else { throw .invalid("Expecting ',' delimiter") }
            if s[i] == "]" {
                i += 1
                return .list(elements)
            }
            guard s[i] == "," else { throw .invalid("Expecting ',' delimiter") }
            i += 1
        }
    }

    private mutating func parseObject() throws(PythonJSONError) -> PythonValue {
        i += 1
        var dict = PythonDict()
        skipWhitespace()
        if i < s.count, s[i] == "}" {
            i += 1
            return .dict(dict)
        }
        while true {
            skipWhitespace()
            guard i < s.count, s[i] == "\"" else { throw .invalid("Expecting property name enclosed in double quotes") }
            let key = try parseString()
            skipWhitespace()
            guard i < s.count, s[i] == ":" else { throw .invalid("Expecting ':' delimiter") }
            i += 1
            skipWhitespace()
            dict[key] = try parseValue()
            skipWhitespace()
            guard i < s.count else { throw .invalid("Expecting ',' delimiter") }
            if s[i] == "}" {
                i += 1
                return .dict(dict)
            }
            guard s[i] == "," else { throw .invalid("Expecting ',' delimiter") }
            i += 1
        }
    }
}
