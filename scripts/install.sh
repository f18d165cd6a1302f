#!/usr/bin/env bash
# Builds a release `sagebox` and installs it as PREFIX/bin/sagebox (default PREFIX: ~/.local).
#   bash scripts/install.sh            # ~/.local/bin/sagebox
#   sudo bash scripts/install.sh /usr/local
# The binary is self-contained as far as Sagebox goes: the bundled container specs are compiled in, and the Swift
# runtime is linked statically (--static-swift-stdlib), so it runs from anywhere, on any machine with the same
# system libraries (libarchive, libcurl, libsqlite3, libxml2, zlib: `bash scripts/setup.sh` or the README's apt line).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="${1:-$HOME/.local}"
cd "$ROOT"

echo "== swift build -c release --static-swift-stdlib"
swift build -c release --static-swift-stdlib --product sagebox
BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/sagebox"

install -d "$PREFIX/bin"
# Not stripped: Swift's crash backtraces name functions from these symbols.
install -m 0755 "$BIN" "$PREFIX/bin/sagebox"
echo "installed $("$PREFIX/bin/sagebox" --version) as $PREFIX/bin/sagebox"
case ":$PATH:" in
    *":$PREFIX/bin:"*) ;;
    *) echo "note: $PREFIX/bin is not on PATH; add it: export PATH=\"$PREFIX/bin:\$PATH\"" ;;
esac
