import AWSWire
import Hummingbird
import ObjectStore

/// Access control lists, as far as a one-account local store can honour them: every bucket and object belongs to
/// the one owner with FULL_CONTROL, which is what S3 reports for the `private` canned ACL. Setting that ACL (or
/// another that grants nobody else) succeeds; an ACL that would grant someone else is NotImplemented, because
/// Sagebox has nobody else to grant to and would otherwise report access it does not enforce.
extension S3Service {
    /// Canned ACLs that give nobody but the owner any access (the bucket owner is the object owner here).
    static let ownerOnlyCannedACLs: Set<String> = ["private", "bucket-owner-full-control", "bucket-owner-read"]

    func getACL(bucket: String, key: String?) async throws -> Response {
        if let key { _ = try await store.headObject(bucket: bucket, key: key) } else { try await store.requireBucket(bucket) }
        var w = XMLWriter()
        w.element("AccessControlPolicy", xmlns: S3Response.namespace) { w in
            S3Response.owner(&w)
            w.element("AccessControlList") { w in
                w.element("Grant") { w in
                    w.open("Grantee", attributes: [("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"), ("xsi:type", "CanonicalUser")])
                    w.element("ID", S3Response.ownerID)
                    w.element("DisplayName", S3Response.ownerName)
                    w.close("Grantee")
                    w.element("Permission", "FULL_CONTROL")
                }
            }
        }
        return S3Response.xml(w)
    }

    func putACL(bucket: String, key: String?, _ request: Request) async throws -> Response {
        if let key { _ = try await store.headObject(bucket: bucket, key: key) } else { try await store.requireBucket(bucket) }
        let grantHeaders = request.headers.map(\.name.canonicalName).filter { $0.hasPrefix("x-amz-grant-") }
        if let canned = S3Headers.value(request.headers, "x-amz-acl") {
            guard Self.ownerOnlyCannedACLs.contains(canned) else { throw Self.aclNotImplemented("the canned ACL \(canned)") }
        } else if let grant = grantHeaders.first {
            throw Self.aclNotImplemented("the \(grant) header")
        } else {
            guard let policy = try await Self.readXML(request), policy.name == "AccessControlPolicy" else { throw S3Errors.malformedXML }
            let grantees = policy.child("AccessControlList")?.children("Grant").map { $0.child("Grantee")?["ID"] } ?? []
            guard grantees.allSatisfy({ $0 == S3Response.ownerID }) else { throw Self.aclNotImplemented("grants to anyone but the owner") }
        }
        return S3Response.empty()
    }

    private static func aclNotImplemented(_ what: String) -> AWSError {
        S3Errors.notImplemented("\(what) (every bucket and object is private to its one owner)")
    }
}
