package cli

// Faults: what a killed, interrupted or starved run leaves behind, and what
// the next command makes of it.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var kilnBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// TestMain removes the kiln binary built for the separate-process tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if kilnBinary.dir != "" {
		os.RemoveAll(kilnBinary.dir)
	}
	os.Exit(code)
}

// builtKiln builds cmd/kiln once per test binary, for tests that must kill
// a real process.
func builtKiln(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the kiln binary")
	}
	kilnBinary.once.Do(func() {
		kilnBinary.dir, kilnBinary.err = os.MkdirTemp("", "kiln-bin-")
		if kilnBinary.err != nil {
			return
		}
		kilnBinary.path = filepath.Join(kilnBinary.dir, "kiln")
		build := exec.Command("go", "build", "-o", kilnBinary.path, "./cmd/kiln")
		build.Dir = repoRoot(t)
		kilnBinary.out, kilnBinary.err = build.CombinedOutput()
	})
	if kilnBinary.err != nil {
		t.Fatalf("go build: %v\n%s", kilnBinary.err, kilnBinary.out)
	}
	return kilnBinary.path
}

// duckProject writes a DuckDB project (name faults, database db.duckdb)
// with the given files.
func duckProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "dbt_project.yml"), "name: faults\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: faults\n")
	writeFile(t, filepath.Join(dir, "profiles.yml"), "faults:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: db.duckdb\n      threads: 2\n")
	for name, body := range files {
		writeFile(t, filepath.Join(dir, name), body)
	}
	return dir
}

type runResultsFile struct {
	Results []struct {
		Status   string  `json:"status"`
		UniqueID string  `json:"unique_id"`
		Message  *string `json:"message"`
	} `json:"results"`
}

func readRunResults(t *testing.T, dir string) runResultsFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rr runResultsFile
	if err := json.Unmarshal(b, &rr); err != nil {
		t.Fatalf("run_results.json: %v\n%s", err, b)
	}
	return rr
}

// TestKilledRunIsIncompleteAndRetried kills a build with SIGKILL while a
// slow model runs: run_results.json must not look like a finished green run
// (the unfinished nodes are listed as skipped, and the file still validates
// against dbt's schema), and `kiln retry` must run exactly those nodes.
func TestKilledRunIsIncompleteAndRetried(t *testing.T) {
	bin := builtKiln(t)
	dir := duckProject(t, map[string]string{
		"models/fast_a.sql": "select 1 as id",
		"models/fast_b.sql": "select 2 as id",
		"models/slow.sql": "{{ config(materialized='table') }}\n" +
			"{% if env_var('KILN_TEST_SLOW', '') %} select count(*) as n from range(100000000000) a, range(10) b\n" +
			"{% else %} select 1 as n {% endif %}",
		"models/after_slow.sql": "select * from {{ ref('slow') }}",
	})
	// A previous green run: the killed run must not leave its file behind.
	mustRun(t, dir, nil, "build")

	cmd := exec.Command(bin, "build")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KILN_TEST_SLOW=1")
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !(strings.Contains(out.String(), "START sql table model main.slow") && strings.Count(out.String(), "OK created sql view model") == 2) {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the slow model never started:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// run_results.json is rewritten as nodes finish (every 200 ms at most):
	// wait until it shows both views done, however loaded the machine is.
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json")); err == nil && strings.Contains(string(b), "Not finished") &&
			strings.Count(string(b), `"status": "success"`)+strings.Count(string(b), `"status":"success"`) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("run_results.json never showed the two finished views:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if strings.Contains(out.String(), "Finished running") {
		t.Fatalf("kiln ended before it was killed:\n%s", out.String())
	}

	rr := readRunResults(t, dir)
	got := map[string]string{}
	for _, r := range rr.Results {
		got[r.UniqueID] = r.Status
		if r.Status == "skipped" && (r.Message == nil || !strings.Contains(*r.Message, "Not finished")) {
			t.Errorf("%s: message %v, want one saying it did not finish", r.UniqueID, r.Message)
		}
	}
	want := map[string]string{"model.faults.fast_a": "success", "model.faults.fast_b": "success",
		"model.faults.slow": "skipped", "model.faults.after_slow": "skipped"}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("after SIGKILL %s is %q in run_results.json, want %q (all: %v)", id, got[id], st, got)
		}
	}
	validateArtifacts(t, dir)

	res := mustRun(t, dir, nil, "retry")
	mustContain(t, res.stdout, "OK created sql table model main.slow", "OK created sql view model main.after_slow", "TOTAL=2")
	if strings.Contains(res.stdout, "fast_a") {
		t.Errorf("retry re-ran a node that had finished:\n%s", res.stdout)
	}
	if res := mustRun(t, dir, nil, "retry"); !strings.Contains(res.stdout, "Nothing to retry") {
		t.Errorf("second retry:\n%s", res.stdout)
	}
}

