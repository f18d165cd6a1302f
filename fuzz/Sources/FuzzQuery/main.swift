import AWSWire
import CFuzzer
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

// SwiftPM links this file's top-level code as the program's main, so that is where the fuzzer starts. The symbol
// below is what libFuzzer's own main (linked in by -sanitize=fuzzer, but never run) refers to.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzQuery(UnsafeRawBufferPointer(start: data, count: size))
}

var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
