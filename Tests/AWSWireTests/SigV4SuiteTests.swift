import Foundation
import Testing

@testable import AWSWire

/// Vectors from the AWS SigV4 test suite (service "service", us-east-1, 20150830T123600Z); botocore's
/// SigV4Auth reproduces each expected signature (/tmp/suite.py), including the wire-encoded forms
/// of get-space and get-slashes.
@Suite struct SigV4SuiteTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let credential = SigV4Credential(accessKeyId: "AKIDEXAMPLE", date: "20150830", region: "us-east-1", service: "service")
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func request(_ method: String, _ path: String, _ query: String = "") -> SignableRequest {
        SignableRequest(
            method: method, rawPath: path, rawQuery: query,
            headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")], payloadHash: emptyHash)
    }

    static let cases: [(name: String, request: SignableRequest, signature: String)] = [
        ("get-vanilla", request("GET", "/"), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("get-vanilla-query-order-key-case", request("GET", "/", "Param2=value2&Param1=value1"),
         "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        ("get-vanilla-utf8-query", request("GET", "/", "%E1%88%B4=bar"), "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        ("get-vanilla-empty-query-key", request("GET", "/", "Param1=value1"), "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
        ("post-vanilla", request("POST", "/"), "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        ("get-relative-relative", request("GET", "/example1/example2/../.."), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("get-slashes", request("GET", "//example//"), "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"),
        ("get-space", request("GET", "/example%20space/"), "446b817944c553435b35e813c261ff4e161fff982d1bacdef1c87f6785dd1662"),
    ]

    @Test func getVanillaCanonicalForms() {
        let canonical = SigV4.canonicalRequest(Self.request("GET", "/"), signedHeaders: ["host", "x-amz-date"], service: "service")
        #expect(canonical == """
            GET
            /

            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            host;x-amz-date
            \(Self.emptyHash)
            """)
        let stringToSign = SigV4.stringToSign(canonicalRequest: canonical, amzDate: "20150830T123600Z", credential: Self.credential)
        #expect(stringToSign == """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
            """)
    }

    @Test(arguments: cases.map(\.name))
    func signature(_ name: String) throws {
        let vector = try #require(Self.cases.first { $0.name == name })
        let canonical = SigV4.canonicalRequest(vector.request, signedHeaders: ["host", "x-amz-date"], service: "service")
        let stringToSign = SigV4.stringToSign(canonicalRequest: canonical, amzDate: "20150830T123600Z", credential: Self.credential)
        #expect(SigV4.signature(stringToSign: stringToSign, secretKey: Self.secret, credential: Self.credential) == vector.signature)

        var signed = vector.request
        signed.headers.append((
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=host;x-amz-date, Signature=\(vector.signature)"
        ))
        let verifier = SigV4Verifier(secrets: ["AKIDEXAMPLE": Self.secret])
        let now = try #require(AWSDate.parseAmz("20150830T123600Z"))
        #expect(verifier.verify(signed, now: now) == .success(Self.credential))
    }

    @Test func signingKeyDerivation() {
        // The derived key from AWS's "Deriving the signing key" documentation example (iam, 20120215).
        let credential = SigV4Credential(accessKeyId: "AKIDEXAMPLE", date: "20120215", region: "us-east-1", service: "iam")
        let key = SigV4.signingKey(secretKey: Self.secret, credential: credential)
        #expect(key.withUnsafeBytes { Array($0) }.hexString == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }
}