// TestStatementEndsWithSemicolonAndComment: a model, an ephemeral model and
// a singular test whose SQL ends in `;` and a `-- comment` build on DuckDB,
// as they do on PostgreSQL (one trimmer is shared by every adapter).
func TestStatementEndsWithSemicolonAndComment(t *testing.T) {
	dir := duckProject(t, map[string]string{
		"models/orders.sql":     "select 1 as id, 'a;--b' as note; -- the end of the model\n",
		"models/eph.sql":        "{{ config(materialized='ephemeral') }}\nselect 2 as id;\n-- trailing\n",
		"models/both.sql":       "{{ config(materialized='table') }}\nselect id from {{ ref('orders') }} union all select id from {{ ref('eph') }};\n/* done */",
		"tests/no_negative.sql": "select * from {{ ref('both') }} where id < 0; -- none expected",
	})
	res := mustRun(t, dir, nil, "build")
	mustContain(t, res.stdout, "PASS=3")
	if got := query2(t, filepath.Join(dir, "db.duckdb"), "select string_agg(cast(id as varchar), ',' order by id) from main.both"); got != "1,2" {
		t.Errorf("both: %q", got)
	}
	if got := query2(t, filepath.Join(dir, "db.duckdb"), "select note from main.orders"); got != "a;--b" {
		t.Errorf("orders.note: %q (a ';' or '--' inside a string must be kept)", got)
	}
	res = mustRun(t, dir, nil, "show", "-s", "orders")
	mustContain(t, res.stdout, "a;--b")
}

// query2 returns the first cell of a query on a DuckDB file.
func query2(t *testing.T, db, q string) string {
	t.Helper()
	rows := querySQL(t, db, q)
	if len(rows) == 0 || len(rows[0]) == 0 {
		return ""
	}
	return fmtCell(rows[0][0])
}

// TestArtifactWriteFailures: a file under target/ that cannot be written
// (here: a directory or a regular file in the way, as a full disk would
// fail the write) is reported, and the command exits non-zero.
func TestArtifactWriteFailures(t *testing.T) {
	files := map[string]string{"models/orders.sql": "select 1 as id"}
	t.Run("run_results.json", func(t *testing.T) {
		dir := duckProject(t, files)
		writeFile(t, filepath.Join(dir, "target", "run_results.json", "in_the_way"), "")
		res := kiln(t, dir, nil, "build")
		if res.code != ExitUsage {
			t.Fatalf("exit %d, want %d\n%s", res.code, ExitUsage, res.all())
		}
		mustContain(t, res.stderr, "could not write kiln's artifacts", "writing run_results.json", "the warehouse was changed")
		mustContain(t, res.stdout, "OK created sql view model main.orders")
		if left, _ := filepath.Glob(filepath.Join(dir, "target", ".tmp-*")); len(left) > 0 {
			t.Errorf("temporary files left in target/: %v", left)
		}
	})
	t.Run("with a failing node", func(t *testing.T) {
		dir := duckProject(t, map[string]string{"models/orders.sql": "select 1 as id", "models/broken.sql": "select nope"})
		writeFile(t, filepath.Join(dir, "target", "run_results.json", "in_the_way"), "")
		res := kiln(t, dir, nil, "build")
		if res.code != ExitFailure {
			t.Fatalf("exit %d, want %d (the node failure)\n%s", res.code, ExitFailure, res.all())
		}
		mustContain(t, res.stderr, "could not write kiln's artifacts")
	})
	t.Run("compiled SQL", func(t *testing.T) {
		dir := duckProject(t, files)
		writeFile(t, filepath.Join(dir, "target", "compiled"), "a file where a directory must be")
		for _, args := range [][]string{{"build"}, {"compile"}, {"docs", "generate"}} {
			res := kiln(t, dir, nil, args...)
			if res.code != ExitUsage {
				t.Errorf("%v: exit %d, want %d\n%s", args, res.code, ExitUsage, res.all())
			}
			mustContain(t, res.stderr, "could not write kiln's artifacts", "compiled")
		}
	})
	t.Run("target path is not a directory", func(t *testing.T) {
		dir := duckProject(t, files)
		for _, target := range []string{"/dev/full", filepath.Join(dir, "models", "orders.sql")} {
			for _, args := range [][]string{{"build"}, {"ls"}, {"parse"}, {"show", "-s", "orders"}, {"run-operation", "nothing"}} {
				res := kiln(t, dir, nil, append(args, "--target-path", target)...)
				if res.code == 0 {
					t.Errorf("%v --target-path %s: exit 0\n%s", args, target, res.all())
				}
				mustContain(t, res.stderr, "manifest.json")
			}
		}
		if got := query2(t, filepath.Join(dir, "db.duckdb"), "select count(*) from information_schema.tables where table_name = 'orders'"); got != "0" {
			t.Errorf("build ran although its manifest could not be written: %s", got)
		}
	})
}

