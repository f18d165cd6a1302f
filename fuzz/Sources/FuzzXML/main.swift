import AWSWire
import FuzzSupport
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

runFuzzer { data, size in fuzzXML(UnsafeRawBufferPointer(start: data, count: size)) }
