package differ

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestInjectKeepsExistingHooks(t *testing.T) {
	for name, tc := range map[string]struct {
		yml  string
		want []string
	}{
		"none":   {"name: p\n", []string{dumpHook}},
		"string": {"name: p\non-run-end: \"select 1\"\n", []string{"select 1", dumpHook}},
		"list":   {"name: p\non-run-end:\n  - a\n  - b\n", []string{"a", "b", dumpHook}},
		"null":   {"name: p\non-run-end:\n", []string{dumpHook}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "dbt_project.yml"), []byte(tc.yml), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := inject(dir, "macros"); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "dbt_project.yml"))
			var got struct {
				Name string   `yaml:"name"`
				End  []string `yaml:"on-run-end"`
			}
			if err := yaml.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if got.Name != "p" || strings.Join(got.End, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %+v\n%s", got, b)
			}
			if m, err := os.ReadFile(filepath.Join(dir, "macros", "__dbtdiff__.sql")); err != nil || !strings.Contains(string(m), "__dbtdiff_dump") {
				t.Errorf("macro file: %v", err)
			}
		})
	}
}

func TestFindDumpInJSONAndText(t *testing.T) {
	payload := `{"target": {"type": "duckdb"}, "graph": {"nodes": {}}, "results": [{"unique_id": "model.p.a", "status": "success"}]}`
	for name, out := range map[string]string{
		"json": `{"info": {"name": "JinjaLogInfo", "msg": "DBTDIFF ` + strings.ReplaceAll(payload, `"`, `\"`) + `"}}` + "\n",
		"text": "12:00:00  DBTDIFF " + payload + "\n",
	} {
		d, err := findDump("noise\n" + out)
		if err != nil || d == nil {
			t.Fatalf("%s: %v %v", name, d, err)
		}
		if d.Target["type"] != "duckdb" || len(d.Results) != 1 || d.Results[0]["unique_id"] != "model.p.a" {
			t.Errorf("%s: %+v", name, d)
		}
	}
	if d, err := findDump("nothing here"); d != nil || err != nil {
		t.Errorf("no dump: %v %v", d, err)
	}
}

func TestAllowlistAndKnown(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "allow.yml")
	os.WriteFile(p, []byte(`
- check: "compiled_code"
  node: "test.*.unique_*"
  reason: kiln's unique test SQL is its own
- check: "events[*]"
  kiln: "*LogModelResult*"
  reason: more events
`), 0o644)
	a, err := LoadAllowlist(p)
	if err != nil {
		t.Fatal(err)
	}
	d := Difference{Target: "duckdb", Project: "p", Node: "test.p.unique_orders_id.abc", Check: "compiled_code"}
	if r, ok := a.Explain(d); !ok || r != "kiln's unique test SQL is its own" {
		t.Errorf("explain: %q %v", r, ok)
	}
	d.Node = "test.p.not_null_orders_id.abc"
	if _, ok := a.Explain(d); ok {
		t.Error("not_null must not match")
	}
	if _, ok := a.Explain(Difference{Check: "events[build]", Kiln: "LogModelResult Q012"}); !ok {
		t.Error("value pattern must match")
	}
	if _, ok := a.Explain(Difference{Check: "events[build]", Kiln: "LogTestResult"}); ok {
		t.Error("value pattern must not match")
	}
	os.WriteFile(p, []byte("- check: x\n"), 0o644)
	if _, err := LoadAllowlist(p); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Errorf("entry without reason: %v", err)
	}

	rep := &Report{Diffs: []Difference{{Target: "duckdb", Project: "p", Check: "exit[build]"}, {Target: "duckdb", Project: "p", Node: "model.p.a", Check: "rows", Reason: "x"}}}
	kp := filepath.Join(dir, "known.txt")
	if err := WriteKnown(kp, "# header\n", rep); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKnown(kp)
	if err != nil || k.Len() != 1 || !k.Has(rep.Diffs[0]) || k.Has(rep.Diffs[1]) {
		t.Errorf("known: %v len %d", err, k.Len())
	}
}

