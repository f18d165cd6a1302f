import Testing
@testable import Runner

/// A job's network as data: names that fit the kernel's limits and come back from the token, addresses from its /24.
@Suite struct JobNetworkTests {
    @Test func namesAndAddressesDeriveFromTheTokenAndSlot() {
        let network = JobNetwork(token: "6F4413B6-1234-4567-89AB-CDEF01234567", hostNames: ["algo-1", "algo-2"], prefix: (10, 213), slot: 7)
        #expect(network.bridge == "sbx6f4413b6")
        #expect(network.gateway == "10.213.7.1")
        #expect(network.hosts.map(\.address) == ["10.213.7.11", "10.213.7.12"])
        #expect(network.hosts.map(\.namespace) == ["sagebox-6f4413b6-algo-1", "sagebox-6f4413b6-algo-2"])
        // Interface names are at most 15 bytes.
        #expect((network.hosts.map(\.veth) + [network.bridge]).allSatisfy { $0.utf8.count <= 15 })
        #expect(network.hostEntries == ["10.213.7.11 algo-1", "10.213.7.12 algo-2"])
        #expect(network.endpoint(forServer: "http://127.0.0.1:9700") == "http://10.213.7.1:9700")
    }

    @Test func theRangeMustBeASixteen() throws {
        let prefix = try SubnetPool(range: "10.213.0.0/16").prefix
        #expect(prefix.0 == 10 && prefix.1 == 213)
        for bad in ["10.213.0.0/24", "10.213.1.0/16", "10.213.0.0", "ten.0.0.0/16"] {
            #expect(throws: SubnetPool.RangeError.self) { try SubnetPool(range: bad) }
        }
    }

    @Test func slotsAreNotHandedOutTwice() async throws {
        let pool = try SubnetPool(range: "10.213.0.0/16")
        let first = try #require(await pool.take())
        let second = try #require(await pool.take())
        #expect(first != second)
        await pool.give(first)
        #expect(await pool.take() == first)
    }
}
