import ArgumentParser

/// Options every client command shares.
struct EndpointOptions: ParsableArguments {
    @Option(help: "The Sagebox endpoint (default: $AWS_ENDPOINT_URL, else http://127.0.0.1:9700).")
    var endpoint: String?

    func client() throws -> SageboxClient { try SageboxClient(endpoint: endpoint) }
}
