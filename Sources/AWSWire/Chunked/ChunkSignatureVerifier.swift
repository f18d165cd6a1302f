import Crypto

/// The SigV4 chunk-signature chain of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body: each chunk signs its own
/// hash together with the previous signature, starting from the request's seed signature.
public struct ChunkSignatureVerifier: Sendable {
    /// The key's bytes: `SymmetricKey` itself is not Sendable.
    private let signingKey: [UInt8]
    private let amzDate: String
    private let scope: String
    private var previous: String

    static let emptyHash = Array(SHA256.hash(data: [UInt8]())).hexString

    public init(secretKey: String, credential: SigV4Credential, amzDate: String, seedSignature: String) {
        signingKey = SigV4.signingKey(secretKey: secretKey, credential: credential).withUnsafeBytes { Array($0) }
        self.amzDate = amzDate
        scope = credential.scope
        previous = seedSignature
    }

    /// True when `signature` signs the chunk whose SHA-256 is `chunkHash`; the chain then moves on to it.
    public mutating func verify(chunkHash: [UInt8], signature: String) -> Bool {
        let stringToSign = ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, previous, Self.emptyHash, chunkHash.hexString].joined(separator: "\n")
        let expected = SigV4.signature(stringToSign: stringToSign, signingKey: SymmetricKey(data: signingKey))
        guard expected == signature.lowercased() else { return false }
        previous = expected
        return true
    }
}
