import Foundation

/// The dashboard's URLs, built in one place so that a name with `/`, `?` or spaces still links to its page.
enum Links {
    static let root = "/_sagebox/ui/"

    static func job(_ name: String) -> String { root + "jobs/" + component(name) }
    static func jobLog(_ name: String) -> String { job(name) + "/log" }
    static let buckets = root + "buckets"

    static func bucket(_ name: String, prefix: String = "") -> String {
        root + "buckets/" + component(name) + (prefix.isEmpty ? "" : "?prefix=" + query(prefix))
    }

    static func object(_ bucket: String, key: String) -> String {
        root + "buckets/" + component(bucket) + "/object?key=" + query(key)
    }

    /// The bucket browser for an `s3://bucket/prefix` URI (a channel, an output path, a model), or nil when it is not
    /// one. The rest of the URI is used as a listing prefix, so a folder and a single object both show up listed.
    static func s3(_ uri: String) -> String? {
        guard uri.hasPrefix("s3://") else { return nil }
        let rest = uri.dropFirst(5)
        let name = String(rest.prefix { $0 != "/" })
        guard !name.isEmpty else { return nil }
        return bucket(name, prefix: String(rest.dropFirst(name.count + 1)))
    }

    static func component(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved.union(CharacterSet(charactersIn: "/"))) ?? text
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
