package run

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kiln-dev/kiln/internal/secret"
)

// A run whose artifacts cannot be written (a full disk, a target path that
// is not writable) must not end green: CI would upload a stale
// run_results.json, and `kiln retry` or `--state` would read it. Failures
// are remembered here and reported in Summary.ArtifactError.

// noteWrite remembers the first failure to write a SQL file under target/.
func (r *Runner) noteWrite(err error) {
	if err == nil {
		return
	}
	r.mu.Lock()
	if r.sqlWriteErr == nil {
		r.sqlWriteErr = err
	}
	r.mu.Unlock()
}

// artifactError is what the run could not write: run_results.json as of its
// latest write (a later successful write heals an earlier failure), else the
// first compiled or run SQL file that failed.
func (r *Runner) artifactError() error {
	r.writeMu.Lock()
	rerr := r.resultsErr
	r.writeMu.Unlock()
	if rerr != nil {
		return fmt.Errorf("writing run_results.json: %w", rerr)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sqlWriteErr != nil {
		return fmt.Errorf("writing compiled SQL: %w", r.sqlWriteErr)
	}
	return nil
}

// WriteSQLFile writes a compiled or run SQL file (secrets scrubbed),
// creating its directory. A rebuild mostly
// writes exactly what the previous run wrote: then the file is only read
// (cheaper than truncating and rewriting it, and its mtime stays).
func WriteSQLFile(path, content string) error {
	data := []byte(secret.Scrub(content))
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
