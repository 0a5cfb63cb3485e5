package cli

// Real consumers of kiln as a dbt executable: dagster-dbt runs `build`
// through DbtCliResource with kiln as its dbt, and dbt-artifacts-parser
// reads kiln's artifacts. Both live in the venv .ci/setup-consumers.sh
// makes (KILN_CONSUMERS_VENV); without it the tests skip, under CI=1 they
// fail.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

func consumersPython(t *testing.T) string {
	t.Helper()
	venv := os.Getenv("KILN_CONSUMERS_VENV")
	py := filepath.Join(venv, "bin", "python")
	if venv != "" {
		if _, err := os.Stat(py); err == nil {
			return py
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("the consumer venv is required under CI: run .ci/setup-consumers.sh and set KILN_CONSUMERS_VENV")
	}
	t.Skip("KILN_CONSUMERS_VENV not set (run .ci/setup-consumers.sh); consumer test skipped")
	return ""
}

// manifestNodes reads manifest.json's nodes as a consumer sees them.
func manifestNodes(t *testing.T, path string) map[string]struct {
	ResourceType string         `json:"resource_type"`
	Config       map[string]any `json:"config"`
	DependsOn    struct {
		Nodes []string `json:"nodes"`
	} `json:"depends_on"`
} {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Nodes map[string]struct {
			ResourceType string         `json:"resource_type"`
			Config       map[string]any `json:"config"`
			DependsOn    struct {
				Nodes []string `json:"nodes"`
			} `json:"depends_on"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m.Nodes
}

// TestDagsterDbtRunsKiln: a Dagster definition (.ci/consumers/
// dagster_build.py) whose DbtCliResource uses the kiln binary materializes
// every model and seed of example_project and records an asset check
// result for every test on one model.
func TestDagsterDbtRunsKiln(t *testing.T) {
	py := consumersPython(t)
	bin := builtKiln(t)
	dir := copyDir(t, filepath.Join(repoRoot(t), "example_project"))
	mustRun(t, dir, nil, "parse")
	out := filepath.Join(t.TempDir(), "dagster.json")
	cmd := exec.Command(py, filepath.Join(repoRoot(t), ".ci", "consumers", "dagster_build.py"), bin, dir, out)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "DAGSTER_HOME="+t.TempDir())
	log, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dagster: %v\n%s", err, log)
	}
	var got struct {
		Success      bool     `json:"success"`
		Materialized []string `json:"materialized"`
		Checks       []struct {
			UniqueID string `json:"unique_id"`
			Passed   bool   `json:"passed"`
		} `json:"checks"`
	}
	b, err := os.ReadFile(out)
	if err != nil || json.Unmarshal(b, &got) != nil {
		t.Fatalf("no result from dagster (%v)\n%s", err, log)
	}
	var wantAssets, wantChecks []string
	for id, n := range manifestNodes(t, filepath.Join(dir, "target", "manifest.json")) {
		switch {
		case (n.ResourceType == manifest.Model && n.Config["materialized"] != "ephemeral") || n.ResourceType == manifest.Seed:
			wantAssets = append(wantAssets, id)
		case n.ResourceType == manifest.Test && len(n.DependsOn.Nodes) == 1:
			wantChecks = append(wantChecks, id)
		}
	}
	sort.Strings(wantAssets)
	if !got.Success || strings.Join(got.Materialized, " ") != strings.Join(wantAssets, " ") {
		t.Errorf("dagster success=%v materialized\n  %v\nwant\n  %v\n%s", got.Success, got.Materialized, wantAssets, tail(string(log), 3000))
	}
	passed := map[string]bool{}
	for _, c := range got.Checks {
		passed[c.UniqueID] = c.Passed
	}
	for _, id := range wantChecks {
		if ok, seen := passed[id]; !seen || !ok {
			t.Errorf("no passing asset check result for %s (seen %v)", id, seen)
		}
	}
	if len(wantChecks) < 30 {
		t.Errorf("only %d tests on one model in example_project: the check above proves little", len(wantChecks))
	}
}

// TestArtifactsParserReadsKilnArtifacts: dbt-artifacts-parser validates
// manifest.json, run_results.json, catalog.json and sources.json.
func TestArtifactsParserReadsKilnArtifacts(t *testing.T) {
	py := consumersPython(t)
	dir := copyDir(t, filepath.Join(repoRoot(t), "example_project"))
	mustRun(t, dir, nil, "build")
	mustRun(t, dir, nil, "docs", "generate")
	fresh := copyDir(t, filepath.Join(repoRoot(t), "testdata", "freshness"))
	execSQL(t, filepath.Join(fresh, "db.duckdb"), "create schema raw",
		"create table raw.fresh_events as select now() as loaded_at", "create table raw.late_events as select now() as loaded_at",
		"create table raw.stale_events as select now() as loaded_at", "create table raw.filtered_events as select now() as loaded_at, 'real' as kind")
	kiln(t, fresh, nil, "source", "freshness") // one source is missing on purpose: a runtime error result
	src, err := os.ReadFile(filepath.Join(fresh, "target", "sources.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "target", "sources.json"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, filepath.Join(repoRoot(t), ".ci", "consumers", "parse_artifacts.py"), filepath.Join(dir, "target")).CombinedOutput()
	if err != nil {
		t.Fatalf("dbt-artifacts-parser: %v\n%s", err, out)
	}
	for _, want := range []string{"manifest.json ManifestV12", "run_results.json RunResultsV6", "catalog.json CatalogV1", "sources.json SourcesV3"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("parser output lacks %q:\n%s", want, out)
		}
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
