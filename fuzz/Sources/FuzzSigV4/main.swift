import AWSWire
import FuzzSupport
import Foundation

/// SigV4 verification of hostile requests. Lines of the input: method, raw path, raw query, then headers as
/// `name: value`; the Authorization header and presigned query parameters are where the interesting bytes go.
func fuzzSigV4(_ input: UnsafeRawBufferPointer) -> CInt {
    let text = String(decoding: input, as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    while lines.count < 3 { lines.append("") }
    let headers = lines.dropFirst(3).compactMap { line -> (name: String, value: String)? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
    }
    let request = SignableRequest(method: lines[0], rawPath: lines[1], rawQuery: lines[2], headers: headers, payloadHash: SigV4.unsignedPayload)
    let verifier = SigV4Verifier(secrets: ["AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"])
    _ = verifier.verify(request, now: Date(timeIntervalSince1970: 1_440_938_160))
    return 0
}

runFuzzer { data, size in fuzzSigV4(UnsafeRawBufferPointer(start: data, count: size)) }
