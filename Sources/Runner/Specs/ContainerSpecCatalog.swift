import Foundation

/// Every container spec Sagebox knows, loaded from a list of folders; an earlier folder's spec wins over a later
/// one with the same name, so a user's folder can override a bundled spec.
public struct ContainerSpecCatalog: Sendable {
    public let specs: [ContainerSpec]
    public let searched: [String]
    /// Whether an image no spec matches runs with the spec named `generic` instead of failing.
    public let fallbackToGeneric: Bool

    public init(specs: [ContainerSpec], searched: [String], fallbackToGeneric: Bool) {
        self.specs = specs
        self.searched = searched
        self.fallbackToGeneric = fallbackToGeneric
    }

    public static func load(from folders: [String], fallbackToGeneric: Bool) throws -> ContainerSpecCatalog {
        var byName: [String: ContainerSpec] = [:]
        var order: [String] = []
        let decoder = JSONDecoder()
        for folder in folders {
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for file in files.sorted() where file.hasSuffix(".json") {
                let path = folder + "/" + file
                let spec: ContainerSpec
                do {
                    spec = try decoder.decode(ContainerSpec.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
                } catch {
                    throw SpecError.unreadable(path: path, reason: String(describing: error))
                }
                if byName[spec.name] == nil {
                    byName[spec.name] = spec
                    order.append(spec.name)
                }
            }
        }
        return ContainerSpecCatalog(specs: order.compactMap { byName[$0] }, searched: folders, fallbackToGeneric: fallbackToGeneric)
    }

    public enum SpecError: Error, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case noMatch(image: String, searched: [String])

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): return "Cannot read container spec \(path): \(reason)"
            case .noMatch(let image, let searched):
                return "Sagebox has no container spec for the training image \(image). Searched: \(searched.joined(separator: ", ")). "
                    + "Add a spec file for it to one of these folders, or start the server with --unknown-images generic."
            }
        }
    }

    /// The first spec (in load order) with a pattern matching `image`.
    public func spec(for image: String) throws -> ContainerSpec {
        let reference = ImageReference(image)
        if let spec = specs.first(where: { $0.name != "generic" && $0.images.contains { $0.matches(reference) } }) {
            return spec
        }
        if fallbackToGeneric, let generic = specs.first(where: { $0.name == "generic" }) {
            return generic
        }
        throw SpecError.noMatch(image: image, searched: searched)
    }

    /// The bundled `container-specs` folder: found by walking up from the executable, so it works from a
    /// checkout's `.build/<config>/sagebox`.
    public static func bundledFolder(executable: String = CommandLine.arguments[0]) -> String? {
        var url = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = url.appendingPathComponent("container-specs").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue { return candidate }
            url.deleteLastPathComponent()
        }
        return nil
    }
}
