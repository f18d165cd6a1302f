import AWSWire
import FuzzSupport
import Foundation

/// CompleteMultipartUpload bodies as S3 reads them: the XML, then its part list.
func fuzzMultipart(_ input: UnsafeRawBufferPointer) -> CInt {
    let data = Data(input)
    guard let root = XMLElementNode.parse(data), let parts = CompletedParts.decode(root) else { return 0 }
    precondition(parts.count == root.children("Part").count && !parts.isEmpty, "a part was dropped or invented")
    return 0
}

runFuzzer { data, size in fuzzMultipart(UnsafeRawBufferPointer(start: data, count: size)) }
