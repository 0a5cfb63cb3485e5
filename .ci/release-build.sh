#!/usr/bin/env bash
# Release build of kiln: reproducible paths (-trimpath), no symbol table or
# DWARF (-s -w, about 20% smaller), the version stamped in.
#
#   .ci/release-build.sh [VERSION] [OUT]   defaults: git describe, dist/kiln
#
# .ci/run builds with it and checks that the binary reports VERSION, is
# stripped and holds no path of the build machine.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
out="${2:-dist/kiln}"
go build -trimpath -ldflags "-s -w -X github.com/kiln-dev/kiln/cmd/cli.version=$version" -o "$out" ./cmd/kiln
echo "$out"
