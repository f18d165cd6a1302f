import Foundation

/// How a training image runs on this machine: a file in `container-specs/` maps image URIs (registry, repository
/// and tag patterns) to a local Python environment and launch style. Users add their own files without rebuilding.
public struct ContainerSpec: Codable, Sendable, Equatable {
    public struct ImagePattern: Codable, Sendable, Equatable {
        /// Glob patterns (`*`, `?`, `[...]`); a missing one matches anything.
        public var registry: String?
        public var repository: String
        public var tag: String?
    }

    public var name: String
    public var description: String?
    public var images: [ImagePattern]
    /// The interpreter for toolkit launches and `python` on the job's PATH.
    public var python: String?
    /// Run jobs in a virtual environment Sagebox creates once per spec (with the interpreter's site packages visible),
    /// so a job's `requirements.txt` never installs into the interpreter itself.
    public var virtualenv: Bool?
    /// Launch the entry point as the SageMaker training toolkit does (SM_* variables, argv from hyperparameters).
    public var toolkit: Bool?
    /// `SAGEMAKER_TRAINING_MODULE` as the image sets it.
    public var trainingModule: String?
    /// Extra environment for every job of this image.
    public var environment: [String: String]?
    /// For images without the toolkit: the command the image runs as `train` (bring-your-own containers).
    public var command: [String]?

    public var usesToolkit: Bool { toolkit ?? (command == nil) }
    public var interpreter: String { python ?? "python3" }
}

/// An image URI split as Docker does: `registry/repository:tag`.
public struct ImageReference: Sendable, Equatable {
    public let registry: String
    public let repository: String
    public let tag: String

    public init(_ uri: String) {
        var rest = Substring(uri)
        var registry = ""
        if let slash = rest.firstIndex(of: "/"), rest[..<slash].contains(where: { $0 == "." || $0 == ":" }) || rest[..<slash] == "localhost" {
            registry = String(rest[..<slash])
            rest = rest[rest.index(after: slash)...]
        }
        if let at = rest.firstIndex(of: "@") {
            self.tag = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        } else if let colon = rest.lastIndex(of: ":") {
            self.tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        } else {
            self.tag = "latest"
        }
        self.registry = registry
        self.repository = String(rest)
    }
}

extension ContainerSpec.ImagePattern {
    func matches(_ image: ImageReference) -> Bool {
        Self.glob(registry ?? "*", image.registry) && Self.glob(repository, image.repository) && Self.glob(tag ?? "*", image.tag)
    }

    static func glob(_ pattern: String, _ value: String) -> Bool {
        fnmatch(pattern, value, 0) == 0
    }
}
