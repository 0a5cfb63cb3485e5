package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A node skipped because its upstream failed is, as in dbt, still handed to
// a worker: its result names "Thread-N (worker)", not the main thread.
func TestSkippedNodeRunsOnAWorker(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "errors", "sql_error"))
	if res := kiln(t, dir, nil, "build", "--threads", "2"); res.code != 1 {
		t.Fatalf("build: exit %d, want 1\n%s", res.code, res.all())
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rr struct {
		Results []struct {
			UniqueID string `json:"unique_id"`
			Status   string `json:"status"`
			ThreadID string `json:"thread_id"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &rr); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rr.Results {
		if r.UniqueID != "model.err_sql_error.after_broken" {
			continue
		}
		found = true
		if r.Status != "skipped" || !strings.HasPrefix(r.ThreadID, "Thread-") || !strings.HasSuffix(r.ThreadID, " (worker)") {
			t.Errorf("after_broken: status %q thread %q, want skipped on a Thread-N (worker)", r.Status, r.ThreadID)
		}
	}
	if !found {
		t.Errorf("after_broken missing from run_results.json: %s", b)
	}
}
