import Foundation
import ObjectStore

/// `/_sagebox/ui/buckets` and `/_sagebox/ui/buckets/NAME?prefix=`: S3 browsed as folders (keys split at `/`),
/// each object with its download link.
enum BucketPages {
    static func list(_ buckets: [Bucket]) -> Markup {
        let rows: [Markup] = buckets.map {
            "<tr><td><a href=\"\(Links.bucket($0.name))\">\($0.name)</a></td><td>\($0.region)</td><td>\(Format.time($0.creationDate))</td></tr>"
        }
        let content: Markup =
            buckets.isEmpty
            ? "<h1>S3 buckets</h1><p class=\"muted\">No buckets yet.</p>"
            : """
            <h1>S3 buckets</h1>
            <table id="buckets"><thead><tr><th>Name</th><th>Region</th><th>Created</th></tr></thead><tbody>\(rows)</tbody></table>
            """
        return Layout.page("S3 buckets", section: .buckets, content)
    }

    static func objects(bucket: String, prefix: String, page: ListPage) -> Markup {
        var rows: [Markup] = page.commonPrefixes.map { folder in
            "<tr><td>📁 <a href=\"\(Links.bucket(bucket, prefix: folder))\">\(String(folder.dropFirst(prefix.count)))</a></td><td></td><td></td><td></td></tr>"
        }
        rows += page.objects.map { object in
            """
            <tr><td><a href="\(Links.object(bucket, key: object.key))" download>\(String(object.key.dropFirst(prefix.count)))</a></td>\
            <td class="num">\(Format.bytes(object.size))</td><td>\(Format.time(object.lastModified))</td><td><code>\(object.etag)</code></td></tr>
            """
        }
        let more: Markup =
            page.isTruncated
            ? "<p><a id=\"next\" href=\"\(Links.bucket(bucket, prefix: prefix))\(prefix.isEmpty ? "?" : "&")after=\(Links.query(page.last ?? ""))\">Next page</a></p>"
            : ""
        let table: Markup =
            rows.isEmpty
            ? "<p class=\"muted\">No objects\(prefix.isEmpty ? "" : " under this prefix").</p>"
            : """
            <table id="objects"><thead><tr><th>Name</th><th>Size</th><th>Last modified</th><th>ETag</th></tr></thead><tbody>\(rows)</tbody></table>
            \(more)
            """
        return Layout.page(bucket + "/" + prefix, section: .buckets, "\(breadcrumbs(bucket: bucket, prefix: prefix))\n\(table)")
    }

    /// `S3 buckets / bucket / a / b /`, each part linking to its level.
    static func breadcrumbs(bucket: String, prefix: String) -> Markup {
        var parts: [Markup] = ["<a href=\"\(Links.buckets)\">S3 buckets</a> / <a href=\"\(Links.bucket(bucket))\">\(bucket)</a> / "]
        var path = ""
        for folder in prefix.split(separator: "/", omittingEmptySubsequences: false).dropLast() {
            path += folder + "/"
            parts.append("<a href=\"\(Links.bucket(bucket, prefix: path))\">\(String(folder))</a> / ")
        }
        let rest = prefix.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        return "<h1 class=\"breadcrumbs\">\(parts)\(rest)</h1>"
    }
}