// TestSecretsNeverWritten: DBT_ENV_SECRET_* values are masked in every
// output and file kiln writes, env_var() of one is refused outside
// profiles.yml and packages.yml (as in dbt), and the parse cache holds
// hashes of the var and env var values it depends on, never the values.
func TestSecretsNeverWritten(t *testing.T) {
	const schemaSecret, varSecret, plain = "kiln_sekrit_schema_4711", "kiln-var-sekrit-0815", "kiln-plain-env-value-42"
	dir := duckProject(t, map[string]string{
		"models/orders.sql": "{{ log('note is ' ~ var('note'), info=true) }}\nselect 1 as id, '{{ var(\"note\") }}' as note, '{{ env_var(\"KILN_TEST_PLAIN\") }}' as plain",
		"models/after.sql":  "select * from {{ ref('orders') }} where note = '{{ var(\"note\") }}'",
	})
	writeFile(t, filepath.Join(dir, "profiles.yml"), "faults:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: db.duckdb\n"+
		"      schema: \"{{ env_var('DBT_ENV_SECRET_SCHEMA') }}\"\n      threads: 2\n")
	env := map[string]string{"DBT_ENV_SECRET_SCHEMA": schemaSecret, "DBT_ENV_SECRET_NOTE": varSecret, "KILN_TEST_PLAIN": plain}
	vars := "{note: " + varSecret + "}"
	var outputs []string
	for _, args := range [][]string{{"build", "--vars", vars}, {"compile", "--vars", vars}, {"ls", "--vars", vars, "--output", "json"},
		{"docs", "generate", "--vars", vars}, {"show", "-s", "orders", "--vars", vars}, {"build", "--vars", vars, "--log-format", "json"}} {
		res := kiln(t, dir, env, args...)
		if res.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, res.code, res.all())
		}
		outputs = append(outputs, res.all())
	}
	mustContain(t, outputs[0], "OK created sql view model *****.orders", "note is *****")
	// The warehouse has the real names and values.
	if got := query2(t, filepath.Join(dir, "db.duckdb"), "select note from "+schemaSecret+".orders"); got != varSecret {
		t.Errorf("the model was not built with the real values: %q", got)
	}
	for i, out := range outputs {
		for _, s := range []string{schemaSecret, varSecret} {
			if strings.Contains(out, s) {
				t.Errorf("output %d shows a secret:\n%s", i, out)
			}
		}
	}
	// Every file kiln wrote — target/, logs/dbt.log — except the warehouse.
	wrote := map[string]bool{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.HasPrefix(info.Name(), "db.duckdb") || strings.HasSuffix(p, "profiles.yml") {
			return err
		}
		wrote[filepath.Base(filepath.Dir(p))+"/"+info.Name()] = true
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range []string{schemaSecret, varSecret} {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds a secret value", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"logs/dbt.log", "target/manifest.json", "target/run_results.json", "target/catalog.json"} {
		if !wrote[f] {
			t.Errorf("%s was not written; the check above proves nothing about it", f)
		}
	}

	// Without a secret in the captured values, the parse cache is written
	// and holds hashes only.
	plainDir := duckProject(t, map[string]string{"models/orders.sql": "select '{{ var(\"note\") }}' as note, '{{ env_var(\"KILN_TEST_PLAIN\") }}' as plain"})
	mustRun(t, plainDir, env, "parse", "--vars", "{note: kiln-plain-var-value-77}")
	cache, err := os.ReadFile(filepath.Join(plainDir, "target", "kiln_parse_cache.gob"))
	if err != nil {
		t.Fatalf("parse cache not written: %v", err)
	}
	for _, v := range []string{plain, "kiln-plain-var-value-77"} {
		if strings.Contains(string(cache), v) {
			t.Errorf("the parse cache holds the value %q", v)
		}
	}

	// env_var() of a secret outside profiles.yml and packages.yml.
	for file, body := range map[string]string{
		"models/leak.sql":  "select '{{ env_var(\"DBT_ENV_SECRET_NOTE\") }}' as t",
		"macros/leak.sql":  "{% macro leak() %}{{ return(env_var('DBT_ENV_SECRET_NOTE', 'x')) }}{% endmacro %}",
		"dbt_project.yml":  "name: faults\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: faults\nmodels:\n  faults:\n    +meta:\n      owner: \"{{ env_var('DBT_ENV_SECRET_NOTE') }}\"\n",
		"models/props.yml": "version: 2\nmodels:\n  - name: orders\n    description: \"{{ env_var('DBT_ENV_SECRET_NOTE') }}\"\n",
	} {
		d := duckProject(t, map[string]string{"models/orders.sql": "select 1 as id"})
		writeFile(t, filepath.Join(d, file), body)
		if file == "macros/leak.sql" {
			writeFile(t, filepath.Join(d, "models", "in_macro.sql"), "select '{{ leak() }}' as t")
		}
		res := kiln(t, d, env, "build")
		if res.code != ExitUsage {
			t.Errorf("%s: exit %d, want %d\n%s", file, res.code, ExitUsage, res.all())
		}
		mustContain(t, res.stderr, "DBT_ENV_SECRET_NOTE", "allowed only in profiles.yml and packages.yml")
		if strings.Contains(res.all(), varSecret) {
			t.Errorf("%s: the refusal shows the value:\n%s", file, res.all())
		}
	}
}
