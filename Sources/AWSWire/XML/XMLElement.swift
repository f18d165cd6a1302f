import Foundation

/// A parsed XML element: enough of a tree for the small request documents AWS clients send
/// (CompleteMultipartUpload, Delete, CreateBucketConfiguration).
public struct XMLElementNode: Sendable, Equatable {
    public var name: String
    public var text: String
    public var children: [XMLElementNode]

    public init(name: String, text: String = "", children: [XMLElementNode] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    public func child(_ name: String) -> XMLElementNode? {
        children.first { $0.name == name }
    }

    public func children(_ name: String) -> [XMLElementNode] {
        children.filter { $0.name == name }
    }

    /// The text of the first child named `name`.
    public subscript(_ name: String) -> String? {
        child(name)?.text
    }

    /// Parses a document; nil when it is not well-formed XML, is not UTF-8, declares a document type, or exceeds
    /// `limits`.
    public static func parse(_ data: Data, limits: XMLLimits = XMLLimits()) -> XMLElementNode? {
        var parser = BoundedXMLParser(Array(data), limits: limits)
        return try? parser.parse()
    }
}
