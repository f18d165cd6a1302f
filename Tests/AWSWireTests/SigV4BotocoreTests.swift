import Foundation
import Testing

@testable import AWSWire

/// Requests signed by botocore 1.43 (S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth) at 20250101T120000Z with
/// AKIDEXAMPLE, exactly as sent on the wire; the script printed method, path, query, headers, canonical
/// request and signature. The S3 key is `dir//a b+c%d/ü€ 'x'!.txt`, URL-encoded by botocore's
/// `quote(key, safe='/~')`.
@Suite struct SigV4BotocoreTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let verifier = SigV4Verifier(secrets: ["AKIDEXAMPLE": secret])
    static let signedAt = AWSDate.parseAmz("20250101T120000Z")!
    static let keyPath = "/bucket/dir//a%20b%2Bc%25d/%C3%BC%E2%82%AC%20%27x%27%21.txt"

    static let put = SignableRequest(
        method: "PUT", rawPath: keyPath, rawQuery: "",
        headers: [
            ("Host", "127.0.0.1:9000"),
            ("Content-Type", "text/plain"),
            ("x-amz-meta-note", "  two   spaces\there  "),
            ("X-Amz-Date", "20250101T120000Z"),
            ("X-Amz-Content-SHA256", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
            ("Authorization",
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/s3/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-note, "
                + "Signature=5c85600729439aedc296326d9ee6b8892825a35c7e0408b960bb75747552aa76"),
        ],
        payloadHash: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")

    static let list = SignableRequest(
        method: "GET", rawPath: "/bucket", rawQuery: "list-type=2&prefix=dir%2F%C3%BC%20x%2B&max-keys=10&delimiter=%2F&acl",
        headers: [
            ("Host", "127.0.0.1:9000"),
            ("X-Amz-Date", "20250101T120000Z"),
            ("X-Amz-Content-SHA256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("Authorization",
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                + "Signature=530594926bf320a73254853f1afeb52a02408a6a8bfc84ac7afde29e516710cb"),
        ],
        payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

    static let presignedGet = SignableRequest(
        method: "GET", rawPath: keyPath,
        rawQuery: "versionId=v1&X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20250101T120000Z"
            + "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=3ef1745b4a6c9198e07ceb72fa963edea365a25589d996b876f3fd6e39e07863",
        headers: [("Host", "127.0.0.1:9000")],
        payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

    /// A SageMaker JSON call: not S3, so the payload hash is the body's SHA-256 and no x-amz-content-sha256 is sent.
    static let sagemaker = SignableRequest(
        method: "POST", rawPath: "/", rawQuery: "",
        headers: [
            ("Host", "127.0.0.1:9000"),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "SageMaker.DescribeTrainingJob"),
            ("X-Amz-Date", "20250101T120000Z"),
            ("Authorization",
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/eu-west-1/sagemaker/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                + "Signature=86087fc0954880685723660d1be860bf82484eac97af49256784b34253414dfe"),
        ],
        payloadHash: "38fdf49d55e9d3884b837cfe874a760f194a3498a977f436824827804e2c2b41")

    @Test func putCanonicalRequestMatchesBotocore() {
        let canonical = SigV4.canonicalRequest(
            Self.put, signedHeaders: ["content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-meta-note"], service: "s3")
        #expect(canonical == """
            PUT
            /bucket/dir//a%20b%2Bc%25d/%C3%BC%E2%82%AC%20%27x%27%21.txt

            content-type:text/plain
            host:127.0.0.1:9000
            x-amz-content-sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9
            x-amz-date:20250101T120000Z
            x-amz-meta-note:two spaces here

            content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-note
            b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9
            """)
    }

    @Test func listCanonicalQueryMatchesBotocore() {
        #expect(SigV4.canonicalQuery(rawQuery: Self.list.rawQuery, excluding: nil)
            == "acl=&delimiter=%2F&list-type=2&max-keys=10&prefix=dir%2F%C3%BC%20x%2B")
    }

    @Test func presignedCanonicalRequestMatchesBotocore() throws {
        let query = PercentEncoding.parseQuery(Self.presignedGet.rawQuery[...])
        let (authorization, amzDate, expires) = try #require(SigV4Authorization.parse(query: query))
        #expect(amzDate == "20250101T120000Z")
        #expect(expires == 3600)
        #expect(authorization.signedHeaders == ["host"])
        var request = Self.presignedGet
        request.payloadHash = SigV4.unsignedPayload
        let canonical = SigV4.canonicalRequest(
            request, signedHeaders: authorization.signedHeaders, service: "s3", excludingQueryParameter: "X-Amz-Signature")
        #expect(canonical == """
            GET
            /bucket/dir//a%20b%2Bc%25d/%C3%BC%E2%82%AC%20%27x%27%21.txt
            X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Fs3%2Faws4_request\
            &X-Amz-Date=20250101T120000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&versionId=v1
            host:127.0.0.1:9000

            host
            UNSIGNED-PAYLOAD
            """)
    }

    @Test func verifiesAllBotocoreRequests() {
        let s3 = SigV4Credential(accessKeyId: "AKIDEXAMPLE", date: "20250101", region: "us-east-1", service: "s3")
        #expect(Self.verifier.verify(Self.put, now: Self.signedAt) == .success(s3))
        #expect(Self.verifier.verify(Self.list, now: Self.signedAt) == .success(s3))
        #expect(Self.verifier.verify(Self.presignedGet, now: Self.signedAt.addingTimeInterval(3600)) == .success(s3))
        let sagemaker = SigV4Credential(accessKeyId: "AKIDEXAMPLE", date: "20250101", region: "eu-west-1", service: "sagemaker")
        #expect(Self.verifier.verify(Self.sagemaker, now: Self.signedAt) == .success(sagemaker))
    }

    /// Equivalent spellings of the same path and query sign identically once normalised.
    @Test func differentlyEscapedPathStillVerifies() {
        var request = Self.put
        request.rawPath = "/bucket/dir//a%20b%2bc%25d/%c3%bc%e2%82%ac%20'x'!.txt"
        #expect(Self.verifier.verify(request, now: Self.signedAt).isSuccess)
        request.rawPath = "/bucket/dir/a%20b%2Bc%25d/%C3%BC%E2%82%AC%20%27x%27%21.txt"
        #expect(!Self.verifier.verify(request, now: Self.signedAt).isSuccess, "S3 must not collapse '//'")
    }

    @Test func tamperedRequestsFail() {
        var request = Self.put
        request.payloadHash = "UNSIGNED-PAYLOAD"
        guard case .failure(.signatureDoesNotMatch(let stringToSign, let canonical)) = Self.verifier.verify(request, now: Self.signedAt) else {
            Issue.record("expected SignatureDoesNotMatch")
            return
        }
        #expect(canonical.hasSuffix("\nUNSIGNED-PAYLOAD"))
        #expect(stringToSign.hasPrefix("AWS4-HMAC-SHA256\n20250101T120000Z\n20250101/us-east-1/s3/aws4_request\n"))

        var list = Self.list
        list.rawQuery += "&extra=1"
        #expect(!Self.verifier.verify(list, now: Self.signedAt).isSuccess)

        var presigned = Self.presignedGet
        presigned.rawQuery = presigned.rawQuery.replacingOccurrences(of: "versionId=v1", with: "versionId=v2")
        #expect(!Self.verifier.verify(presigned, now: Self.signedAt).isSuccess)
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
