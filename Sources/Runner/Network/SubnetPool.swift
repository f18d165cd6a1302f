import Foundation

/// Hands out /24 subnets of the host-network range (`--host-network-range`, a /16) to multi-host jobs, skipping
/// any the machine already uses (an interface address inside it), so job hosts never clash with real networks.
public actor SubnetPool {
    /// The first two octets of the range, e.g. `[10, 213]`.
    public nonisolated let prefix: (UInt8, UInt8)
    private var taken: Set<UInt8> = []

    public struct RangeError: Error, CustomStringConvertible {
        public let description: String
    }

    /// `range` is `A.B.0.0/16`.
    public init(range: String) throws {
        let parts = range.split(separator: "/")
        let octets = parts.first?.split(separator: ".").compactMap { UInt8($0) } ?? []
        guard parts.count == 2, parts[1] == "16", octets.count == 4, octets[2] == 0, octets[3] == 0 else {
            throw RangeError(description: "the host network range must be a /16 written A.B.0.0/16 (got \(range))")
        }
        prefix = (octets[0], octets[1])
    }

    /// A free /24's third octet (1…254), or nil when all are taken.
    public func take() -> UInt8? {
        let used = Self.machineSubnets(prefix)
        guard let slot = (1...254).map(UInt8.init).first(where: { !taken.contains($0) && !used.contains($0) }) else { return nil }
        taken.insert(slot)
        return slot
    }

    public func give(_ slot: UInt8) {
        taken.remove(slot)
    }

    /// Third octets of the machine's IPv4 addresses that fall in the range.
    static func machineSubnets(_ prefix: (UInt8, UInt8)) -> Set<UInt8> {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var found: Set<UInt8> = []
        var entry = list
        while let current = entry {
            if let address = current.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) {
                let octets = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin_addr.s_addr) { Array($0) }
                }
                if octets[0] == prefix.0 && octets[1] == prefix.1 { found.insert(octets[2]) }
            }
            entry = current.pointee.ifa_next
        }
        return found
    }
}
