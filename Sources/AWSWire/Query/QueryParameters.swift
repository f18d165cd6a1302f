/// Reading a query-protocol request's parameters, with bounds.
///
/// Services turn dotted names (`MetricData.member.1.Dimensions.member.2.Name`) into nested values, recursing once
/// per component, so a name with a million dots would overflow the stack. Real AWS names are a handful of
/// components deep, and requests carry at most a few thousand parameters.
extension QueryProtocol {
    public static let maxParameters = 10_000
    public static let maxNameComponents = 32

    /// The parameters of the query string and the form body together (the body's win), or `MalformedQueryString`.
    public static func parameters(query: Substring, body: Substring) throws(AWSError) -> [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in PercentEncoding.parseQuery(query) + PercentEncoding.parseQuery(body) {
            guard name.utf8.count(where: { $0 == UInt8(ascii: ".") }) < maxNameComponents else {
                throw malformed("The parameter name \(name.prefix(64))… has more than \(maxNameComponents) components.")
            }
            parameters[name] = value
            guard parameters.count <= maxParameters else {
                throw malformed("The request has more than \(maxParameters) parameters.")
            }
        }
        return parameters
    }

    static func malformed(_ message: String) -> AWSError {
        AWSError(code: "MalformedQueryString", message: message, status: 400)
    }
}