func TestCommonDirAndLocalPackages(t *testing.T) {
	if got := commonDir("/a/b/integration_tests", "/a/b"); got != "/a/b" {
		t.Errorf("commonDir: %s", got)
	}
	if got := commonDir("/a/b/c", "/a/x/y"); got != "/a" {
		t.Errorf("commonDir: %s", got)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "packages.yml"), []byte("packages:\n  - local: ../\n  - package: dbt-labs/dbt_utils\n    version: 1.0.0\n"), 0o644)
	locals, declared, err := localPackages(filepath.Join(dir, "packages.yml"))
	if err != nil || !declared || len(locals) != 1 || locals[0] != filepath.Dir(dir) {
		t.Errorf("localPackages: %v %v %v", locals, declared, err)
	}
}

func TestBatteryCoversTheSelectionLanguage(t *testing.T) {
	m := map[string]any{
		"nodes": map[string]any{
			"model.p.a": map[string]any{"resource_type": "model", "name": "a", "package_name": "p", "original_file_path": "models/staging/a.sql", "tags": []any{"nightly"}, "config": map[string]any{"materialized": "view"}},
			"model.p.b": map[string]any{"resource_type": "model", "name": "b", "package_name": "p", "original_file_path": "models/b.sql", "config": map[string]any{"materialized": "table"}},
			"test.p.t":  map[string]any{"resource_type": "test", "name": "t", "package_name": "p"},
		},
		"sources":   map[string]any{"source.p.raw.x": map[string]any{"source_name": "raw"}},
		"selectors": map[string]any{"nightly_only": map[string]any{}},
	}
	var keys []string
	for _, s := range battery(m, "p", 300) {
		keys = append(keys, s.Key)
	}
	all := strings.Join(keys, "\n")
	for _, want := range []string{"-s a", "-s +a", "-s a+", "-s @a", "-s tag:nightly", "-s path:models/staging",
		"-s config.materialized:table", "-s resource_type:test", "-s test_type:generic", "-s source:raw+",
		"-s a+,resource_type:test", "-s +a --exclude a", "--selector nightly_only"} {
		if !strings.Contains("\n"+all+"\n", "\n"+want+"\n") {
			t.Errorf("battery lacks %q:\n%s", want, all)
		}
	}
	if len(battery(m, "p", 5)) != 5 {
		t.Error("cap not applied")
	}
}

func TestCompareEntityNormalises(t *testing.T) {
	c := &comparison{o: Options{Target: "duckdb"}, ws: &workspace{label: "p"}, rep: &Report{}}
	c.compareEntity("manifest", "model.p.a",
		map[string]any{"tags": []any{"b", "a"}, "created_at": 1.0, "config": map[string]any{"materialized": "view", "enabled": true}, "depends_on": map[string]any{"nodes": []any{"y", "x"}}},
		map[string]any{"tags": []any{"a", "b"}, "created_at": 2.0, "config": map[string]any{"materialized": "table"}, "depends_on": map[string]any{"nodes": []any{"x", "y"}}})
	var checks []string
	for _, d := range c.rep.Diffs {
		checks = append(checks, d.Check+"="+d.DBT+"/"+d.Kiln)
	}
	got := strings.Join(checks, " ")
	if got != `manifest.config.enabled=true/(absent) manifest.config.materialized="view"/"table"` {
		t.Errorf("diffs: %s", got)
	}
	if normSQL("select  1\n\tfrom x ") != "select 1 from x" {
		t.Error("normSQL")
	}
	if canonValue(2.50) != "2.5" || canonValue(float32(3)) != "3" || canonValue(nil) != "NULL" {
		t.Error("canonValue")
	}
}

func TestKnownGoneOnlyJudgesProjectsRun(t *testing.T) {
	k := &Known{keys: map[string]bool{
		"duckdb a - exit[build]":      true,
		"duckdb a n1 manifest.fqn":    true,
		"postgres a - exit[build]":    true,
		"duckdb b n2 manifest.config": true,
	}}
	rep := &Report{Target: "duckdb", Project: "a", Diffs: []Difference{{Target: "duckdb", Project: "a", Check: "exit[build]"}}}
	got := k.Gone(rep)
	if len(got) != 1 || got[0] != "duckdb a n1 manifest.fqn" {
		t.Errorf("Gone = %v, want only the duckdb/a difference that did not recur", got)
	}
}

