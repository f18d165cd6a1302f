/// What `sagebox --version` prints. Raised by hand with each release; a copied binary carries it with it.
enum SageboxVersion {
    static let current = "0.2.0"
}
