import Foundation

/// When Sagebox interrupts a spot job on its own: from the job's tags, so SDK users set it with
/// `Estimator(tags=[...])` and no other change, or from the server's seeded random rate.
///
/// - `sagebox:interrupt-after-seconds` = `"5"` or `"5,8"`: interrupt attempt *k* after the *k*-th number of seconds
///   of training (one number per interruption).
/// - `sagebox:capacity-unavailable-seconds` = `"30"`: the first launch finds no capacity for that long.
struct SpotSchedule {
    static let interruptAfterTag = "sagebox:interrupt-after-seconds"
    static let capacityUnavailableTag = "sagebox:capacity-unavailable-seconds"

    let interruptAfter: [Double]
    let capacityUnavailableSeconds: Double?

    init(tags: [String: String]) {
        interruptAfter = (tags[Self.interruptAfterTag] ?? "").split(separator: ",").compactMap {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        capacityUnavailableSeconds = tags[Self.capacityUnavailableTag].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Seconds of training after which attempt `attempt` (1-based) is interrupted, if ever.
    func interruption(attempt: Int, job: String, rate: Double, seed: UInt64) -> Double? {
        if attempt <= interruptAfter.count { return interruptAfter[attempt - 1] }
        if !interruptAfter.isEmpty { return nil }
        return Self.randomInterruption(rate: rate, seed: seed, job: job, attempt: attempt)
    }

    /// An exponentially distributed delay (mean 3600 / rate seconds) from a generator seeded by the server's seed,
    /// the job's name and the attempt: independent of other jobs and of timing, so a seed reproduces its schedule.
    static func randomInterruption(rate: Double, seed: UInt64, job: String, attempt: Int) -> Double? {
        guard rate > 0 else { return nil }
        var generator = SplitMix64(seed: seed ^ fnv1a(job) ^ (UInt64(attempt) &* 0x9E37_79B9_7F4A_7C15))
        let uniform = Double(generator.next() >> 11) / Double(1 << 53)
        return -log(1 - uniform) * 3600 / rate
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}

/// A small, well-known 64-bit generator: the same seed gives the same sequence on every platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
