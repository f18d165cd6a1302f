import AWSWire
import CFuzzer
import Foundation

/// JSON 1.0/1.1 request bodies: decoded with the nesting bound, and whatever decodes encodes and decodes again.
func fuzzJSON(_ input: UnsafeRawBufferPointer) -> CInt {
    let data = Data(input)
    guard let value = try? JSONValue.decode(data) else { return 0 }
    // Sagebox stores requests as their encoding and reads them back: that must never fail.
    precondition((try? JSONValue.decode(value.encoded())) != nil, "an accepted document did not survive encoding")
    return 0
}

// SwiftPM links this file's top-level code as the program's main, so that is where the fuzzer starts. The symbol
// below is what libFuzzer's own main (linked in by -sanitize=fuzzer, but never run) refers to.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzJSON(UnsafeRawBufferPointer(start: data, count: size))
}

var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
