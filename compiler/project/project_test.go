package project

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/internal/diag"
)

// writeTree creates files (slash paths → contents) under a temp dir.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// hasDiag reports whether l has a diagnostic of severity sev whose String()
// contains every part.
func hasDiag(l diag.List, sev diag.Severity, parts ...string) bool {
	for _, d := range l {
		if d.Severity != sev {
			continue
		}
		s := d.String()
		ok := true
		for _, p := range parts {
			if !strings.Contains(s, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func TestFindProjectDir(t *testing.T) {
	root := writeTree(t, map[string]string{
		"proj/dbt_project.yml":     "name: p\n",
		"proj/models/sub/x.sql":    "select 1",
		"other/dbt_project.yml":    "name: o\n",
		"empty/readme.txt":         "",
		"proj/models/sub/deep/a.b": "",
	})
	proj := filepath.Join(root, "proj")
	cases := []struct {
		name, flag, env, cwd, want, errPart string
	}{
		{name: "walk up", cwd: filepath.Join(proj, "models", "sub", "deep"), want: proj},
		{name: "cwd is project", cwd: proj, want: proj},
		{name: "flag wins", flag: "../other", env: proj, cwd: proj, want: filepath.Join(root, "other")},
		{name: "env", env: filepath.Join(root, "other"), cwd: proj, want: filepath.Join(root, "other")},
		{name: "flag without project", flag: filepath.Join(root, "empty"), cwd: proj, errPart: "no dbt_project.yml in " + filepath.Join(root, "empty") + " (given by --project-dir)"},
		{name: "flag missing dir", flag: filepath.Join(root, "nope"), cwd: proj, errPart: "does not exist"},
		{name: "env without project", env: filepath.Join(root, "empty"), cwd: proj, errPart: "DBT_PROJECT_DIR"},
		{name: "none", cwd: filepath.Join(root, "empty"), errPart: "no dbt_project.yml found in " + filepath.Join(root, "empty") + " or any parent directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := FindProjectDir(c.flag, c.env, c.cwd)
			if c.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), c.errPart) {
					t.Fatalf("err = %v, want containing %q", err, c.errPart)
				}
				var d diag.Diagnostic
				if !errors.As(err, &d) || d.Suggestion == "" {
					t.Fatalf("want a diag.Diagnostic with a suggestion, got %#v", err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestFindProfilesDir(t *testing.T) {
	root := writeTree(t, map[string]string{
		"home/.dbt/profiles.yml":     "x: {}\n",
		"nohome/readme":              "",
		"cwdp/profiles.yml":          "x: {}\n",
		"proj/profiles.yml":          "x: {}\n",
		"proj/dbt_project.yml":       "name: p\n",
		"bare/dbt_project.yml":       "name: p\n",
		"somewhere/else/placeholder": "",
	})
	j := func(p ...string) string { return filepath.Join(append([]string{root}, p...)...) }
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		name             string
		flag             string
		env              map[string]string
		cwd, proj, home  string
		want             string
		lookedContaining string
	}{
		{name: "flag", flag: "cfg", cwd: j("cwdp"), proj: j("proj"), home: j("home"), want: j("cwdp", "cfg")},
		{name: "env legacy", env: map[string]string{"DBT_PROFILES_DIR": j("x")}, cwd: j("cwdp"), home: j("home"), want: j("x")},
		{name: "env engine wins", env: map[string]string{"DBT_PROFILES_DIR": j("x"), "DBT_ENGINE_PROFILES_DIR": j("y")}, cwd: j("cwdp"), home: j("home"), want: j("y")},
		{name: "cwd", cwd: j("cwdp"), proj: j("proj"), home: j("home"), want: j("cwdp")},
		{name: "home", cwd: j("somewhere"), proj: j("proj"), home: j("home"), want: j("home", ".dbt")},
		{name: "project fallback (kiln)", cwd: j("somewhere"), proj: j("proj"), home: j("nohome"), want: j("proj"), lookedContaining: "(project directory)"},
		{name: "nothing", cwd: j("somewhere"), proj: j("bare"), home: j("nohome"), want: j("nohome", ".dbt"), lookedContaining: j("nohome", ".dbt")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, looked := FindProfilesDir(c.flag, env(c.env), c.cwd, c.proj, c.home)
			if got != c.want {
				t.Fatalf("got %q want %q (looked %v)", got, c.want, looked)
			}
			if len(looked) == 0 {
				t.Fatal("no places looked reported")
			}
			if c.lookedContaining != "" && !strings.Contains(strings.Join(looked, "\n"), c.lookedContaining) {
				t.Fatalf("looked %v lacks %q", looked, c.lookedContaining)
			}
		})
	}
}

const fullProject = `
name: jaffle_shop
version: '1.0.0'
config-version: 2
profile: "{{ env_var('PROFILE', 'jaffle') }}"
model-paths: ["models", "more_models/"]
seed-paths: [seeds]
test-paths: ["tests"]
target-path: "target"
clean-targets: [target, dbt_packages]
require-dbt-version: ">=1.7.0"
vars:
  start_date: "{{ env_var('START') }}"
  my_pkg:
    x: 1
on-run-start:
  - "create schema if not exists {{ target.schema }}"
  - sql: "grant usage on schema x to y"
    transaction: false
on-run-end: "select 1"
dispatch:
  - macro_namespace: dbt_utils
    search_order: [jaffle_shop, dbt_utils]
quoting:
  database: false
  identifier: true
flags:
  send_anonymous_usage_stats: false
query-comment: "{{ query_comment }}"
dbt-cloud:
  project-id: 7
models:
  +materialized: view
  +tags: [base]
  jaffle_shop:
    +enabled: "{{ env_var('ENABLED', 'true') }}"
    staging:
      +materialized: view
      +tags: ["staging"]
      +post-hook: "grant select on {{ this }} to reporter"
      legacy:
        enabled: false
    marts:
      +materialized: table
      +meta: {owner: team}
      core:
        +meta: {tier: 1}
        +schema: core
seeds:
  jaffle_shop:
    +column_types:
      id: integer
`

func stubRender(path string, line int, s string) (string, error) {
	switch {
	case strings.Contains(s, "env_var('PROFILE'"):
		return "jaffle", nil
	case strings.Contains(s, "env_var('ENABLED'"):
		return "True", nil
	case strings.Contains(s, "fail"):
		return "", fmt.Errorf("env var FAIL not set")
	}
	return "RENDERED", nil
}

func TestLoadProjectFull(t *testing.T) {
	dir := writeTree(t, map[string]string{"dbt_project.yml": fullProject})
	p, diags := LoadProject(dir, stubRender)
	if len(diags) != 0 {
		t.Fatalf("unexpected diagnostics:\n%v", diags)
	}
	if p.Name != "jaffle_shop" || p.Version != "1.0.0" || p.ConfigVersion != 2 || p.Profile != "jaffle" {
		t.Errorf("header: %+v", p)
	}
	if !reflect.DeepEqual(p.ModelPaths, []string{"models", "more_models"}) {
		t.Errorf("model paths %v", p.ModelPaths)
	}
	if !reflect.DeepEqual(p.MacroPaths, []string{"macros"}) || !reflect.DeepEqual(p.SnapshotPaths, []string{"snapshots"}) ||
		!reflect.DeepEqual(p.AnalysisPaths, []string{"analyses"}) || p.PackagesInstallPath != "dbt_packages" || p.LogPath != "logs" {
		t.Errorf("defaults: %+v", p)
	}
	wantDocs := []string{"models", "more_models", "seeds", "snapshots", "analyses", "macros", "tests", "functions"}
	if !reflect.DeepEqual(p.DocsPaths, wantDocs) {
		t.Errorf("docs paths %v, want %v", p.DocsPaths, wantDocs)
	}
	if !reflect.DeepEqual(p.CleanTargets, []string{"target", "dbt_packages"}) {
		t.Errorf("clean targets %v", p.CleanTargets)
	}
	if !reflect.DeepEqual(p.RequireDbtVersion, []string{">=1.7.0"}) {
		t.Errorf("require %v", p.RequireDbtVersion)
	}
	if p.Vars["start_date"] != "{{ env_var('START') }}" {
		t.Errorf("vars must stay unrendered: %v", p.Vars)
	}
	if m, _ := p.Vars["my_pkg"].(map[string]any); m["x"] != 1 {
		t.Errorf("package vars: %v", p.Vars)
	}
	if len(p.OnRunStart) != 2 || p.OnRunStart[0].SQL != "create schema if not exists {{ target.schema }}" ||
		p.OnRunStart[0].Pos.Line != 17 || p.OnRunStart[1].Transaction || p.OnRunStart[1].SQL != "grant usage on schema x to y" {
		t.Errorf("on-run-start %+v", p.OnRunStart)
	}
	if len(p.OnRunEnd) != 1 || p.OnRunEnd[0].SQL != "select 1" {
		t.Errorf("on-run-end %+v", p.OnRunEnd)
	}
	if len(p.Dispatch) != 1 || p.Dispatch[0].MacroNamespace != "dbt_utils" || !reflect.DeepEqual(p.Dispatch[0].SearchOrder, []string{"jaffle_shop", "dbt_utils"}) {
		t.Errorf("dispatch %+v", p.Dispatch)
	}
	if !reflect.DeepEqual(p.Quoting, map[string]bool{"database": false, "identifier": true}) {
		t.Errorf("quoting %v", p.Quoting)
	}
	if p.Flags["send_anonymous_usage_stats"] != false {
		t.Errorf("flags %v", p.Flags)
	}
	if p.QueryComment != "{{ query_comment }}" {
		t.Errorf("query-comment must stay unrendered: %v", p.QueryComment)
	}
	if _, ok := p.Raw["dbt-cloud"]; !ok {
		t.Error("Raw lacks dbt-cloud")
	}
	if p.KeyPos["models"].Line != 32 {
		t.Errorf("models pos %v", p.KeyPos["models"])
	}

	cfg := p.ConfigFor("models", []string{"jaffle_shop", "marts", "core", "orders"})
	want := map[string]any{
		"materialized": "table", "tags": []any{"base"}, "enabled": true,
		"meta": map[string]any{"owner": "team", "tier": 1}, "schema": "core",
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("ConfigFor marts/core:\n got %#v\nwant %#v", cfg, want)
	}
	cfg = p.ConfigFor("models", []string{"jaffle_shop", "staging", "legacy", "old"})
	want = map[string]any{
		"materialized": "view", "tags": []any{"base", "staging"}, "enabled": false,
		"post-hook": []any{"grant select on {{ this }} to reporter"},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("ConfigFor staging/legacy (hook must stay unrendered):\n got %#v\nwant %#v", cfg, want)
	}
	cfg = p.ConfigFor("seeds", []string{"jaffle_shop", "raw_orders"})
	if !reflect.DeepEqual(cfg, map[string]any{"column_types": map[string]any{"id": "integer"}}) {
		t.Errorf("seeds %#v", cfg)
	}
	if cfg := p.ConfigFor("models", []string{"other_pkg", "x"}); !reflect.DeepEqual(cfg, map[string]any{"materialized": "view", "tags": []any{"base"}}) {
		t.Errorf("other package gets root-level configs only: %#v", cfg)
	}
	if cfg := p.ConfigFor("snapshots", []string{"jaffle_shop", "x"}); len(cfg) != 0 {
		t.Errorf("no snapshot tree: %#v", cfg)
	}
}

func TestLoadProjectNilRender(t *testing.T) {
	dir := writeTree(t, map[string]string{"dbt_project.yml": fullProject})
	p, diags := LoadProject(dir, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if p.Profile != "{{ env_var('PROFILE', 'jaffle') }}" {
		t.Errorf("nil render must leave values: %q", p.Profile)
	}
}

func TestLoadProjectDiagnostics(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		sev   diag.Severity
		parts []string
	}{
		{"missing file", map[string]string{"readme.md": ""}, diag.Error, []string{"no dbt_project.yml in"}},
		{"yaml extension", map[string]string{"dbt_project.yaml": "name: x"}, diag.Error, []string{"rename dbt_project.yaml"}},
		{"missing name", map[string]string{"dbt_project.yml": "version: 1.0\nprofile: x\n"}, diag.Error,
			[]string{"dbt_project.yml:1:1: error: dbt_project.yml has no name", "add `name: my_project`"}},
		{"empty", map[string]string{"dbt_project.yml": ""}, diag.Error, []string{"dbt_project.yml is empty"}},
		{"invalid name", map[string]string{"dbt_project.yml": "name: jaffle-shop\n"}, diag.Error,
			[]string{"dbt_project.yml:1:7: error: invalid project name 'jaffle-shop'", "did you mean 'jaffle_shop'?"}},
		{"digit name", map[string]string{"dbt_project.yml": "name: 1shop\n"}, diag.Error, []string{"invalid project name '1shop'"}},
		{"tests and data_tests", map[string]string{"dbt_project.yml": "name: p\ndata_tests:\n  +severity: warn\ntests:\n  +severity: error\n"}, diag.Error,
			[]string{"dbt_project.yml:4:1: error: both tests: and data_tests: are set (data_tests: is at line 2)"}},
		{"config-version 1", map[string]string{"dbt_project.yml": "name: p\nconfig-version: 1\n"}, diag.Error, []string{"dbt_project.yml:2:17", "config-version 1 is not supported"}},
		{"syntax", map[string]string{"dbt_project.yml": "name: p\nmodels:\n  p:\n    +materialized: view\n   bad: [\n"}, diag.Error,
			[]string{"dbt_project.yml:5:4: error: invalid YAML:"}},
		{"not mapping", map[string]string{"dbt_project.yml": "- name: p\n"}, diag.Error, []string{"must be a mapping of settings, not a list"}},
		{"unknown top key", map[string]string{"dbt_project.yml": "name: p\nmodel-path: [m]\n"}, diag.Warning,
			[]string{"dbt_project.yml:2:1: warning: unknown key 'model-path' in dbt_project.yml — did you mean 'model-paths'?"}},
		{"unknown +config", map[string]string{"dbt_project.yml": "name: p\nmodels:\n  p:\n    staging:\n      +materialised: table\n"}, diag.Warning,
			[]string{"dbt_project.yml:5:7: warning: unknown config key '+materialised' — did you mean '+materialized'?"}},
		{"unknown seed config", map[string]string{"dbt_project.yml": "name: p\nseeds:\n  +quote_column: false\n"}, diag.Warning,
			[]string{"dbt_project.yml:3:3", "did you mean '+quote_columns'?"}},
		{"unknown bare scalar config", map[string]string{"dbt_project.yml": "name: p\nmodels:\n  p:\n    materialzed: table\n"}, diag.Warning,
			[]string{"dbt_project.yml:4:5", "unknown config key 'materialzed'", "did you mean 'materialized'?"}},
		{"missing plus on meta", map[string]string{"dbt_project.yml": "name: p\nmodels:\n  p:\n    meta:\n      owner: x\n"}, diag.Warning,
			[]string{"dbt_project.yml:4:5", "'meta' is read as a folder name", "write '+meta'"}},
		{"hook spelling", map[string]string{"dbt_project.yml": "name: p\nmodels:\n  +pre-hook: a\n  +pre_hook: b\n"}, diag.Error,
			[]string{"dbt_project.yml:4:3", "pre-hook is set twice"}},
		{"render error", map[string]string{"dbt_project.yml": "name: p\nprofile: \"{{ env_var('fail') }}\"\n"}, diag.Error,
			[]string{"dbt_project.yml:2:10: error: cannot render profile: env var FAIL not set"}},
		{"source-paths deprecated", map[string]string{"dbt_project.yml": "name: p\nsource-paths: [m]\n"}, diag.Warning,
			[]string{"source-paths is deprecated", "rename it to model-paths"}},
		{"dispatch missing namespace", map[string]string{"dbt_project.yml": "name: p\ndispatch:\n  - search_order: [a]\n"}, diag.Error,
			[]string{"dbt_project.yml:3:5", "needs a macro_namespace"}},
		{"quoting not bool", map[string]string{"dbt_project.yml": "name: p\nquoting:\n  database: maybe\n"}, diag.Error,
			[]string{"dbt_project.yml:3:13", "quoting.database must be a boolean"}},
		{"duplicate key", map[string]string{"dbt_project.yml": "name: p\nprofile: a\nprofile: b\n"}, diag.Warning,
			[]string{"dbt_project.yml:3:1", "key 'profile' is given twice"}},
		{"tree not mapping", map[string]string{"dbt_project.yml": "name: p\nmodels: [a]\n"}, diag.Error, []string{"models: must be a mapping"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeTree(t, c.files)
			_, diags := LoadProject(dir, stubRender)
			if !hasDiag(diags, c.sev, c.parts...) {
				t.Fatalf("want %v containing %q; got:\n%v", c.sev, c.parts, diags)
			}
		})
	}
}

func TestLoadProjectTestsAlias(t *testing.T) {
	dir := writeTree(t, map[string]string{"dbt_project.yml": "name: p\ntests:\n  +severity: warn\n  p:\n    +store_failures: true\n"})
	p, diags := LoadProject(dir, nil)
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	got := p.ConfigFor("tests", []string{"p", "x"})
	if !reflect.DeepEqual(got, map[string]any{"severity": "warn", "store_failures": true}) {
		t.Fatalf("%#v", got)
	}
}

func TestNativeValue(t *testing.T) {
	cases := map[string]any{"4": 4, "True": true, "false": false, "None": nil, "1.5": 1.5, "abc": "abc", "007": "007", "": "", "0x10": "0x10", "inf": "inf"}
	for in, want := range cases {
		if got := nativeValue(in); !reflect.DeepEqual(got, want) {
			t.Errorf("nativeValue(%q) = %#v, want %#v", in, got, want)
		}
	}
}

func TestScalarResolution(t *testing.T) {
	d := newDoc("x.yml", []byte(`
a: yes
b: "yes"
c: 010
d: 1.5
e: 1e3
f: ~
g: -12
h: 0x1F
i: !!str 12
j: .inf
k: 1_000
l: 2024-01-01
m: off
`))
	root := d.parse()
	got := d.value(root).(map[string]any)
	want := map[string]any{"a": true, "b": "yes", "c": 8, "d": 1.5, "e": "1e3", "f": nil, "g": -12, "h": 31, "i": "12",
		"k": 1000, "l": "2024-01-01", "m": false}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s: got %#v want %#v", k, got[k], w)
		}
	}
	if f, ok := got["j"].(float64); !ok || f < 1e308 {
		t.Errorf("j: %#v", got["j"])
	}
}
