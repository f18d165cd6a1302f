import CFuzzer
import Foundation

/// libFuzzer's own main, linked in by -sanitize=fuzzer but never run (SwiftPM makes each target's main.swift the
/// program's main), refers to this symbol; the driver gets the target's function directly instead.
@_cdecl("LLVMFuzzerTestOneInput")
public func unusedTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { 0 }

/// Starts libFuzzer on `target` with the program's arguments and exits with its status: every target's main.
public func runFuzzer(_ target: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv = Optional(CommandLine.unsafeArgv)
    exit(LLVMFuzzerRunDriver(&argc, &argv, target))
}
