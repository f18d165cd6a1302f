/// AWS's query protocol (STS, IAM): form-encoded `Action=...` requests, XML answers.
public enum QueryProtocol {
    /// `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…</ResponseMetadata></ActionResponse>`.
    public static func response(action: String, namespace: String, requestID: String, result: (inout XMLWriter) -> Void) -> String {
        var w = XMLWriter()
        w.element(action + "Response", xmlns: namespace) { w in
            w.element(action + "Result", result)
            w.element("ResponseMetadata") { $0.element("RequestId", requestID) }
        }
        return w.text
    }

    public static func errorDocument(_ error: AWSError, namespace: String, requestID: String) -> String {
        var w = XMLWriter()
        w.element("ErrorResponse", xmlns: namespace) { w in
            w.element("Error") { w in
                w.element("Type", error.status >= 500 ? "Receiver" : "Sender")
                w.element("Code", error.code)
                w.element("Message", error.message)
            }
            w.element("RequestId", requestID)
        }
        return w.text
    }

    public static func invalidAction(_ action: String, service: String) -> AWSError {
        AWSError(code: "InvalidAction", message: "Sagebox does not implement the \(service) action \(action) yet.", status: 400)
    }
}
