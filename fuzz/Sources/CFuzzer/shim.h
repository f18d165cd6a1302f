#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver for programs that have their own main: SwiftPM gives every executable target one (it renames
// main.swift's entry point and links it as main), so the targets start the fuzzer from there.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
