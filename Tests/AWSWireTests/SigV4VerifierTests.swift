import Foundation
import Testing

@testable import AWSWire

@Suite struct SigV4VerifierTests {
    static let verifier = SigV4BotocoreTests.verifier
    static let signedAt = SigV4BotocoreTests.signedAt

    @Test func parsesAuthorizationHeader() throws {
        let parsed = try #require(SigV4Authorization.parse(
            header: "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3/aws4_request,SignedHeaders=Host;x-amz-date,Signature=abc"))
        #expect(parsed.credential == SigV4Credential(accessKeyId: "AKID", date: "20250101", region: "us-east-1", service: "s3"))
        #expect(parsed.credential.scope == "20250101/us-east-1/s3/aws4_request")
        #expect(parsed.signedHeaders == ["host", "x-amz-date"])
        #expect(parsed.signature == "abc")
    }

    @Test(arguments: [
        "AWS AKID:signature",
        "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3/aws4_request, SignedHeaders=host",
        "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3, SignedHeaders=host, Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKID/2025011/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=",
        "AWS4-HMAC-SHA256 Credential",
    ])
    func rejectsMalformedAuthorizationHeader(_ header: String) {
        #expect(SigV4Authorization.parse(header: header) == nil)
    }

    @Test func parsesPresignedQueryWithDecodedValues() throws {
        let query = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", "AKID/20250101/us-east-1/s3/aws4_request"),
            ("X-Amz-Date", "20250101T120000Z"), ("X-Amz-Expires", "60"), ("X-Amz-SignedHeaders", "host;x-amz-meta-a"),
            ("X-Amz-Signature", "abc"),
        ]
        let (authorization, amzDate, expires) = try #require(SigV4Authorization.parse(query: query))
        #expect(authorization.credential.accessKeyId == "AKID")
        #expect(authorization.signedHeaders == ["host", "x-amz-meta-a"])
        #expect(amzDate == "20250101T120000Z")
        #expect(expires == 60)
        #expect(SigV4Authorization.parse(query: Array(query.dropLast())) == nil)
    }

    @Test func headerClockSkew() {
        let put = SigV4BotocoreTests.put
        #expect(Self.verifier.verify(put, now: Self.signedAt.addingTimeInterval(15 * 60)).isSuccess)
        #expect(Self.verifier.verify(put, now: Self.signedAt.addingTimeInterval(-15 * 60)).isSuccess)
        #expect(Self.verifier.verify(put, now: Self.signedAt.addingTimeInterval(15 * 60 + 1)) == .failure(.requestTimeTooSkewed))
        #expect(Self.verifier.verify(put, now: Self.signedAt.addingTimeInterval(-15 * 60 - 1)) == .failure(.requestTimeTooSkewed))
    }

    @Test func presignedExpiry() {
        let get = SigV4BotocoreTests.presignedGet
        #expect(Self.verifier.verify(get, now: Self.signedAt.addingTimeInterval(3600)).isSuccess)
        #expect(Self.verifier.verify(get, now: Self.signedAt.addingTimeInterval(3601)) == .failure(.expired))
        #expect(Self.verifier.verify(get, now: Self.signedAt.addingTimeInterval(-15 * 60 - 1)) == .failure(.requestTimeTooSkewed))
    }

    @Test func presignedExpiresOutOfRange() {
        var get = SigV4BotocoreTests.presignedGet
        get.rawQuery = get.rawQuery.replacingOccurrences(of: "X-Amz-Expires=3600", with: "X-Amz-Expires=604801")
        guard case .failure(.malformed) = Self.verifier.verify(get, now: Self.signedAt) else {
            Issue.record("expected malformed")
            return
        }
    }

    @Test func unknownAccessKey() {
        let other = SigV4Verifier(secrets: ["SOMEONEELSE": "secret"])
        #expect(other.verify(SigV4BotocoreTests.put, now: Self.signedAt) == .failure(.invalidAccessKeyId))
        #expect(other.verify(SigV4BotocoreTests.presignedGet, now: Self.signedAt) == .failure(.invalidAccessKeyId))
    }

    @Test func wrongSecret() {
        let other = SigV4Verifier(secrets: ["AKIDEXAMPLE": "not-the-secret"])
        guard case .failure(.signatureDoesNotMatch) = other.verify(SigV4BotocoreTests.put, now: Self.signedAt) else {
            Issue.record("expected SignatureDoesNotMatch")
            return
        }
    }

    @Test func anonymousAndUnsupported() {
        let anonymous = SignableRequest(method: "GET", rawPath: "/bucket/key", rawQuery: "versionId=1", headers: [("Host", "h")], payloadHash: "")
        #expect(Self.verifier.verify(anonymous, now: Self.signedAt) == .failure(.missingAuthentication))

        var sigV2 = anonymous
        sigV2.headers.append(("Authorization", "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="))
        guard case .failure(.malformed) = Self.verifier.verify(sigV2, now: Self.signedAt) else {
            Issue.record("expected malformed")
            return
        }

        var partialPresign = anonymous
        partialPresign.rawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20250101T120000Z"
        guard case .failure(.malformed) = Self.verifier.verify(partialPresign, now: Self.signedAt) else {
            Issue.record("expected malformed")
            return
        }
    }

    @Test func headerAuthNeedsMatchingDate() {
        var put = SigV4BotocoreTests.put
        put.headers.removeAll { $0.name == "X-Amz-Date" }
        guard case .failure(.malformed) = Self.verifier.verify(put, now: Self.signedAt) else {
            Issue.record("expected malformed for a missing X-Amz-Date")
            return
        }
        put.headers.append(("x-amz-date", "20250102T000000Z"))
        guard case .failure(.malformed) = Self.verifier.verify(put, now: Self.signedAt) else {
            Issue.record("expected malformed for a scope date that differs from X-Amz-Date")
            return
        }
    }

    @Test func repeatedHeadersJoinWithComma() {
        let request = SignableRequest(
            method: "GET", rawPath: "/", rawQuery: "",
            headers: [("X-Multi", " a "), ("Host", "h"), ("x-multi", "b   c")], payloadHash: SigV4.unsignedPayload)
        let canonical = SigV4.canonicalRequest(request, signedHeaders: ["host", "x-multi"], service: "s3")
        #expect(canonical == "GET\n/\n\nhost:h\nx-multi:a,b c\n\nhost;x-multi\nUNSIGNED-PAYLOAD")
    }

    @Test func canonicalURIs() {
        #expect(SigV4.canonicalURI(rawPath: "", service: "s3") == "/")
        #expect(SigV4.canonicalURI(rawPath: "/b/a+b%2Fc/./..", service: "s3") == "/b/a%2Bb%2Fc/./..")
        #expect(SigV4.canonicalURI(rawPath: "/a%20b/./c/../d/", service: "sagemaker") == "/a%2520b/d/")
        #expect(SigV4.canonicalURI(rawPath: "/", service: "sagemaker") == "/")
    }

    @Test func canonicalQuerySortsByNameThenValue() {
        #expect(SigV4.canonicalQuery(rawQuery: "b=2&a=2&a=1&c&&sp=a+b%20c", excluding: nil) == "a=1&a=2&b=2&c=&sp=a%2Bb%20c")
        #expect(SigV4.canonicalQuery(rawQuery: "X-Amz-Signature=x&a=1", excluding: "X-Amz-Signature") == "a=1")
    }
}
