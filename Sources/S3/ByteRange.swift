/// A `Range: bytes=...` header resolved against an object's size.
enum ByteRange {
    case whole
    case partial(ClosedRange<Int64>)
    case unsatisfiable

    /// S3 ignores a header it cannot parse (and multiple ranges) and serves the whole object.
    init(header: String?, size: Int64) {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else {
            self = .whole
            return
        }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard let dash = spec.firstIndex(of: "-") else {
            self = .whole
            return
        }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            guard let suffix = Int64(last) else {
                self = .whole
                return
            }
            guard suffix > 0, size > 0 else {
                self = .unsatisfiable
                return
            }
            self = .partial(Swift.max(0, size - suffix)...(size - 1))
            return
        }
        guard let start = Int64(first) else {
            self = .whole
            return
        }
        var end = size - 1
        if !last.isEmpty {
            guard let parsed = Int64(last), parsed >= start else {
                self = .whole
                return
            }
            end = Swift.min(parsed, size - 1)
        }
        self = start < size ? .partial(start...end) : .unsatisfiable
    }
}
