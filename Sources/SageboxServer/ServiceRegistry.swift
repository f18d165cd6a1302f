import AWSWire

/// Every protocol-level service Sagebox speaks besides S3 (the REST-XML fallback), registered once: the dispatcher
/// routes by it and `/_sagebox/health` lists it.
struct ServiceRegistry: Sendable {
    /// JSON-protocol services by their `X-Amz-Target` prefix.
    private(set) var json: [String: any JSONService] = [:]
    /// Query-protocol services by their signing name, and by API version for unsigned requests.
    private var querySigning: [String: any QueryService] = [:]
    private var queryVersions: [String: any QueryService] = [:]
    /// Signing names in registration order, S3 first.
    private(set) var names: [String] = ["s3"]

    mutating func register(json service: any JSONService) {
        json[service.targetPrefix] = service
        list(service.signingName)
    }

    mutating func register(query service: any QueryService) {
        querySigning[service.signingName] = service
        queryVersions[service.apiVersion] = service
        list(service.signingName)
    }

    /// The signing name of the query service a request is for: its credential scope when signed, else the service
    /// of its `Version`, else STS (the one query service clients call before they know anything).
    func querySigningName(credentialScope: String?, version: String?) -> String {
        credentialScope ?? version.flatMap { queryVersions[$0]?.signingName } ?? "sts"
    }

    func queryService(_ signingName: String) -> (any QueryService)? {
        querySigning[signingName]
    }

    private mutating func list(_ name: String) {
        if !names.contains(name) { names.append(name) }
    }
}
