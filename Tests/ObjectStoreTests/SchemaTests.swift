import Foundation
import GRDB
import Testing
@testable import ObjectStore

@Suite struct SchemaTests {
    /// The checksum column holds the wire names, as every earlier version wrote them.
    @Test func checksumColumnsUseTheWireNames() throws {
        let checksum = StoredChecksum(algorithm: .crc64nvme, value: "AAAAAAAAAAA=", type: .composite)
        #expect(checksum.column == "CRC64NVME COMPOSITE AAAAAAAAAAA=")
        #expect(try StoredChecksum(column: "CRC32 FULL_OBJECT SNfwYw==") == StoredChecksum(algorithm: .crc32, value: "SNfwYw==", type: .fullObject))
        #expect(throws: (any Error).self) { try StoredChecksum(column: "crc32 fullObject SNfwYw==") }
    }

    /// A data directory written before `segments` and `checksum` became short text still opens, with every
    /// object readable and its checksum intact.
    @Test func jsonColumnsOfAnEarlierVersionAreConverted() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("old", region: nil)
        let checksum = StoredChecksum(algorithm: .crc32, value: "SNfwYw==", type: .fullObject)
        let blob = try await f.blob(Array("from an earlier version".utf8))
        let record = try await f.store.putObject(bucket: "old", key: "k", blob: blob, attributes: ObjectAttributes(), checksum: checksum)
        try await f.store.shutdown()

        // Put the row back the way the first schema stored it, and forget the conversion.
        let database = try DatabaseQueue(path: f.store.layout.database)
        try await database.write { db in
            try db.execute(
                sql: "UPDATE objects SET segments = ?, checksum = ?",
                arguments: [IndexJSON.encode(record.segments), IndexJSON.encode(checksum)])
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v2-compact-columns'")
        }
        try database.close()

        let reopened = try ObjectStore(dataDirectory: f.directory, fsync: false, logger: .init(label: "test"))
        #expect(try await f.read("old", "k", in: reopened) == "from an earlier version")
        #expect(try await reopened.headObject(bucket: "old", key: "k").checksum == checksum)
        #expect(try await reopened.list(bucket: "old", ListQuery()).objects.map(\.checksumAlgorithm) == ["CRC32"])
        try await reopened.shutdown()
    }
}
