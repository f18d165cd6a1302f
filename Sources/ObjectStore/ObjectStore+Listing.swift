import Foundation
import GRDB

/// What to list: keys under `prefix`, strictly after the position `after`, rolled up at `delimiter`.
public struct ListQuery: Sendable {
    public var prefix: String
    public var delimiter: String?
    /// A position in key order (marker, start-after or continuation token); it need not name an existing key.
    public var after: String?
    public var maxKeys: Int

    public init(prefix: String = "", delimiter: String? = nil, after: String? = nil, maxKeys: Int = 1000) {
        self.prefix = prefix
        self.delimiter = delimiter?.isEmpty == true ? nil : delimiter
        self.after = after?.isEmpty == true ? nil : after
        self.maxKeys = maxKeys
    }
}

public struct ListPage: Sendable {
    public var objects: [ObjectSummary] = []
    public var commonPrefixes: [String] = []
    public var isTruncated = false
    /// The last key or common prefix returned: where the next page starts.
    public var last: String?
}

extension ObjectStore {
    /// Lists a page by seeking in the index: a page costs the same whatever the bucket's size, and each common
    /// prefix costs one seek past all the keys it rolls up.
    public func list(bucket: String, _ query: ListQuery) async throws -> ListPage {
        try read { db in
            try Self.requireBucket(db, bucket)
            return try Self.list(db, bucket: bucket, query)
        }
    }

    static func list(_ db: Database, bucket: String, _ query: ListQuery) throws -> ListPage {
        var page = ListPage()
        guard query.maxKeys > 0 else { return page }
        let prefix = Array(query.prefix.utf8)
        let delimiter = query.delimiter.map { Array($0.utf8) }
        let marker = query.after.map { Array($0.utf8) }
        let upper = prefix.isEmpty ? nil : successor(of: prefix)
        // The scan position: keys >= lower (or > lower when exclusive).
        var lower = prefix
        var exclusive = false
        if let marker, !lexicographicallyPrecedes(marker, prefix) {
            lower = marker
            exclusive = true
        }
        var count = 0
        // The cursor steps through the index lazily, so SQLite reads only the rows that are used; a common prefix
        // ends the scan and the next one starts with a seek past every key it rolls up.
        scan: while true {
            var sql = "SELECT key, size, etag, last_modified, substr(checksum, 1, instr(checksum, ' ') - 1) FROM objects WHERE bucket = ? AND key \(exclusive ? ">" : ">=") ?"
            var arguments: StatementArguments = [bucket, Data(lower)]
            if let upper {
                sql += " AND key < ?"
                arguments += [Data(upper)]
            }
            let rows = try Row.fetchCursor(db.cachedStatement(sql: sql + " ORDER BY key"), arguments: arguments)
            while let row = try rows.next() {
                let keyData: Data = row[0]
                let key = Array(keyData)
                if count == query.maxKeys {
                    page.isTruncated = true
                    break scan
                }
                if let delimiter, let end = firstRange(of: delimiter, in: key, from: prefix.count) {
                    let common = Array(key[..<end])
                    guard let next = successor(of: common) else { break scan }
                    lower = next
                    exclusive = false
                    // A prefix at or before the marker was returned by an earlier page.
                    if let marker, !lexicographicallyPrecedes(marker, common) { continue scan }
                    let text = String(decoding: common, as: UTF8.self)
                    page.commonPrefixes.append(text)
                    page.last = text
                    count += 1
                    continue scan
                }
                let text = String(decoding: key, as: UTF8.self)
                page.objects.append(
                    ObjectSummary(
                        key: text, size: row[1], etag: row[2], lastModified: Date(timeIntervalSince1970: row[3]), checksumAlgorithm: row[4]))
                page.last = text
                count += 1
            }
            break
        }
        return page
    }

    /// The smallest byte string greater than every string starting with `bytes`, or nil when there is none.
    static func successor(of bytes: [UInt8]) -> [UInt8]? {
        var result = bytes
        while let last = result.last {
            if last < 0xFF {
                result[result.count - 1] = last + 1
                return result
            }
            result.removeLast()
        }
        return nil
    }

    static func lexicographicallyPrecedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.lexicographicallyPrecedes(b)
    }

    /// The index just past the first occurrence of `needle` in `haystack` at or after `start`.
    static func firstRange(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count - start >= needle.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) { return i + needle.count }
            i += 1
        }
        return nil
    }
}
