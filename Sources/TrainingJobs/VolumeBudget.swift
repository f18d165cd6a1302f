import Runner

/// The ML storage volume of one host (`ResourceConfig.VolumeSizeInGB`): channel data and unpacked code count against
/// it, as on an instance, so an oversized channel or a compression bomb fails the job before it fills the disk.
struct VolumeBudget {
    let gigabytes: Int
    private(set) var used: Int64 = 0

    init(gigabytes: Int) {
        self.gigabytes = gigabytes
    }

    var capacity: Int64 { Int64(gigabytes) << 30 }
    var remaining: Int64 { capacity - used }

    /// Counts `bytes` of `what` against the volume, or fails when they do not fit.
    mutating func take(_ bytes: Int64, for what: String) throws {
        guard bytes <= remaining else { throw exceeded(by: what) }
        used += bytes
    }

    func exceeded(by what: String) -> JobFailure {
        .client(
            "\(what) does not fit on the job's ML storage volume: ResourceConfig.VolumeSizeInGB is \(gigabytes) GB and \(used) bytes of it were already taken. Increase VolumeSizeInGB or reduce the data."
        )
    }
}
