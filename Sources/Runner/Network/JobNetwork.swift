import Foundation

/// The network of one multi-host job, as data: a bridge in the machine's namespace and, per host, a network
/// namespace whose `eth0` is one end of a veth pair on that bridge, with an address from the job's /24 of the
/// host-network range (`.1` the bridge, `.11`, `.12`, … the hosts). Names derive from the job's token, so a server
/// that restarts after a crash finds and removes what it left.
public struct JobNetwork: Sendable {
    public struct Host: Sendable {
        public let name: String
        /// `ip netns` name; `/run/netns/<namespace>` is what `nsenter --net` joins.
        public let namespace: String
        public let address: String
        let veth: String
    }

    public let bridge: String
    /// The bridge's address: where the job's hosts reach Sagebox.
    public let gateway: String
    public let hosts: [Host]
    public let slot: UInt8

    public init(token: String, hostNames: [String], prefix: (UInt8, UInt8), slot: UInt8) {
        let id = Self.id(token)
        let base = "\(prefix.0).\(prefix.1).\(slot)"
        bridge = "sbx" + id
        gateway = base + ".1"
        self.slot = slot
        hosts = hostNames.enumerated().map { offset, name in
            Host(name: name, namespace: "sagebox-\(id)-\(name)", address: "\(base).\(11 + offset)", veth: "sbx\(id)h\(offset + 1)")
        }
    }

    /// Eight hex digits of the token: interface names are at most 15 characters.
    static func id(_ token: String) -> String {
        String(token.lowercased().filter(\.isHexDigit).prefix(8))
    }

    /// Sagebox's URL as the job's hosts reach it: the bridge address, where the forwarder listens on the server's port.
    public func endpoint(forServer url: String) -> String {
        let port = URLComponents(string: url)?.port ?? 80
        return "http://\(gateway):\(port)"
    }

    /// The `/etc/hosts` lines naming the job's hosts.
    public var hostEntries: [String] {
        hosts.map { "\($0.address) \($0.name)" }
    }

    public func create() async throws {
        var lines = ["link add \(bridge) type bridge", "addr add \(gateway)/24 dev \(bridge)", "link set \(bridge) up"]
        for host in hosts {
            lines += [
                "netns add \(host.namespace)", "link add \(host.veth) type veth peer name eth0 netns \(host.namespace)",
                "link set \(host.veth) master \(bridge)", "link set \(host.veth) up",
            ]
        }
        try await IPRoute.batch(lines)
        for host in hosts {
            try await IPRoute.batch(
                ["link set lo up", "addr add \(host.address)/24 dev eth0", "link set eth0 up", "route add default via \(gateway)"],
                namespace: host.namespace)
        }
    }

    /// Removes the veth pairs (deleting one end takes the other at once; a namespace's own devices go only when the
    /// kernel gets round to it), the bridge and every host's namespace; what is already gone is no error.
    public func destroy() async {
        let lines = hosts.map { "link del \($0.veth)" } + ["link del \(bridge)"] + hosts.map { "netns del \($0.namespace)" }
        try? await IPRoute.batch(lines, force: true)
    }
}
