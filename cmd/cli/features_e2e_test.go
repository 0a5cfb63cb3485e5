package cli

// End-to-end coverage of the core issue's numbered items on
// testdata/features: project config, vars and packages, Jinja at parse and
// execution time, every materialization, seeds options, hooks, tests,
// selection, commands, cancellation and a locked database file.

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func featuresDir(t *testing.T) string {
	return copyDir(t, filepath.Join(repoRoot(t), "testdata", "features"))
}

func mustRun(t *testing.T, dir string, env map[string]string, args ...string) runOut {
	t.Helper()
	res := kiln(t, dir, env, args...)
	if res.code != 0 {
		t.Fatalf("kiln %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, res.code, res.stdout, res.stderr)
	}
	return res
}

func query(t *testing.T, dir, sql string) string {
	t.Helper()
	c, done := openDB(t, filepath.Join(dir, "features.duckdb"))
	defer done()
	tbl, _, err := c.Query(context.Background(), sql, 0)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var lines []string
	for _, r := range tbl.Rows {
		var cells []string
		for _, v := range r {
			cells = append(cells, strings.TrimSpace(strings.ReplaceAll(fmtCell(v), "\n", " ")))
		}
		lines = append(lines, strings.Join(cells, "|"))
	}
	return strings.Join(lines, "\n")
}

func fmtCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return x.Format("2006-01-02")
	default:
		b, _ := json.Marshal(x)
		return strings.Trim(string(b), `"`)
	}
}

