/// Builds an XML document as UTF-8 bytes, escaping every value.
///
/// AWS responses are small, flat and written in one pass, so a writer is all they need; there is no tree. It
/// appends bytes rather than characters because a 1,000-key listing is written on every page request.
public struct XMLWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public init(declaration: Bool = true) {
        bytes = []
        bytes.reserveCapacity(1024)
        if declaration { raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") }
    }

    public mutating func open(_ name: String, xmlns: String? = nil) {
        raw("<")
        raw(name)
        if let xmlns {
            raw(" xmlns=\"")
            raw(xmlns)
            raw("\"")
        }
        raw(">")
    }

    /// Opens an element with attributes, their values escaped (an ACL `Grantee` carries `xsi:type`).
    public mutating func open(_ name: String, attributes: [(name: String, value: String)]) {
        raw("<")
        raw(name)
        for attribute in attributes {
            raw(" " + attribute.name + "=\"")
            XMLWriter.escape(attribute.value, into: &bytes)
            raw("\"")
        }
        raw(">")
    }

    public mutating func close(_ name: String) {
        raw("</")
        raw(name)
        raw(">")
    }

    public mutating func element(_ name: String, _ value: String) {
        open(name)
        XMLWriter.escape(value, into: &bytes)
        close(name)
    }

    /// Writes escaped character data inside the element that is open.
    public mutating func characters(_ value: String) {
        XMLWriter.escape(value, into: &bytes)
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

    private mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    public static func escape(_ value: String, into out: inout [UInt8]) {
        let utf8 = value.utf8
        // Most values (keys, ETags, dates) need no escaping and are copied whole.
        guard utf8.contains(where: needsEscape) else {
            out.append(contentsOf: utf8)
            return
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&apos;".utf8)
            // XML 1.0 cannot carry most control characters literally; a character reference keeps them.
            case 0..<0x20: out.append(contentsOf: "&#\(byte);".utf8)
            default: out.append(byte)
            }
        }
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }
}
