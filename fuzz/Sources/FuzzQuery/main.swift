import AWSWire
import FuzzSupport
import Foundation

/// Query-protocol requests (STS, IAM, CloudWatch): the first line is the query string, the rest the form body.
func fuzzQuery(_ input: UnsafeRawBufferPointer) -> CInt {
    let text = String(decoding: input, as: UTF8.self)
    let newline = text.firstIndex(of: "\n") ?? text.endIndex
    let body = newline < text.endIndex ? text[text.index(after: newline)...] : ""
    guard let parameters = try? QueryProtocol.parameters(query: text[..<newline], body: body) else { return 0 }
    precondition(parameters.count <= QueryProtocol.maxParameters, "the parameter bound was not kept")
    for name in parameters.keys {
        precondition(name.split(separator: ".", omittingEmptySubsequences: false).count <= QueryProtocol.maxNameComponents)
    }
    return 0
}

runFuzzer { data, size in fuzzQuery(UnsafeRawBufferPointer(start: data, count: size)) }
