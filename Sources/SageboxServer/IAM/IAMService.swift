import AWSWire
import Crypto
import Foundation

/// The IAM answers SageMaker SDK v3 needs to pass its default role validation: every role exists, trusts
/// SageMaker, and is allowed every action. There is no policy enforcement in Sagebox.
struct IAMService: QueryService {
    static let namespace = "https://iam.amazonaws.com/doc/2010-05-08/"
    let signingName = "iam"
    let apiVersion = "2010-05-08"
    var xmlNamespace: String { Self.namespace }
    let accountId: String

    static let trustPolicy = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}
        """

    func respond(action: String, parameters: [String: String], accessKeyId: String?, requestID: String) throws -> String {
        switch action {
        case "GetRole":
            guard let name = parameters["RoleName"], !name.isEmpty else {
                throw AWSError(code: "ValidationError", message: "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null", status: 400)
            }
            return QueryProtocol.response(action: action, namespace: Self.namespace, requestID: requestID) { w in
                w.element("Role") { w in
                    w.element("Path", "/")
                    w.element("RoleName", name)
                    w.element("RoleId", "AROA" + Array(SHA256.hash(data: Data(name.utf8))).hexString.prefix(17).uppercased())
                    w.element("Arn", "arn:aws:iam::\(accountId):role/\(name)")
                    w.element("CreateDate", "2024-01-01T00:00:00Z")
                    // IAM returns the trust policy URL-encoded.
                    w.element("AssumeRolePolicyDocument", PercentEncoding.encode(Self.trustPolicy))
                    w.element("MaxSessionDuration", 3600)
                }
            }
        case "SimulatePrincipalPolicy":
            let actions = Self.members(parameters, "ActionNames")
            let resources = Self.members(parameters, "ResourceArns")
            return QueryProtocol.response(action: action, namespace: Self.namespace, requestID: requestID) { w in
                w.element("EvaluationResults") { w in
                    for name in actions {
                        w.element("member") { w in
                            w.element("EvalActionName", name)
                            w.element("EvalResourceName", resources.first ?? "*")
                            w.element("EvalDecision", "allowed")
                            w.element("MatchedStatements") { _ in }
                            w.element("MissingContextValues") { _ in }
                        }
                    }
                }
                w.element("IsTruncated", false)
            }
        default:
            throw QueryProtocol.invalidAction(action, service: "IAM")
        }
    }

    /// `Name.member.1`, `Name.member.2`, ... in order.
    static func members(_ parameters: [String: String], _ name: String) -> [String] {
        var values: [String] = []
        var index = 1
        while let value = parameters["\(name).member.\(index)"] {
            values.append(value)
            index += 1
        }
        return values
    }
}
