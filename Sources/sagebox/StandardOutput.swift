// `stdout` is a C global that strict concurrency rejects; this file imports the C library alone, with
// @preconcurrency, so the one place that touches it compiles. It runs once, in `main`, before any task starts.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

enum StandardOutput {
    /// Line-buffered stdout: piped output arrives a line at a time instead of in 4 KiB blocks or at exit.
    static func lineBuffered() {
        setvbuf(stdout, nil, _IOLBF, 0)
    }
}
