package cli

import (
	"runtime/debug"

	"github.com/kiln-dev/kiln/compiler"
)

// version is stamped by release builds:
//
//	go build -trimpath -ldflags "-s -w -X github.com/kiln-dev/kiln/cmd/cli.version=0.2.0" ./cmd/kiln
//
// Without it, `go install github.com/kiln-dev/kiln/cmd/kiln@v0.2.0`
// reports the module version, and a development build compiler.Version.
var version string

// Version is the kiln version this binary reports.
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return compiler.Version
}