func TestFeaturesBuild(t *testing.T) {
	dir := featuresDir(t)
	res := mustRun(t, dir, map[string]string{"FEATURES_LABEL": "lbl"}, "build")
	for _, want := range []string{
		"Done. PASS=17 WARN=1 ERROR=0 SKIP=0", // 3 project hooks count, as in dbt
		"START hook: features.on-run-start.0",
		"OK loaded seed file main.raw_payments", "[INSERT 4 in",
		"OK created sql table model marts.order_totals", // generate_schema_name override: verbatim custom schema
		"WARN 1 not_null_order_totals_total",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
	// Ephemeral CTEs (nested, into a query that starts with WITH), dispatch
	// through the project's search order, env_var, var defaults.
	if got := query(t, dir, "select * from marts.order_totals order by order_id"); got != "10|15.5|root says nothing|lbl\n11|1|root says nothing|lbl\n12|NULL|root says nothing|lbl" {
		t.Errorf("order_totals:\n%s", got)
	}
	// run_query and statement/load_result at execution time, return() of a list.
	if got := query(t, dir, "select * from marts.payment_stats"); got != "4|4|card|coupon" {
		t.Errorf("payment_stats: %s", got)
	}
	// Hooks in order: on-run-start, pre-hook, post-hook, on-run-end.
	if got := query(t, dir, "select event from main.run_log order by logged_at, rowid"); got != "start\npre stg_payments\npost stg_payments\nend" {
		t.Errorf("hook order:\n%s", got)
	}
	// Seeds: dbt's type inference, column_types, delimiter, quote_columns.
	if got := query(t, dir, "select column_name || ' ' || data_type from information_schema.columns where table_name = 'raw_payments' order by ordinal_position"); got != "id INTEGER\norder_id INTEGER\namount DOUBLE\ncode VARCHAR\npaid_at DATE\nrefunded BOOLEAN" {
		t.Errorf("seed types:\n%s", got)
	}
	if got := query(t, dir, "select code from main.raw_payments order by id"); got != "007\n010\n123\n200" {
		t.Errorf("column_types kept leading zeros? %s", got)
	}
	if got := query(t, dir, "select * from main.raw_semicolon order by 1"); got != "a|Alpha\nb|Beta" {
		t.Errorf("semicolon seed: %s", got)
	}
	// A package model reads the root project's package-scoped var.
	if got := query(t, dir, "select * from main.helper_greeting"); got != "hello-from-root" {
		t.Errorf("package-scoped var: %s", got)
	}
	// The ephemeral and disabled models never reach the warehouse.
	if got := query(t, dir, "select count(*) from information_schema.tables where table_name in ('eph_base', 'eph_nested', 'disabled_model')"); got != "0" {
		t.Errorf("ephemeral/disabled relations exist: %s", got)
	}
	validateArtifacts(t, dir)
	var m struct {
		Nodes    map[string]json.RawMessage   `json:"nodes"`
		Disabled map[string][]json.RawMessage `json:"disabled"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Disabled["model.features.disabled_model"]; !ok {
		t.Error("disabled model missing from manifest.disabled")
	}
	if _, ok := m.Nodes["model.features.disabled_model"]; ok {
		t.Error("disabled model is in manifest.nodes")
	}
	// --vars overrides project vars; seed --full-refresh recreates.
	mustRun(t, dir, nil, "run", "-s", "stg_payments", "--vars", "{min_amount: 100}")
	if got := query(t, dir, "select count(*) from main.stg_payments"); got != "2" {
		t.Errorf("--vars: %s rows", got)
	}
	if res := mustRun(t, dir, nil, "seed", "--full-refresh", "-s", "raw_payments"); !strings.Contains(res.stdout, "[CREATE 4 in") {
		t.Errorf("seed --full-refresh:\n%s", res.stdout)
	}
}

func TestFeaturesCompileAndList(t *testing.T) {
	dir := featuresDir(t)
	res := mustRun(t, dir, nil, "compile", "-s", "order_totals")
	out := res.stdout
	if !strings.Contains(out, "Compiled node 'order_totals' is:") {
		t.Fatalf("compile output:\n%s", out)
	}
	base, nested := strings.Index(out, "__dbt__cte__eph_base as ("), strings.Index(out, "__dbt__cte__eph_nested as (")
	if base < 0 || nested < 0 || base > nested {
		t.Errorf("ephemeral CTEs missing or out of order:\n%s", out)
	}
	if !strings.Contains(out, "with __dbt__cte__eph_base") && !strings.Contains(out, "with  __dbt__cte__eph_base") && !strings.Contains(out, "with __dbt__cte__") {
		t.Errorf("CTEs not merged into the leading WITH:\n%s", out)
	}
	mustRun(t, dir, nil, "build") // payment_stats runs an introspective query while compiling
	res = mustRun(t, dir, nil, "compile")
	if _, err := os.Stat(filepath.Join(dir, "target", "compiled", "features", "analyses", "top_orders.sql")); err != nil {
		t.Errorf("analysis not compiled: %v", err)
	}
	// As dbt: run_results.json lists every compiled node — models, the
	// analysis, tests, seeds and the project hooks' operation nodes (rendered,
	// not run) — each a success; the Concurrency line precedes them.
	mustContain(t, res.stdout, "Concurrency: ")
	rr := runResults(t, dir)
	for _, id := range []string{"model.features.order_totals", "analysis.features.top_orders", "seed.features.raw_payments",
		"operation.features.features-on-run-start-0", "operation.features.features-on-run-start-1", "operation.features.features-on-run-end-0"} {
		if rr[id] != "success" {
			t.Errorf("compile's run_results.json: %s is %q, want success (all: %v)", id, rr[id], rr)
		}
	}
	// dbt never queues an ephemeral model, so it has no result of its own.
	if st, ok := rr["model.features.eph_base"]; ok {
		t.Errorf("compile's run_results.json lists the ephemeral eph_base (%s)", st)
	}
	// and manifest.json carries the hooks' rendered SQL
	var man struct {
		Nodes map[string]struct {
			CompiledCode string `json:"compiled_code"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "target", "manifest.json"))), &man); err != nil {
		t.Fatal(err)
	}
	if got := man.Nodes["operation.features.features-on-run-start-1"].CompiledCode; !strings.Contains(got, "insert into main.run_log") {
		t.Errorf("manifest.json: on-run-start hook compiled_code %q", got)
	}
	if rr["model.features.order_totals"] == "" || len(rr) < 10 {
		t.Errorf("compile's run_results.json lists %d nodes: %v", len(rr), rr)
	}
	// Nothing selected: dbt still ends with its summary and a Done line.
	res = mustRun(t, dir, nil, "seed", "--select", "tag:no_such_tag")
	mustContain(t, res.stdout, "Nothing to do", "Completed successfully", "Done. PASS=0 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=0")
	mustRun(t, dir, nil, "docs", "generate")
	if got := runResults(t, dir); len(got) != len(rr) || got["operation.features.features-on-run-end-0"] != "success" {
		t.Errorf("docs generate's run_results.json: %v, want compile's %v", got, rr)
	}
	res = mustRun(t, dir, nil, "compile", "--inline", "select * from {{ ref('stg_payments') }}")
	if !strings.Contains(res.stdout, `"features"."main"."stg_payments"`) {
		t.Errorf("compile --inline:\n%s", res.stdout)
	}
	names := strings.Fields(mustRun(t, dir, nil, "ls", "-s", "+order_totals", "--resource-type", "model", "--output", "name").stdout)
	if strings.Join(names, " ") != "eph_base eph_nested order_totals stg_payments" {
		t.Errorf("ls +order_totals: %v", names)
	}
	paths := mustRun(t, dir, nil, "ls", "-s", "tag:finance,config.materialized:table", "--resource-type", "model", "--output", "path").stdout
	if strings.TrimSpace(paths) != "models/marts/order_totals.sql\nmodels/marts/payment_stats.sql" {
		t.Errorf("ls intersection:\n%s", paths)
	}
	sel := mustRun(t, dir, nil, "ls", "-s", "2+order_totals", "--exclude", "eph_base", "--resource-type", "model").stdout
	if strings.TrimSpace(sel) != "features.staging.eph_nested\nfeatures.marts.order_totals" {
		t.Errorf("ls 2+ with --exclude:\n%s", sel)
	}
	for _, line := range strings.Split(strings.TrimSpace(mustRun(t, dir, nil, "ls", "-s", "path:models/staging", "--output", "json").stdout), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil || obj["unique_id"] == nil || obj["resource_type"] == nil {
			t.Errorf("ls json line %q: %v", line, err)
		}
	}
	// As dbt's ls: analyses only with --resource-type analysis (or all), never
	// by default, for a selector that matches them, or with "default".
	for _, args := range [][]string{{"ls"}, {"ls", "-s", "resource_type:analysis"}, {"ls", "-s", "+top_orders"}, {"ls", "--resource-type", "default"}} {
		if out := mustRun(t, dir, nil, args...).stdout; strings.Contains(out, "top_orders") {
			t.Errorf("%v lists the analysis:\n%s", args, out)
		}
	}
	for _, rt := range []string{"analysis", "all"} {
		if out := mustRun(t, dir, nil, "ls", "--resource-type", rt).stdout; !strings.Contains(out, "features.analysis.top_orders") {
			t.Errorf("ls --resource-type %s leaves out the analysis:\n%s", rt, out)
		}
	}
	if res := kiln(t, dir, nil, "ls", "-s", "tagg:finance"); res.code != 2 || !strings.Contains(res.all(), "did you mean 'tag'") {
		t.Errorf("bad selector: exit %d\n%s", res.code, res.all())
	}
	// A node that fails to compile: like dbt, exit 2 and no run_results.json.
	rrPath := filepath.Join(dir, "target", "run_results.json")
	if err := os.Remove(rrPath); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "models", "broken_at_runtime.sql"), "select {{ exceptions.raise_compiler_error('boom') if execute else 1 }}")
	if res := kiln(t, dir, nil, "compile"); res.code != ExitUsage || !strings.Contains(res.all(), "boom") {
		t.Errorf("compile with a failing node: exit %d\n%s", res.code, res.all())
	}
	if _, err := os.Stat(rrPath); !os.IsNotExist(err) {
		t.Errorf("compile with a failing node wrote run_results.json (%v)", err)
	}
	if res := kiln(t, dir, nil, "docs", "generate"); res.code != ExitUsage || !strings.Contains(res.all(), "boom") {
		t.Errorf("docs generate with a failing node: exit %d, want %d\n%s", res.code, ExitUsage, res.all())
	}
}

