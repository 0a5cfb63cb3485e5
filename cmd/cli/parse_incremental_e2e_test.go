package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// manifestBody is manifest.json without the metadata fields that name the
// invocation (its id and times), which differ between any two parses.
func manifestBody(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(`,"nodes":`))
	if i < 0 {
		t.Fatalf("%s: no nodes", path)
	}
	var head struct{ Metadata map[string]any }
	if err := json.Unmarshal(append(append([]byte{}, b[:i]...), '}'), &head); err != nil {
		t.Fatalf("%s: metadata: %v", path, err)
	}
	for _, k := range []string{"generated_at", "invocation_id", "invocation_started_at", "run_started_at"} {
		delete(head.Metadata, k)
	}
	md, _ := json.Marshal(head.Metadata)
	return append(md, b[i:]...)
}

// `kiln parse` after a model's SQL text changed rewrites only that model's
// bytes of manifest.json; the file equals a cold parse's, and state:
// comparison sees the change.
func TestParseIncrementalManifest(t *testing.T) {
	dir := stateProject(t)
	mustKiln(t, dir, nil, "parse")
	st := snapshotTarget(t, dir)
	model := filepath.Join(dir, "models", "stg_items.sql")
	orig := mustRead(t, model)
	writeStateFile(t, model, orig+"\n-- an edit\n")
	out := mustKiln(t, dir, nil, "parse")
	if !strings.Contains(out.stdout, "(1 files rendered,") {
		t.Fatalf("parse after one edit rendered more than the edited file:\n%s", out.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "kiln_manifest_index.bin")); err != nil {
		t.Fatal(err)
	}
	incr := manifestBody(t, filepath.Join(dir, "target", "manifest.json"))
	mustKiln(t, dir, nil, "parse", "--no-partial-parse", "--target-path", "cold")
	if cold := manifestBody(t, filepath.Join(dir, "cold", "manifest.json")); !bytes.Equal(incr, cold) {
		t.Fatalf("incremental manifest.json differs from a cold parse's (%d vs %d bytes)", len(incr), len(cold))
	}
	wantNames(t, "edited stg_items, state:modified.body", lsNames(t, dir, nil, "-s", "state:modified.body", "--state", st),
		"stg_items", "not_null_stg_items_id", "unique_stg_items_id")
	out = mustKiln(t, dir, nil, "parse")
	if !strings.Contains(out.stdout, "Nothing changed") {
		t.Fatalf("second parse:\n%s", out.stdout)
	}
}
