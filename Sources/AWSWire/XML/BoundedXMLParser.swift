/// How much of an XML request document Sagebox is willing to read. Checked while reading, so a hostile document is
/// refused before its size or depth costs anything.
public struct XMLLimits: Sendable {
    public var maxBytes: Int
    /// Nesting of elements; S3's request documents are at most five deep.
    public var maxDepth: Int
    /// Elements in the whole document; DeleteObjects with 1,000 objects and version ids needs about 3,000.
    public var maxElements: Int

    public init(maxBytes: Int = 4 * 1024 * 1024, maxDepth: Int = 64, maxElements: Int = 100_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
    }
}

/// A small XML 1.0 reader for AWS request documents, written instead of Foundation's `XMLParser` because that one
/// traps on invalid UTF-8 in a name and overflows the stack on deep nesting, either of which ends the server.
///
/// It reads the bytes once, left to right, with an explicit stack (no recursion), after checking the whole input is
/// UTF-8. It keeps element names (namespace prefixes dropped, as `shouldProcessNamespaces` did) and character data;
/// attributes are checked and ignored. Document type declarations are refused outright, so no entity other than the
/// five predefined ones and character references is ever expanded.
struct BoundedXMLParser {
    enum Failure: Error, Equatable {
        case tooLarge, tooDeep, tooManyElements, invalidUTF8, doctypeNotAllowed, malformed(String)
    }

    private let bytes: [UInt8]
    private let limits: XMLLimits
    private var index = 0
    private var elementCount = 0

    init(_ bytes: [UInt8], limits: XMLLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// An element being read: its children so far and the raw bytes of its character data.
    private struct Open {
        var name: String
        var text: [UInt8] = []
        var children: [XMLElementNode] = []
    }

    mutating func parse() throws(Failure) -> XMLElementNode {
        guard bytes.count <= limits.maxBytes else { throw .tooLarge }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .invalidUTF8 }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        try skipMisc()
        guard peek(0) == UInt8(ascii: "<") else { throw .malformed("no root element") }
        var stack: [Open] = []
        var root: XMLElementNode?
        repeat {
            if peek(0) == UInt8(ascii: "<") {
                if let closed = try markup(&stack) {
                    if stack.isEmpty { root = closed } else { stack[stack.count - 1].children.append(closed) }
                }
            } else {
                try characterData(into: &stack[stack.count - 1].text)
            }
        } while !stack.isEmpty && root == nil
        guard stack.isEmpty, let root else { throw .malformed("unclosed element") }
        try skipMisc()
        guard index == bytes.count else { throw .malformed("content after the root element") }
        return root
    }

    /// Reads one piece of markup at `<`; returns the element it closed, if it closed one.
    private mutating func markup(_ stack: inout [Open]) throws(Failure) -> XMLElementNode? {
        if starts(with: "</") {
            index += 2
            let name = try self.name()
            skipWhitespace()
            try expect(">")
            guard let open = stack.popLast(), open.name == name else { throw .malformed("mismatched end tag") }
            return Self.node(open)
        }
        if starts(with: "<!--") { try comment(); return nil }
        if starts(with: "<?") { try processingInstruction(); return nil }
        if starts(with: "<![CDATA[") {
            guard !stack.isEmpty else { throw .malformed("CDATA outside an element") }
            index += 9
            guard let end = find("]]>") else { throw .malformed("unterminated CDATA") }
            stack[stack.count - 1].text += bytes[index..<end]
            index = end + 3
            return nil
        }
        if starts(with: "<!DOCTYPE") { throw .doctypeNotAllowed }
        guard stack.count < limits.maxDepth else { throw .tooDeep }
        elementCount += 1
        guard elementCount <= limits.maxElements else { throw .tooManyElements }
        index += 1
        let name = try self.name()
        try attributes()
        if starts(with: "/>") {
            index += 2
            let node = Self.node(Open(name: name))
            if stack.isEmpty { return node }
            stack[stack.count - 1].children.append(node)
            return nil
        }
        try expect(">")
        stack.append(Open(name: name))
        return nil
    }

    private static func node(_ open: Open) -> XMLElementNode {
        var text = String(decoding: open.text, as: UTF8.self)
        // As before with XMLParser: whitespace between child elements is layout, not content.
        if !open.children.isEmpty { text = text.trimmingXMLWhitespace() }
        return XMLElementNode(name: open.name, text: text, children: open.children)
    }

