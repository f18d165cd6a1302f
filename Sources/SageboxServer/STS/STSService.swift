import AWSWire

/// STS over the query protocol: GetCallerIdentity, which the SDKs use to learn the account.
struct STSService: QueryService {
    static let namespace = "https://sts.amazonaws.com/doc/2011-06-15/"
    let signingName = "sts"
    let apiVersion = "2011-06-15"
    var xmlNamespace: String { Self.namespace }
    let accountId: String

    func respond(action: String, parameters: [String: String], accessKeyId: String?, requestID: String) throws -> String {
        switch action {
        case "GetCallerIdentity":
            let key = accessKeyId ?? "AKIASAGEBOXLOCAL0000"
            return QueryProtocol.response(action: action, namespace: Self.namespace, requestID: requestID) { w in
                w.element("Arn", "arn:aws:iam::\(accountId):user/sagebox")
                w.element("UserId", key)
                w.element("Account", accountId)
            }
        default:
            throw QueryProtocol.invalidAction(action, service: "STS")
        }
    }
}
