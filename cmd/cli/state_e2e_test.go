package cli

// End-to-end tests of slim CI: state:/result: selection against a copied
// production target/, --defer, retry, selectors.yml, show, run-operation,
// clone and ls --output json. The project is testdata/state/shop, built on
// one DuckDB file with two targets (schemas prod and dev).

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

func stateProject(t *testing.T) string {
	t.Helper()
	return copyDir(t, filepath.Join(repoRoot(t), "testdata", "state", "shop"))
}

// snapshotTarget copies dir/target to a new directory (the "production
// artifacts" a CI job would download).
func snapshotTarget(t *testing.T, dir string) string {
	t.Helper()
	dst := t.TempDir()
	for _, f := range []string{"manifest.json", "run_results.json", "kiln_state.json"} {
		b, err := os.ReadFile(filepath.Join(dir, "target", f))
		if err != nil {
			if f == "run_results.json" {
				continue
			}
			t.Fatalf("target/%s: %v", f, err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func mustKiln(t *testing.T, dir string, env map[string]string, args ...string) runOut {
	t.Helper()
	r := kiln(t, dir, env, args...)
	if r.code != 0 {
		t.Fatalf("kiln %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// lsNames runs kiln ls --output name and returns the sorted names.
func lsNames(t *testing.T, dir string, env map[string]string, args ...string) []string {
	t.Helper()
	r := mustKiln(t, dir, env, append([]string{"ls", "--output", "name"}, args...)...)
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

func writeStateFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func wantNames(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func TestStateModifiedSelectsExactlyWhatChanged(t *testing.T) {
	dir := stateProject(t)
	mustKiln(t, dir, nil, "build", "--target", "prod")
	validateArtifacts(t, dir)
	st := snapshotTarget(t, dir)

	wantNames(t, "nothing changed", lsNames(t, dir, nil, "-s", "state:modified", "--state", st))
	wantNames(t, "state:old models", lsNames(t, dir, nil, "-s", "state:old", "--resource-type", "model", "--state", st),
		"items_cents", "items_taxed", "region", "stg_items", "summary")

	// A changed model: it and its descendants (tests included).
	orig, _ := os.ReadFile(filepath.Join(dir, "models", "stg_items.sql"))
	writeStateFile(t, filepath.Join(dir, "models", "stg_items.sql"), "-- cheaper\n"+string(orig))
	wantNames(t, "changed stg_items, state:modified+", lsNames(t, dir, nil, "-s", "state:modified+", "--state", st),
		"stg_items", "items_taxed", "items_cents", "summary", "not_null_stg_items_id", "unique_stg_items_id")
	// Its tests come along by (eager) indirect selection, as in dbt.
	wantNames(t, "changed stg_items, state:modified.body", lsNames(t, dir, nil, "-s", "state:modified.body", "--state", st),
		"stg_items", "not_null_stg_items_id", "unique_stg_items_id")
	wantNames(t, "changed stg_items, --indirect-selection empty", lsNames(t, dir, nil, "-s", "state:modified", "--indirect-selection", "empty", "--state", st), "stg_items")
	wantNames(t, "changed stg_items, state:modified.configs", lsNames(t, dir, nil, "-s", "state:modified.configs", "--state", st))
	writeStateFile(t, filepath.Join(dir, "models", "stg_items.sql"), string(orig))

	// A var read by one model marks exactly that model.
	wantNames(t, "changed var tax_rate", lsNames(t, dir, nil, "-s", "state:modified", "--state", st, "--vars", "{tax_rate: 1.5}"), "items_taxed")
	wantNames(t, "changed var tax_rate, modified.vars", lsNames(t, dir, nil, "-s", "state:modified.vars", "--state", st, "--vars", "{tax_rate: 1.5}"), "items_taxed")
	wantNames(t, "same var value given on the CLI", lsNames(t, dir, nil, "-s", "state:modified", "--state", st, "--vars", "{tax_rate: 1.2}"))

	// So does an env var.
	wantNames(t, "changed env var SHOP_REGION", lsNames(t, dir, map[string]string{"SHOP_REGION": "us"}, "-s", "state:modified", "--state", st), "region")

	// A macro: exactly its callers.
	macros := filepath.Join(dir, "macros", "money.sql")
	mOrig, _ := os.ReadFile(macros)
	writeStateFile(t, macros, strings.Replace(string(mOrig), "* 100 as integer", "* 100 as bigint", 1))
	wantNames(t, "changed macro to_cents", lsNames(t, dir, nil, "-s", "state:modified", "--state", st), "items_cents")
	wantNames(t, "changed macro to_cents, modified.macros", lsNames(t, dir, nil, "-s", "state:modified.macros", "--state", st), "items_cents")
	wantNames(t, "changed macro to_cents, modified.body", lsNames(t, dir, nil, "-s", "state:modified.body", "--state", st))
	writeStateFile(t, macros, string(mOrig))

	// Config changes and new nodes.
	writeStateFile(t, filepath.Join(dir, "models", "summary.sql"), "{{ config(materialized='view') }}\n"+mustRead(t, filepath.Join(dir, "models", "summary.sql")))
	writeStateFile(t, filepath.Join(dir, "models", "extra.sql"), "select 1 as one\n")
	wantNames(t, "config change + new model", lsNames(t, dir, nil, "-s", "state:modified.configs", "--state", st), "summary", "extra")
	wantNames(t, "new model", lsNames(t, dir, nil, "-s", "state:new", "--state", st), "extra")
	wantNames(t, "unmodified models", lsNames(t, dir, nil, "-s", "state:unmodified", "--resource-type", "model", "--state", st),
		"items_cents", "items_taxed", "region", "stg_items")
	validateArtifacts(t, dir)
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStateSelectorErrors(t *testing.T) {
	dir := stateProject(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ls", "-s", "state:modified"}, "needs --state"},
		{[]string{"ls", "-s", "stat:modified", "--state", "nowhere"}, "no manifest.json"},
		{[]string{"ls", "-s", "tga:nightly"}, "unknown selector method 'tga'"},
		{[]string{"ls", "-s", "@stg_items+"}, "cannot be combined"},
		{[]string{"ls", "--selector", "nope"}, "unknown selector 'nope'"},
		{[]string{"ls", "--selector", "taxed_chain", "-s", "x"}, "cannot be combined"},
		{[]string{"build", "--defer"}, "--defer needs --state"},
	} {
		r := kiln(t, dir, nil, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("kiln %s: exit %d, want 2 and %q in stderr:\n%s", strings.Join(tc.args, " "), r.code, tc.want, r.all())
		}
	}
	// The position of a selector mistake is shown with a caret.
	r := kiln(t, dir, nil, "ls", "-s", "stg_items tga:nightly")
	if !strings.Contains(r.stderr, "at column 11") || !strings.Contains(r.stderr, "\n            ^") {
		t.Errorf("selector error without position:\n%s", r.stderr)
	}
	// An unknown state: value lists the valid ones.
	mustKiln(t, dir, nil, "parse")
	st := snapshotTarget(t, dir)
	r = kiln(t, dir, nil, "ls", "-s", "state:modifed", "--state", st)
	if r.code != 2 || !strings.Contains(r.stderr, "modified.body") {
		t.Errorf("state:modifed: exit %d\n%s", r.code, r.all())
	}
}

func TestDeferBuildsAgainstProduction(t *testing.T) {
	dir := stateProject(t)
	mustKiln(t, dir, nil, "build", "--target", "prod")
	st := snapshotTarget(t, dir)
	writeStateFile(t, filepath.Join(dir, "models", "items_taxed.sql"), "select id, price * 2 as gross from {{ ref('stg_items') }}\n")

	r := mustKiln(t, dir, nil, "build", "-s", "state:modified", "--defer", "--state", st)
	if !strings.Contains(r.stdout, "TOTAL=1") {
		t.Errorf("expected exactly one node built:\n%s", r.stdout)
	}
	db := filepath.Join(dir, "shop.duckdb")
	if got := tableCSV(t, db, "dev.items_taxed"); got != "id,gross\n1,20\n2,50\n3,80\n" {
		t.Errorf("dev.items_taxed = %q", got)
	}
	c, done := openDB(t, db)
	rel, err := c.GetRelation(t.Context(), "", "dev", "stg_items")
	done()
	if err != nil || rel != nil {
		t.Errorf("dev.stg_items should not exist (the build deferred to prod): %v %v", rel, err)
	}
	compiled := mustRead(t, filepath.Join(dir, "target", "compiled", "state_shop", "models", "items_taxed.sql"))
	if !strings.Contains(compiled, `"prod"."stg_items"`) {
		t.Errorf("compiled SQL does not read prod.stg_items:\n%s", compiled)
	}

	// compile --defer renders the same deferred relation.
	if r := mustKiln(t, dir, nil, "compile", "-s", "items_taxed", "--defer", "--state", st); !strings.Contains(r.stdout, `"prod"."stg_items"`) {
		t.Errorf("compile --defer:\n%s", r.stdout)
	}

	// Without --defer the same build fails: dev has no stg_items.
	r = kiln(t, dir, nil, "run", "-s", "items_taxed")
	if r.code != 1 {
		t.Errorf("run without --defer: exit %d, want 1\n%s", r.code, r.all())
	}
	// --favor-state defers even when dev has the relation.
	mustKiln(t, dir, nil, "seed")
	mustKiln(t, dir, nil, "run", "-s", "stg_items")
	mustKiln(t, dir, nil, "run", "-s", "items_taxed", "--defer", "--favor-state", "--state", st)
	compiled = mustRead(t, filepath.Join(dir, "target", "compiled", "state_shop", "models", "items_taxed.sql"))
	if !strings.Contains(compiled, `"prod"."stg_items"`) {
		t.Errorf("--favor-state: compiled SQL does not read prod.stg_items:\n%s", compiled)
	}
	mustKiln(t, dir, nil, "run", "-s", "items_taxed", "--defer", "--state", st)
	compiled = mustRead(t, filepath.Join(dir, "target", "compiled", "state_shop", "models", "items_taxed.sql"))
	if !strings.Contains(compiled, `"dev"."stg_items"`) {
		t.Errorf("--defer without --favor-state should use dev.stg_items once it exists:\n%s", compiled)
	}
	validateArtifacts(t, dir)
}

func TestRetryRerunsFailedAndSkipped(t *testing.T) {
	dir := stateProject(t)
	writeStateFile(t, filepath.Join(dir, "models", "fragile.sql"), "select id from {{ ref('stg_items') }} where {{ env_var('FRAGILE', 'no_such_column') }} > 0\n")
	writeStateFile(t, filepath.Join(dir, "models", "fragile_child.sql"), "select count(*) as n from {{ ref('fragile') }}\n")

	r := kiln(t, dir, nil, "build", "--target", "prod", "-s", "+fragile_child", "--threads", "1")
	if r.code != 1 {
		t.Fatalf("first build: exit %d, want 1\n%s", r.code, r.all())
	}
	first := runResults(t, dir)
	if first["model.state_shop.fragile"] != "error" || first["model.state_shop.fragile_child"] != "skipped" || first["model.state_shop.stg_items"] != "success" {
		t.Fatalf("unexpected first results: %v", first)
	}
	validateArtifacts(t, dir)

	// result: selects from the failed run's results.
	st := snapshotTarget(t, dir)
	wantNames(t, "result:error+", lsNames(t, dir, nil, "-s", "result:error+", "--state", st), "fragile", "fragile_child")

	r = mustKiln(t, dir, map[string]string{"FRAGILE": "id"}, "retry")
	got := runResults(t, dir)
	want := map[string]string{"model.state_shop.fragile": "success", "model.state_shop.fragile_child": "success"}
	if len(got) != len(want) || got["model.state_shop.fragile"] != "success" || got["model.state_shop.fragile_child"] != "success" {
		t.Errorf("retry results = %v, want %v\n%s", got, want, r.stdout)
	}
	// The retry reused --target prod from the first run's args.
	if csv := tableCSV(t, filepath.Join(dir, "shop.duckdb"), "prod.fragile_child"); csv != "n\n3\n" {
		t.Errorf("prod.fragile_child = %q", csv)
	}
	r = mustKiln(t, dir, nil, "retry")
	if !strings.Contains(r.stdout, "Nothing to retry") {
		t.Errorf("second retry: %s", r.stdout)
	}
	validateArtifacts(t, dir)
}

func TestSelectorsFile(t *testing.T) {
	dir := stateProject(t)
	wantNames(t, "--selector taxed_chain", lsNames(t, dir, nil, "--selector", "taxed_chain"), "items_taxed")
	wantNames(t, "--selector cents_tables (selector reference)", lsNames(t, dir, nil, "--selector", "cents_tables"), "items_cents")
	wantNames(t, "--selector with --exclude", lsNames(t, dir, nil, "--selector", "cents_tables", "--exclude", "items_cents"))

	// The manifest lists the selectors.
	mustKiln(t, dir, nil, "parse")
	var m struct {
		Selectors map[string]any `json:"selectors"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "manifest.json"))), &m); err != nil || len(m.Selectors) != 3 {
		t.Errorf("manifest selectors = %v (%v)", m.Selectors, err)
	}

	// default: true applies when nothing is selected.
	sel := mustRead(t, filepath.Join(dir, "selectors.yml"))
	writeStateFile(t, filepath.Join(dir, "selectors.yml"), sel+"  - name: nightly\n    default: true\n    definition:\n      method: tag\n      value: nightly\n")
	wantNames(t, "default selector", lsNames(t, dir, nil), "region")
	wantNames(t, "--select overrides the default", lsNames(t, dir, nil, "-s", "summary"), "summary")

	for _, tc := range []struct{ body, want string }{
		{"selectors:\n  - name: a\n    definition:\n      methd: tag\n      value: x\n", "selectors.yml:4:7: unknown key 'methd'"},
		{"selectors:\n  - name: a\n    definition:\n      tga: x\n", "selectors.yml:4:7: invalid selector \"tga:x\": unknown selector method 'tga'"},
		{"selectors:\n  - name: a\n    default: true\n    definition: x\n  - name: b\n    default: true\n    definition: y\n", "at most one selector may be the default"},
		{"selectors:\n  - name: a\n    definition:\n      method: selector\n      value: a\n", "cycle"},
		{"selectors:\n  - name: a\n    definition:\n      union:\n        - exclude: [x]\n", "only `exclude` items"},
	} {
		writeStateFile(t, filepath.Join(dir, "selectors.yml"), tc.body)
		r := kiln(t, dir, nil, "ls")
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("selectors.yml %q: exit %d, want 2 and %q:\n%s", tc.body, r.code, tc.want, r.all())
		}
	}
}

func TestShowRunOperationCloneAndLsJSON(t *testing.T) {
	dir := stateProject(t)
	mustKiln(t, dir, nil, "build", "--target", "prod")
	st := snapshotTarget(t, dir)

	// show
	r := mustKiln(t, dir, nil, "show", "-s", "items_cents", "--limit", "2", "--target", "prod")
	if !strings.Contains(r.stdout, "Previewing node 'items_cents':") || !strings.Contains(r.stdout, "| id | cents |") ||
		!strings.Contains(r.stdout, "|  1 |  1000 |") || strings.Contains(r.stdout, "|  3 |") {
		t.Errorf("show output:\n%s", r.stdout)
	}
	r = mustKiln(t, dir, nil, "show", "--inline", "select 42 as answer", "--output", "json", "-q")
	var shown struct {
		Node string           `json:"node"`
		Show []map[string]any `json:"show"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil || len(shown.Show) != 1 || shown.Show[0]["answer"] != float64(42) {
		t.Errorf("show --output json: %v\n%s", err, r.stdout)
	}
	if r := kiln(t, dir, nil, "show"); r.code != 2 {
		t.Errorf("show without a node: exit %d", r.code)
	}

	// run-operation
	r = mustKiln(t, dir, nil, "run-operation", "record_marker", "--args", "{name: op_marker}")
	if !strings.Contains(r.stdout, "created op_marker") {
		t.Errorf("run-operation log missing:\n%s", r.stdout)
	}
	if csv := tableCSV(t, filepath.Join(dir, "shop.duckdb"), "dev.op_marker"); csv != "x\n1\n" {
		t.Errorf("dev.op_marker = %q", csv)
	}
	r = kiln(t, dir, nil, "run-operation", "explode")
	if r.code != 1 || !strings.Contains(r.stderr, "boom: this operation always fails") {
		t.Errorf("failing operation: exit %d\n%s", r.code, r.all())
	}
	r = kiln(t, dir, nil, "run-operation", "record_markr")
	if r.code != 1 || !strings.Contains(r.stderr, "record_marker") {
		t.Errorf("unknown macro: exit %d\n%s", r.code, r.all())
	}
	if r := kiln(t, dir, nil, "run-operation", "record_marker", "--args", "[1, 2"); r.code != 2 {
		t.Errorf("bad --args: exit %d", r.code)
	}
	if r := kiln(t, dir, nil, "retry"); r.code != 2 || !strings.Contains(r.stderr, "the previous command was 'run-operation'") {
		t.Errorf("retry after run-operation: exit %d\n%s", r.code, r.all())
	}
	validateArtifacts(t, dir)

	// clone
	if r := kiln(t, dir, nil, "clone"); r.code != 2 || !strings.Contains(r.stderr, "--state") {
		t.Errorf("clone without --state: exit %d\n%s", r.code, r.all())
	}
	r = mustKiln(t, dir, nil, "clone", "--state", st, "-s", "stg_items items_taxed")
	if !strings.Contains(r.stdout, "OK cloned model dev.stg_items") {
		t.Errorf("clone output:\n%s", r.stdout)
	}
	if csv := tableCSV(t, filepath.Join(dir, "shop.duckdb"), "dev.items_taxed"); csv != "id,gross\n1,12.0\n2,30.0\n3,48.0\n" {
		t.Errorf("dev.items_taxed after clone = %q", csv)
	}
	validateArtifacts(t, dir)
	r = mustKiln(t, dir, nil, "clone", "--state", st, "-s", "stg_items")
	if !strings.Contains(mustRead(t, filepath.Join(dir, "target", "run_results.json")), "already exists") {
		t.Errorf("second clone should be a no-op:\n%s", r.stdout)
	}

	// ls --output json with dbt's keys, and --output-keys.
	r = mustKiln(t, dir, nil, "ls", "-s", "stg_items", "--resource-type", "model", "--output", "json")
	var obj map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &obj); err != nil {
		t.Fatalf("ls json: %v\n%s", err, r.stdout)
	}
	var keys []string
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	wantKeys := []string{"alias", "config", "depends_on", "name", "original_file_path", "package_name", "resource_type", "tags", "unique_id"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("ls json keys = %v, want %v", keys, wantKeys)
	}
	r = mustKiln(t, dir, nil, "ls", "-s", "stg_items", "--resource-type", "model", "--output", "json", "--output-keys", "name", "config.materialized")
	if strings.TrimSpace(r.stdout) != `{"config.materialized":"table","name":"stg_items"}` { // dbt's shape
		t.Errorf("ls --output-keys: %s", r.stdout)
	}
}
