import Foundation

/// A job's network while the job runs: its namespaces and bridge, its slot of the range, and the forwarder that
/// lets its hosts reach Sagebox at the gateway. `close` takes it all down.
public struct OpenJobNetwork: Sendable {
    public let network: JobNetwork
    let forwarder: PortForwarder?
    let pool: SubnetPool

    /// Makes the network of a job with `hosts` and forwards `gateway:<server port>` to the server's loopback address.
    public static func open(token: String, hosts: [String], pool: SubnetPool, server: URL) async throws -> OpenJobNetwork {
        guard let slot = await pool.take() else {
            throw PortForwarder.Failure(description: "every /24 of the host network range is in use")
        }
        let network = JobNetwork(token: token, hostNames: hosts, prefix: pool.prefix, slot: slot)
        do {
            try await network.create()
            let port = UInt16(server.port ?? 80)
            let forwarder = try PortForwarder(address: network.gateway, port: port, target: server.host ?? "127.0.0.1", targetPort: port)
            return OpenJobNetwork(network: network, forwarder: forwarder, pool: pool)
        } catch {
            await network.destroy()
            await pool.give(slot)
            throw error
        }
    }

    public func close() async {
        forwarder?.stop()
        await network.destroy()
        await pool.give(network.slot)
    }
}
