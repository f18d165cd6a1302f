import AWSWire
import Hummingbird
import ObjectStore

extension S3Service {
    func listBuckets() async throws -> Response {
        let buckets = try await store.listBuckets()
        var w = XMLWriter()
        w.element("ListAllMyBucketsResult", xmlns: S3Response.namespace) { w in
            S3Response.owner(&w)
            w.element("Buckets") { w in
                for bucket in buckets {
                    w.element("Bucket") { w in
                        w.element("Name", bucket.name)
                        w.element("CreationDate", AWSDate.iso8601(bucket.creationDate))
                        w.element("BucketRegion", bucket.region)
                    }
                }
            }
        }
        return S3Response.xml(w)
    }

    func createBucket(_ bucket: String, _ request: Request) async throws -> Response {
        let configuration = try await Self.readXML(request)
        if let configuration, configuration.name != "CreateBucketConfiguration" { throw S3Errors.malformedXML }
        let constraint = configuration?["LocationConstraint"].flatMap { $0.isEmpty ? nil : $0 }
        try await store.createBucket(bucket, region: constraint ?? "us-east-1")
        return S3Response.empty(headers: [.location: "/" + bucket])
    }

    func headBucket(_ bucket: String) async throws -> Response {
        let found = try await store.bucket(bucket)
        var headers: HTTPFields = [:]
        S3Headers.set(&headers, "x-amz-bucket-region", found.region)
        return S3Response.empty(headers: headers)
    }

    func deleteBucket(_ bucket: String) async throws -> Response {
        try await store.deleteBucket(bucket)
        return S3Response.empty(.noContent)
    }

    func getBucketLocation(_ bucket: String) async throws -> Response {
        let found = try await store.bucket(bucket)
        var w = XMLWriter()
        // us-east-1 is reported as an empty constraint, as S3 does.
        w.element("LocationConstraint", xmlns: S3Response.namespace) { w in
            if found.region != "us-east-1" { w.characters(found.region) }
        }
        return S3Response.xml(w)
    }

    func getBucketVersioning(_ bucket: String) async throws -> Response {
        try await store.requireBucket(bucket)
        var w = XMLWriter()
        w.element("VersioningConfiguration", xmlns: S3Response.namespace) { _ in }
        return S3Response.xml(w)
    }
}