func TestFeaturesFailFastAndThreads(t *testing.T) {
	dir := featuresDir(t)
	writeFile(t, filepath.Join(dir, "models", "staging", "broken.sql"), "select no_such_column from {{ ref('raw_payments') }}")
	res := kiln(t, dir, nil, "build", "--threads", "1", "--fail-fast")
	if res.code != 1 {
		t.Fatalf("fail-fast exit %d\n%s", res.code, res.all())
	}
	if !strings.Contains(res.stdout, "ERROR creating sql view model main.broken") || !strings.Contains(res.stdout, "SKIP=") {
		t.Errorf("fail-fast output:\n%s", res.stdout)
	}
	rr := runResults(t, dir)
	if countStatus(rr, "model.", "skipped") == 0 {
		t.Errorf("fail-fast should leave unstarted models skipped: %v", rr)
	}
	// Without fail-fast, independent branches still finish.
	res = kiln(t, dir, nil, "build", "--threads", "4")
	if res.code != 1 || !strings.Contains(res.stdout, "OK created sql table model marts.order_totals") {
		t.Errorf("independent branch did not finish:\n%s", res.stdout)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFeaturesCancel interrupts a long model: kiln exits 130, writes
// run_results.json and leaves the previous relation intact.
func TestFeaturesCancel(t *testing.T) {
	dir := featuresDir(t)
	writeFile(t, filepath.Join(dir, "models", "slow.sql"), "{{ config(materialized='table') }} select 1 as kept")
	mustRun(t, dir, nil, "run", "-s", "slow")
	writeFile(t, filepath.Join(dir, "models", "slow.sql"), "{{ config(materialized='table') }} select count(*) as kept from range(100000000000) a")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(1500 * time.Millisecond); cancel() }()
	res := kilnCtx(t, ctx, dir, nil, "run", "-s", "slow")
	if res.code != ExitInterrupt {
		t.Fatalf("exit %d, want 130\n%s", res.code, res.all())
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "run_results.json")); err != nil {
		t.Errorf("run_results.json missing after Ctrl-C: %v", err)
	}
	if got := query(t, dir, "select kept from main.slow"); got != "1" {
		t.Errorf("the previous relation was not kept: %q", got)
	}
	if got := query(t, dir, "select count(*) from information_schema.tables where table_name like 'slow__dbt%'"); got != "0" {
		t.Errorf("temporary relations left behind: %s", got)
	}
}