    /// Text up to the next `<`, with references replaced and line ends normalised as XML 1.0 requires.
    private mutating func characterData(into text: inout [UInt8]) throws(Failure) {
        while index < bytes.count, bytes[index] != UInt8(ascii: "<") {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "&"):
                try reference(into: &text)
            case 0x0D:
                text.append(0x0A)
                index += peek(1) == 0x0A ? 2 : 1
            case 0:
                throw .malformed("NUL in character data")
            default:
                text.append(byte)
                index += 1
            }
        }
        guard index < bytes.count else { throw .malformed("unclosed element") }
    }

    /// `&lt;` and the other predefined entities, `&#NN;` and `&#xHH;`; any other entity is an error, never a lookup.
    private mutating func reference(into text: inout [UInt8]) throws(Failure) {
        index += 1
        guard let semicolon = bytes[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
            throw .malformed("unterminated reference")
        }
        let body = bytes[index..<semicolon]
        index = semicolon + 1
        switch String(decoding: body, as: UTF8.self) {
        case "lt": text.append(UInt8(ascii: "<"))
        case "gt": text.append(UInt8(ascii: ">"))
        case "amp": text.append(UInt8(ascii: "&"))
        case "apos": text.append(UInt8(ascii: "'"))
        case "quot": text.append(UInt8(ascii: "\""))
        case let name where name.hasPrefix("#"):
            let digits = name.dropFirst()
            let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            guard let value, value != 0, let scalar = Unicode.Scalar(value) else { throw .malformed("bad character reference") }
            text += Array(String(Character(scalar)).utf8)
        default:
            throw .malformed("undeclared entity")
        }
    }

    private mutating func attributes() throws(Failure) {
        while true {
            let hadSpace = skipWhitespace()
            guard let byte = peek(0) else { throw .malformed("unterminated start tag") }
            if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") { return }
            guard hadSpace else { throw .malformed("attributes must be separated by whitespace") }
            _ = try name()
            skipWhitespace()
            try expect("=")
            skipWhitespace()
            guard let quote = peek(0), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                throw .malformed("unquoted attribute value")
            }
            index += 1
            guard let end = bytes[index...].firstIndex(of: quote) else { throw .malformed("unterminated attribute value") }
            guard !bytes[index..<end].contains(UInt8(ascii: "<")) else { throw .malformed("< in an attribute value") }
            index = end + 1
        }
    }

    /// An element or attribute name, without its namespace prefix.
    private mutating func name() throws(Failure) -> String {
        let start = index
        while let byte = peek(0), Self.isNameByte(byte) { index += 1 }
        guard index > start, !Self.isDigitOrPunctuation(bytes[start]) else { throw .malformed("bad name") }
        let name = bytes[start..<index]
        let local = name.lastIndex(of: UInt8(ascii: ":")).map { name[($0 + 1)...] } ?? name
        guard !local.isEmpty else { throw .malformed("bad name") }
        return String(decoding: local, as: UTF8.self)
    }

    /// Letters, digits, `_ - . :` and every non-ASCII byte (the input is valid UTF-8 by now).
    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"), 0x80...0xFF:
            return true
        default:
            return false
        }
    }

    private static func isDigitOrPunctuation(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// Whitespace, comments and processing instructions, allowed before and after the root element.
    private mutating func skipMisc() throws(Failure) {
        while true {
            skipWhitespace()
            if starts(with: "<!--") {
                try comment()
            } else if starts(with: "<?") {
                try processingInstruction()
            } else if starts(with: "<!DOCTYPE") {
                throw .doctypeNotAllowed
            } else {
                return
            }
        }
    }

    private mutating func comment() throws(Failure) {
        index += 4
        guard let end = find("-->") else { throw .malformed("unterminated comment") }
        index = end + 3
    }

    private mutating func processingInstruction() throws(Failure) {
        index += 2
        guard let end = find("?>") else { throw .malformed("unterminated processing instruction") }
        index = end + 2
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = index
        while let byte = peek(0), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        return index > start
    }

    private mutating func expect(_ text: String) throws(Failure) {
        guard starts(with: text) else { throw .malformed("expected \(text)") }
        index += text.utf8.count
    }

    private func peek(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private func starts(with text: String) -> Bool {
        bytes[index...].starts(with: text.utf8)
    }

    /// The position of the next `text` from the current one, searched without backtracking past it.
    private func find(_ text: String) -> Int? {
        let needle = Array(text.utf8)
        var position = index
        while position + needle.count <= bytes.count {
            if bytes[position] == needle[0], bytes[position..<(position + needle.count)].elementsEqual(needle) { return position }
            position += 1
        }
        return nil
    }
}

extension String {
    /// Drops XML whitespace (space, tab, CR, LF) from both ends.
    fileprivate func trimmingXMLWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
