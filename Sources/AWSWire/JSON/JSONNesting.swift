import Foundation

/// How deeply a JSON request may nest before it is decoded.
///
/// `JSONDecoder` refuses documents deeper than 512 (and 511 levels decode without trouble today), but everything
/// after it recurses once per level on whichever thread serves the request: `JSONValue`'s decoding, its encoding for
/// storage, equality and destruction. AWS request shapes are a few levels deep, so a cheap scan refuses anything
/// deeper than `maxDepth` before any recursive code sees it, whatever the decoder's own limit becomes.
public enum JSONNesting {
    public static let maxDepth = 64

    public struct TooDeep: Error, Equatable {}

    /// The deepest nesting of arrays and objects in `bytes`, counting only brackets outside strings; stops counting
    /// (returning a value above `limit`) as soon as `limit` is passed. Malformed JSON is left for the decoder to refuse.
    public static func depth(of bytes: some Sequence<UInt8>, limit: Int = maxDepth) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
                if deepest > limit { return deepest }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}
