import AWSWire
import FuzzSupport
import Foundation

/// JSON 1.0/1.1 request bodies: decoded with the nesting bound, and whatever decodes encodes and decodes again.
func fuzzJSON(_ input: UnsafeRawBufferPointer) -> CInt {
    let data = Data(input)
    guard let value = try? JSONValue.decode(data) else { return 0 }
    // Sagebox stores requests as their encoding and reads them back: that must never fail.
    precondition((try? JSONValue.decode(value.encoded())) != nil, "an accepted document did not survive encoding")
    return 0
}

runFuzzer { data, size in fuzzJSON(UnsafeRawBufferPointer(start: data, count: size)) }
