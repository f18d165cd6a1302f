import AWSWire
import FuzzSupport
import Foundation
import NIOCore

/// aws-chunked bodies. The decoder promises that input may be split anywhere, so the same bytes fed whole and fed
/// in two pieces (split where the first byte says) must decode to the same payload and trailers, or fail both ways.
func fuzzAWSChunked(_ input: UnsafeRawBufferPointer) -> CInt {
    let bytes = Array(input)
    guard let first = bytes.first else { return 0 }
    let body = Array(bytes.dropFirst())
    let split = body.isEmpty ? 0 : Int(first) % (body.count + 1)
    let whole = decode([body[...]])
    let pieces = decode([body[..<split], body[split...]])
    precondition(whole == pieces, "the decoding depends on where the input was split")
    return 0
}

/// The payload and trailers, or nil when the decoder refused the body.
private func decode(_ pieces: [ArraySlice<UInt8>]) -> [UInt8]? {
    var decoder = AWSChunkedDecoder()
    var payload: [UInt8] = []
    do {
        for piece in pieces {
            for buffer in try decoder.decode(ByteBuffer(bytes: piece)) { payload += buffer.readableBytesView }
        }
        for (name, value) in try decoder.finish().sorted(by: { $0.key < $1.key }) { payload += Array("\n\(name):\(value)".utf8) }
        return payload
    } catch {
        return nil
    }
}

runFuzzer { data, size in fuzzAWSChunked(UnsafeRawBufferPointer(start: data, count: size)) }
