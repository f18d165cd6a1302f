/// CPython 3's `str()` and `repr()` of the values `json.loads` produces. The toolkit turns hyperparameters into
/// command-line arguments with `str()`, so `True`, `1e-05`, `[1, 'a']` and `{'k': None}` are what user scripts see.

extension PythonValue {
    /// Python's `str(v)`: a `str` is itself, everything else is its `repr`.
    public var pythonStr: String {
        if case .string(let s) = self { return s }
        return pythonRepr
    }

    /// Python's `repr(v)`.
    public var pythonRepr: String {
        switch self {
        case .none: "None"
        case .bool(let b): b ? "True" : "False"
        case .int(let i): String(i)
        case .bigInt(let digits): digits
        case .float(let d): pythonFloatRepr(d)
        case .string(let s): pythonStringRepr(s)
        case .list(let elements): "[" + elements.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .dict(let d): "{" + d.entries.map { pythonStringRepr($0.key) + ": " + $0.value.pythonRepr }.joined(separator: ", ") + "}"
        }
    }
}

/// `float.__repr__`: the shortest digits that round-trip, in fixed notation when the decimal exponent is in
/// (-4, 16], else as `d.ddde±XX`; `inf`, `nan`, and `.0` appended to integral values.
func pythonFloatRepr(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    let sign = d.sign == .minus ? "-" : ""
    if d == 0 { return sign + "0.0" }
    // Swift's description also prints the shortest round-tripping digits; only the layout differs from Python's.
    let (digits, pointPosition) = shortestDigits(d.magnitude)
    let n = digits.count
    if pointPosition > -4 && pointPosition <= 16 {
        if pointPosition <= 0 { return sign + "0." + String(repeating: "0", count: -pointPosition) + digits }
        if pointPosition >= n { return sign + digits + String(repeating: "0", count: pointPosition - n) + ".0" }
        let cut = digits.index(digits.startIndex, offsetBy: pointPosition)
        return sign + digits[..<cut] + "." + digits[cut...]
    }
    let exponent = pointPosition - 1
    let mantissa = n == 1 ? digits : String(digits.first!) + "." + digits.dropFirst()
    let expDigits = String(abs(exponent))
    return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (expDigits.count < 2 ? "0" : "") + expDigits
}

/// The significant digits of a positive finite double (no leading or trailing zeros) and the position of the decimal
/// point relative to them: value = 0.<digits> × 10^pointPosition.
private func shortestDigits(_ d: Double) -> (String, Int) {
    let text = d.description  // e.g. "1e-05", "0.0001", "100.0", "1.2345e+20"
    var mantissa = Substring(text)
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = text[..<e]
        exponent = Int(text[text.index(after: e)...])!
    }
    let intPart = mantissa.prefix { $0 != "." }
    let fracPart = mantissa.dropFirst(intPart.count + 1)
    var digits = Substring(intPart + fracPart)
    var point = intPart.count + exponent
    while digits.first == "0" {
        digits = digits.dropFirst()
        point -= 1
    }
    while digits.last == "0" { digits = digits.dropLast() }
    return (String(digits), point)
}

/// `str.__repr__`: single quotes unless the text has `'` and no `"`; `\\`, the quote, `\t`, `\n`, `\r` escaped;
/// other ASCII controls and DEL as `\xhh`; non-ASCII kept when printable, else `\xhh`, `\uhhhh` or `\Uhhhhhhhh`.
func pythonStringRepr(_ s: String) -> String {
    let scalars = s.unicodeScalars
    let quote: Unicode.Scalar = scalars.contains("'") && !scalars.contains("\"") ? "\"" : "'"
    var out = String.UnicodeScalarView()
    out.append(quote)
    func escape(_ text: String) { out.append(contentsOf: text.unicodeScalars) }
    for c in scalars {
        switch c {
        case quote, "\\": escape("\\" + String(c))
        case "\t": escape("\\t")
        case "\n": escape("\\n")
        case "\r": escape("\\r")
        default:
            if c.value < 0x20 || c.value == 0x7F {
                escape("\\x" + lowerHex(c.value, width: 2))
            } else if c.value < 0x7F || isPythonPrintable(c) {
                out.append(c)
            } else if c.value <= 0xFF {
                escape("\\x" + lowerHex(c.value, width: 2))
            } else if c.value <= 0xFFFF {
                escape("\\u" + lowerHex(c.value, width: 4))
            } else {
                escape("\\U" + lowerHex(c.value, width: 8))
            }
        }
    }
    out.append(quote)
    return String(out)
}

/// `str.isprintable()` for one non-ASCII code point: false for the categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs.
/// (Swift's Unicode tables may be newer than the Python's; code points assigned in between differ.)
private func isPythonPrintable(_ c: Unicode.Scalar) -> Bool {
    switch c.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
        false
    default:
        true
    }
}

/// Lower-case hex, zero-padded to `width`, as Python's escapes write it.
func lowerHex(_ v: UInt32, width: Int) -> String {
    let h = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - h.count)) + h
}
