import Foundation

/// Every container spec Sagebox knows, loaded from a list of folders and then the specs compiled into the executable
/// (`BundledContainerSpecs`); an earlier source's spec wins over a later one with the same name, so a user's folder
/// can override a bundled spec.
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

    /// The specs in `folders` (earlier folders first), then the `bundled` ones compiled into the executable.
    public static func load(
        from folders: [String], bundled: [(name: String, json: String)] = BundledContainerSpecs.files, fallbackToGeneric: Bool
    ) throws -> ContainerSpecCatalog {
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
        for file in bundled {
            let spec: ContainerSpec
            do {
                spec = try decoder.decode(ContainerSpec.self, from: Data(file.json.utf8))
            } catch {
                throw SpecError.unreadable(path: builtInLabel + "/" + file.name, reason: String(describing: error))
            }
            if byName[spec.name] == nil {
                byName[spec.name] = spec
                order.append(spec.name)
            }
        }
        let searched = folders + (bundled.isEmpty ? [] : [builtInLabel])
        return ContainerSpecCatalog(specs: order.compactMap { byName[$0] }, searched: searched, fallbackToGeneric: fallbackToGeneric)
    }

    /// How messages name the specs compiled into the executable (there is no folder to name).
    public static let builtInLabel = "(built into sagebox)"

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
}
