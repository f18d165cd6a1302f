/// AWS-style request ids: 16 upper-case hex digits, as S3 uses.
enum RequestID {
    static func make() -> String {
        let value = UInt64.random(in: .min ... .max)
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
