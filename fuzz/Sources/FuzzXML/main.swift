import AWSWire
import CFuzzer
import Foundation

/// S3's XML request bodies (DeleteObjects, CompleteMultipartUpload, CreateBucketConfiguration): any bytes either
/// parse within the limits or are refused; nothing traps.
func fuzzXML(_ input: UnsafeRawBufferPointer) -> CInt {
    let data = Data(input)
    let limits = XMLLimits(maxBytes: 1 << 20, maxDepth: 16, maxElements: 1_000)
    guard let root = XMLElementNode.parse(data, limits: limits) else { return 0 }
    var depth = 0
    var level = [root]
    while !level.isEmpty {
        depth += 1
        level = level.flatMap(\.children)
    }
    precondition(depth <= limits.maxDepth, "a document deeper than the limit was accepted")
    return 0
}

// SwiftPM links this file's top-level code as the program's main, so that is where the fuzzer starts. The symbol
// below is what libFuzzer's own main (linked in by -sanitize=fuzzer, but never run) refers to.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzXML(UnsafeRawBufferPointer(start: data, count: size))
}

var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
