/// CRC-64/NVME, reflected polynomial 0x9A6C9329AC4BC9B5, init and xorout all ones
/// (the algorithm S3 calls CRC64NVME; "123456789" gives 0xAE8B14860A799888).
///
/// Slicing-by-8 like `CRC32C`: with a 64-bit register one little-endian word xors straight in.
enum CRC64NVME {
    static let polynomial: UInt64 = 0x9A6C_9329_AC4B_C9B5

    /// `tables[k * 256 + b]` is the CRC contribution of byte `b` followed by `k` zero bytes.
    static let tables: [UInt64] = {
        var tables = [UInt64](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt64(byte)
            for _ in 0..<8 {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1
            }
            tables[byte] = crc
        }
        for k in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(k - 1) * 256 + byte]
                tables[k * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// Continues `crc` (a finished CRC-64/NVME value, 0 for the empty input) over `bytes`.
    static func update(_ crc: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return tables.withUnsafeBufferPointer { tablePointer in
            let t = tablePointer.baseAddress!
            var crc = ~crc
            var offset = 0
            let count = bytes.count
            while count - offset >= 8 {
                let word = crc ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                crc = t[7 * 256 + Int(word & 0xFF)]
                    ^ t[6 * 256 + Int((word >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((word >> 16) & 0xFF)]
                    ^ t[4 * 256 + Int((word >> 24) & 0xFF)]
                    ^ t[3 * 256 + Int((word >> 32) & 0xFF)]
                    ^ t[2 * 256 + Int((word >> 40) & 0xFF)]
                    ^ t[1 * 256 + Int((word >> 48) & 0xFF)]
                    ^ t[Int(word >> 56)]
                offset += 8
            }
            while offset < count {
                let byte = base.load(fromByteOffset: offset, as: UInt8.self)
                crc = (crc >> 8) ^ t[Int((crc ^ UInt64(byte)) & 0xFF)]
                offset += 1
            }
            return ~crc
        }
    }
}
