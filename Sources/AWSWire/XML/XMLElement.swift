import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

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

    /// Parses a document; nil when it is not well-formed XML.
    public static func parse(_ data: Data) -> XMLElementNode? {
        let builder = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else { return nil }
        return root
    }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    var stack: [XMLElementNode] = []
    var root: XMLElementNode?

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        stack.append(XMLElementNode(name: elementName))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard var node = stack.popLast() else { return }
        if !node.children.isEmpty {
            node.text = node.text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if stack.isEmpty {
            root = node
        } else {
            stack[stack.count - 1].children.append(node)
        }
    }
}