// TestFeaturesLockedDatabase holds the DuckDB file in another process.
func TestFeaturesLockedDatabase(t *testing.T) {
	if os.Getenv("KILN_HOLD_DB") != "" {
		return
	}
	dir := featuresDir(t)
	mustRun(t, dir, nil, "seed")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldDatabase$")
	cmd.Env = append(os.Environ(), "KILN_HOLD_DB="+filepath.Join(dir, "features.duckdb"))
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.Contains(sc.Text(), "holding") {
	}
	res := kiln(t, dir, nil, "build")
	if res.code != ExitUsage || !strings.Contains(res.all(), "locked by another process") {
		t.Fatalf("exit %d\n%s", res.code, res.all())
	}
	// compile opens the database only when a node queries it: a model
	// that does not compiles beside the other process; one that calls
	// run_query reports the lock as build does.
	if res := kiln(t, dir, nil, "compile", "-s", "stg_payments"); res.code != 0 {
		t.Errorf("compile of a model that queries nothing: exit %d\n%s", res.code, res.all())
	}
	if res := kiln(t, dir, nil, "compile", "-s", "payment_stats"); res.code != ExitUsage || !strings.Contains(res.all(), "locked by another process") {
		t.Errorf("compile of a model that runs a query: exit %d\n%s", res.code, res.all())
	}
	cmd.Process.Kill()
	cmd.Wait()
	if got := query(t, dir, "select count(*) from main.raw_payments"); got != "4" {
		t.Errorf("data lost: %s", got)
	}
}

// TestHoldDatabase is the child process of TestFeaturesLockedDatabase.
func TestHoldDatabase(t *testing.T) {
	path := os.Getenv("KILN_HOLD_DB")
	if path == "" {
		t.Skip("helper process for TestFeaturesLockedDatabase")
	}
	_, done := openDB(t, path)
	defer done()
	os.Stdout.WriteString("holding\n")
	time.Sleep(60 * time.Second)
}

func TestCommandsInitDebugCleanVersion(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, nil, "init", "my_shop")
	dir := filepath.Join(root, "my_shop")
	if res := mustRun(t, dir, nil, "build"); !strings.Contains(res.stdout, "Completed successfully") {
		t.Errorf("scaffold build:\n%s", res.stdout)
	}
	if res := kiln(t, root, nil, "init", "my_shop"); res.code != ExitUsage {
		t.Errorf("init over an existing dir: exit %d", res.code)
	}
	if res := mustRun(t, dir, nil, "debug"); !strings.Contains(res.stdout, "All checks passed!") || !strings.Contains(res.stdout, "Connection test: [OK") {
		t.Errorf("debug:\n%s", res.stdout)
	}
	mustRun(t, dir, nil, "clean")
	if _, err := os.Stat(filepath.Join(dir, "target")); !os.IsNotExist(err) {
		t.Errorf("clean left target/: %v", err)
	}
	if res := mustRun(t, dir, nil, "--version"); !strings.HasPrefix(res.stdout, "kiln ") {
		t.Errorf("--version: %q", res.stdout)
	}
	// Project discovery walks up from a subdirectory.
	if res := mustRun(t, filepath.Join(dir, "models", "staging"), nil, "ls", "--resource-type", "model"); !strings.Contains(res.stdout, "my_shop.staging.stg_people") {
		t.Errorf("discovery from a subdirectory:\n%s", res.stdout)
	}
}
