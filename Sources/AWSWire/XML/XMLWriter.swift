/// Builds an XML document as text, escaping every value.
///
/// AWS responses are small, flat and written in one pass, so a writer is all they need; there is no tree.
public struct XMLWriter: Sendable {
    public private(set) var text: String

    public init(declaration: Bool = true) {
        text = declaration ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : ""
        text.reserveCapacity(1024)
    }

    public mutating func open(_ name: String, xmlns: String? = nil) {
        text += "<" + name
        if let xmlns { text += " xmlns=\"" + xmlns + "\"" }
        text += ">"
    }

    public mutating func close(_ name: String) {
        text += "</" + name + ">"
    }

    public mutating func element(_ name: String, _ value: String) {
        text += "<" + name + ">"
        XMLWriter.escape(value, into: &text)
        text += "</" + name + ">"
    }

    /// Writes escaped character data inside the element that is open.
    public mutating func characters(_ value: String) {
        XMLWriter.escape(value, into: &text)
    }

    public mutating func element(_ name: String, _ value: Int) {
        element(name, String(value))
    }

    public mutating func element(_ name: String, _ value: Bool) {
        element(name, value ? "true" : "false")
    }

    /// Writes `name` only when `value` is present, as AWS omits absent fields.
    public mutating func optional(_ name: String, _ value: String?) {
        if let value { element(name, value) }
    }

    public mutating func element(_ name: String, xmlns: String? = nil, _ body: (inout XMLWriter) -> Void) {
        open(name, xmlns: xmlns)
        body(&self)
        close(name)
    }

    public static func escape(_ value: String, into out: inout String) {
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 cannot carry most control characters literally; a character reference keeps them.
            case "\r": out += "&#13;"
            case "\n": out += "&#10;"
            case "\t": out += "&#9;"
            default:
                if scalar.value < 0x20 {
                    out += "&#\(scalar.value);"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
    }
}
