import AWSWire
import CFuzzer
import Foundation

/// CompleteMultipartUpload bodies as S3 reads them: the XML, then its part list.
func fuzzMultipart(_ input: UnsafeRawBufferPointer) -> CInt {
    let data = Data(input)
    guard let root = XMLElementNode.parse(data), let parts = CompletedParts.decode(root) else { return 0 }
    precondition(parts.count == root.children("Part").count && !parts.isEmpty, "a part was dropped or invented")
    return 0
}

// SwiftPM links this file's top-level code as the program's main, so that is where the fuzzer starts. The symbol
// below is what libFuzzer's own main (linked in by -sanitize=fuzzer, but never run) refers to.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzMultipart(UnsafeRawBufferPointer(start: data, count: size))
}

var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