func TestUseLocalPackagesRewritesHubEntries(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "packages.yml")
	if err := os.WriteFile(p, []byte("packages:\n  - package: dbt-labs/dbt_utils\n    version: [\">=0.9.0\", \"<2.0.0\"]\n  - package: other/pkg\n    version: 1.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := useLocalPackages(root, map[string]string{"dbt-labs/dbt_utils": "/corpus/dbt-utils"}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	got := string(b)
	if !strings.Contains(got, "local: /corpus/dbt-utils") || strings.Contains(got, "dbt-labs/dbt_utils") || !strings.Contains(got, "package: other/pkg") {
		t.Errorf("rewritten packages.yml:\n%s", got)
	}
}

// The repository's allowlist loads, explains the intended message
// differences, and nothing broader: a status difference stays unexplained.
func TestRepositoryAllowlist(t *testing.T) {
	a, err := LoadAllowlist(filepath.Join("..", "allowlist.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []Difference{
		{Target: "duckdb", Project: "p", Node: "model.p.b", Check: "results[build].message", DBT: "null", Kiln: `"Skipped because model.p.a failed"`},
		{Target: "postgres", Project: "p", Node: "model.p.a", Check: "results[build].message", DBT: `"Runtime Error in model a (models/a.sql)\n  boom"`, Kiln: `"Database Error in model a (models/a.sql)\n  boom"`},
	} {
		if _, ok := a.Explain(d); !ok {
			t.Errorf("not explained: %s", d)
		}
	}
	for _, d := range []Difference{
		{Target: "duckdb", Project: "p", Node: "model.p.a", Check: "results[build].status", DBT: `"success"`, Kiln: `"error"`},
		{Target: "duckdb", Project: "p", Node: "model.p.a", Check: "results[build].message", DBT: `"ok"`, Kiln: `"Database Error in model a"`},
	} {
		if reason, ok := a.Explain(d); ok {
			t.Errorf("%s explained by %q", d, reason)
		}
	}
}

func TestConfirmedKeepsOnlyRepeatedDifferences(t *testing.T) {
	a := Difference{Target: "duckdb", Project: "p", Node: "model.p.a", Check: "events[build]"}
	b := Difference{Target: "duckdb", Project: "p", Node: "model.p.b", Check: "rows"}
	known := Difference{Target: "duckdb", Project: "p", Node: "model.p.a", Check: "rows", Known: true}
	second := &Report{Diffs: []Difference{b, {Target: "duckdb", Project: "p", Node: "model.p.c", Check: "rows"}, known}}
	got := confirmed([]Difference{a, b}, second)
	if len(got) != 1 || got[0].Key() != b.Key() {
		t.Fatalf("confirmed = %v, want only %v", got, b)
	}
}

// Per-node results of a command both tools stopped with exit 2 are not
// compared (dbt's are partial and depend on thread timing); a command that
// only dbt stopped still is.
func TestAbortedCommandSkipsPerNodeChecks(t *testing.T) {
	rr := func(status string) map[string]map[string]any {
		return map[string]map[string]any{"run_results": {"results": []any{map[string]any{"unique_id": "model.p.a", "status": status}}}}
	}
	for _, tc := range []struct {
		dbtExit, kilnExit int
		wantDiffs         int
	}{{2, 2, 0}, {2, 1, 1}} {
		c := &comparison{o: Options{Target: "duckdb"}, ws: &workspace{label: "p"}, rep: &Report{}}
		rec := &stepRecord{cmd: "compile", dbt: &output{exit: tc.dbtExit, artifacts: rr("success")}, kiln: &output{exit: tc.kilnExit, artifacts: rr("error")}}
		c.compareNodes("compile", rec)
		n := 0
		for _, d := range c.rep.Diffs {
			if d.Check == "run_results[compile].status" {
				n++
			}
		}
		if n != tc.wantDiffs {
			t.Errorf("dbt exit %d, kiln exit %d: %d status differences, want %d", tc.dbtExit, tc.kilnExit, n, tc.wantDiffs)
		}
	}
}
