/// Percent-encoding as AWS uses it: RFC 3986's unreserved set left alone, every other byte `%XX`.
public enum PercentEncoding {
    /// Decodes `%XX` escapes byte-wise (so multi-byte UTF-8 sequences survive); with `plusIsSpace`, `+` means a
    /// space as in form bodies and query strings. Returns nil for a malformed escape or invalid UTF-8.
    public static func decode(_ text: Substring, plusIsSpace: Bool = false) -> String? {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(Hex.value), let low = iterator.next().flatMap(Hex.value) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    public static func decode(_ text: String, plusIsSpace: Bool = false) -> String? {
        decode(text[...], plusIsSpace: plusIsSpace)
    }

    /// Encodes every byte outside the unreserved set; `keepSlash` leaves `/` alone (S3 keys in paths).
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        func kept(_ byte: UInt8) -> Bool { isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) }
        // Listings encode every key of a page; most need no escape at all.
        if text.utf8.allSatisfy(kept) { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            if kept(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits a raw query string into decoded name/value pairs, in order; a name without `=` has an empty value.
    public static func parseQuery(_ query: Substring) -> [(name: String, value: String)] {
        guard !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let eq = pair.firstIndex(of: "=") {
                let name = decode(pair[..<eq], plusIsSpace: true) ?? String(pair[..<eq])
                let value = decode(pair[pair.index(after: eq)...], plusIsSpace: true) ?? String(pair[pair.index(after: eq)...])
                return (name, value)
            }
            return (decode(pair, plusIsSpace: true) ?? String(pair), "")
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
