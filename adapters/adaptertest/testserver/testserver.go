// Package testserver is what the test helpers of warehouse adapters
// (postgres/pgtest, trino/trinotest) share: settings from the environment,
// skip-or-fail when the server is missing, and a schema of each test's
// own. It imports nothing of kiln, so any test may use it (adaptertest
// itself imports the compiler and the runner).
package testserver

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
)

// Env is the variable k, or def when it is unset or empty.
func Env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Unavailable skips the test with msg, or fails it when the environment
// variable require is set (CI sets it, so tests that need the server can
// never silently stop running there).
func Unavailable(t testing.TB, require, msg string) {
	t.Helper()
	if os.Getenv(require) != "" {
		t.Fatal(msg + " (" + require + " is set)")
	}
	t.Skip(msg)
}

// Schema returns a fresh schema name kiln_test_<random> and calls drop
// with it when the test ends (drop removes the schema with everything in
// it; kiln itself never cascades).
func Schema(t testing.TB, drop func(name string)) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "kiln_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() { drop(name) })
	return name
}
